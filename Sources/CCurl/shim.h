// Typed wrappers around libcurl's variadic functions, which Swift cannot call directly.
#ifndef GATEWAY_MEDIC_CCURL_SHIM_H
#define GATEWAY_MEDIC_CCURL_SHIM_H
#include <curl/curl.h>

static inline CURLcode gm_easy_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gm_easy_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gm_easy_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gm_easy_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gm_easy_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gm_easy_setopt_write_callback(CURL *h, size_t (*cb)(char *, size_t, size_t, void *)) { return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, cb); }
static inline CURLcode gm_easy_setopt_header_callback(CURL *h, size_t (*cb)(char *, size_t, size_t, void *)) { return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, cb); }
static inline CURLcode gm_easy_setopt_read_callback(CURL *h, size_t (*cb)(char *, size_t, size_t, void *)) { return curl_easy_setopt(h, CURLOPT_READFUNCTION, cb); }
static inline CURLcode gm_easy_setopt_blob(CURL *h, CURLoption o, void *data, size_t len) {
    struct curl_blob blob;
    blob.data = data;
    blob.len = len;
    blob.flags = CURL_BLOB_COPY;
    return curl_easy_setopt(h, o, &blob);
}
static inline CURLcode gm_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode gm_easy_getinfo_pointer(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLMcode gm_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }

// Macros that are expressions (not plain literals) do not reach Swift: expose them as functions.
static inline CURLcode gm_global_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT); }
static inline size_t gm_writefunc_pause(void) { return CURL_WRITEFUNC_PAUSE; }
static inline CURLcode gm_easy_unpause(CURL *h) { return curl_easy_pause(h, CURLPAUSE_CONT); }
static inline long gm_error_size(void) { return CURL_ERROR_SIZE; }
/// The result code of a finished transfer (CURLMsg.data is a union).
static inline CURLcode gm_msg_result(CURLMsg *m) { return m->data.result; }
static inline int gm_msg_is_done(CURLMsg *m) { return m->msg == CURLMSG_DONE; }

#endif
