import CCurl
import Foundation

// libcurl callbacks: plain C functions capturing nothing; the transfer arrives as `userdata`.
private func writeCallback(_ ptr: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let userdata else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    return transfer.receiveBody(UnsafeRawBufferPointer(start: ptr, count: size * count))
}

private func headerCallback(_ ptr: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let userdata else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    transfer.receiveHeader(UnsafeRawBufferPointer(start: ptr, count: size * count))
    return size * count
}

/// Builds a configured easy handle for a transfer. Runs on the driver thread only.
struct EasyHandleBuilder {
    let transfer: Transfer
    /// The unretained pointer to `transfer` that the callbacks receive.
    let userdata: UnsafeMutableRawPointer

    func make() -> Result<UnsafeMutableRawPointer, KubeError> {
        guard let easy = curl_easy_init() else {
            return .failure(.transport(url: transfer.request.displayURL, message: "curl_easy_init failed"))
        }
        transfer.easy = easy
        do {
            try configure(easy)
            return .success(easy)
        } catch {
            // The caller frees the handle and the lists through the transfer.
            return .failure(error)
        }
    }

    private func configure(_ easy: UnsafeMutableRawPointer) throws(KubeError) {
        let r = transfer.request
        try set(easy, CURLOPT_URL, string: r.url)
        try check(gm_easy_setopt_pointer(easy, CURLOPT_PRIVATE, userdata), "PRIVATE")
        try check(gm_easy_setopt_write_callback(easy, writeCallback), "WRITEFUNCTION")
        try check(gm_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, userdata), "WRITEDATA")
        try check(gm_easy_setopt_header_callback(easy, headerCallback), "HEADERFUNCTION")
        try check(gm_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, userdata), "HEADERDATA")
        try check(gm_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, transfer.errorBuffer), "ERRORBUFFER")
        try set(easy, CURLOPT_NOSIGNAL, 1)
        // HTTP/2 over TLS when the server offers it; wait for a multiplexed connection rather
        // than opening a second one. Not over plain HTTP, which is HTTP/1.1 here: there, requests
        // started together while the first one's connection was still open waited for it, and a
        // watch never ends (the informers' streaming lists all start at once: only one ran).
        try set(easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        if r.url.lowercased().hasPrefix("https:") { try set(easy, CURLOPT_PIPEWAIT, 1) }
        try set(easy, CURLOPT_ACCEPT_ENCODING, string: "")
        if !r.userAgent.isEmpty { try set(easy, CURLOPT_USERAGENT, string: r.userAgent) }
        try set(easy, CURLOPT_TCP_KEEPALIVE, 1)
        try set(easy, CURLOPT_TCP_KEEPIDLE, 30)
        try set(easy, CURLOPT_TCP_KEEPINTVL, 15)
        try set(easy, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(r.connectTimeout))
        if let timeout = r.timeout { try set(easy, CURLOPT_TIMEOUT_MS, milliseconds(timeout)) }
        if let idle = r.idleTimeoutSeconds {
            try set(easy, CURLOPT_LOW_SPEED_LIMIT, 1)
            try set(easy, CURLOPT_LOW_SPEED_TIME, idle)
        }
        try configureMethod(easy, r)
        try configureHeaders(easy, r)
        try configureTLS(easy, r)
        if let proxy = r.proxyURL { try set(easy, CURLOPT_PROXY, string: proxy) }
    }

    private func configureMethod(_ easy: UnsafeMutableRawPointer, _ r: HTTPRequest) throws(KubeError) {
        if r.method == "GET" && r.body == nil {
            try set(easy, CURLOPT_HTTPGET, 1)
            return
        }
        try set(easy, CURLOPT_CUSTOMREQUEST, string: r.method)
        if let body = r.body {
            try check(gm_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), "POSTFIELDSIZE_LARGE")
            // COPYPOSTFIELDS: libcurl keeps its own copy, so `body` need not outlive this call.
            let code = body.withUnsafeBytes { raw -> CURLcode in
                guard let base = raw.baseAddress else { return gm_easy_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, "") }
                return gm_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base))
            }
            try check(code, "COPYPOSTFIELDS")
        } else if r.method == "HEAD" {
            try set(easy, CURLOPT_NOBODY, 1)
        }
    }

    private func configureHeaders(_ easy: UnsafeMutableRawPointer, _ r: HTTPRequest) throws(KubeError) {
        var list: UnsafeMutablePointer<curl_slist>?
        // "Expect:" turns off libcurl's 100-continue round trip for larger bodies.
        for line in r.headers + ["Expect:"] {
            guard let next = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                throw .transport(url: r.displayURL, message: "out of memory building headers")
            }
            list = next
        }
        transfer.headerList = list
        try check(gm_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, list), "HTTPHEADER")
    }

    private func configureTLS(_ easy: UnsafeMutableRawPointer, _ r: HTTPRequest) throws(KubeError) {
        let tls = r.tls
        if let ca = tls.certificateAuthorityPEM { try setBlob(easy, CURLOPT_CAINFO_BLOB, ca.bytes, "CAINFO_BLOB") }
        if let cert = tls.clientCertificatePEM {
            try setBlob(easy, CURLOPT_SSLCERT_BLOB, cert.bytes, "SSLCERT_BLOB")
            try set(easy, CURLOPT_SSLCERTTYPE, string: "PEM")
        }
        if let key = tls.clientKeyPEM {
            try setBlob(easy, CURLOPT_SSLKEY_BLOB, key.bytes, "SSLKEY_BLOB")
            try set(easy, CURLOPT_SSLKEYTYPE, string: "PEM")
        }
        // Verification is on unless the kubeconfig explicitly says insecure-skip-tls-verify.
        try set(easy, CURLOPT_SSL_VERIFYPEER, tls.insecureSkipTLSVerify ? 0 : 1)
        try set(easy, CURLOPT_SSL_VERIFYHOST, tls.insecureSkipTLSVerify ? 0 : 2)
        if let connectTo = r.connectTo {
            guard let list = curl_slist_append(nil, connectTo) else {
                throw .transport(url: r.displayURL, message: "out of memory building CONNECT_TO")
            }
            transfer.connectToList = list
            try check(gm_easy_setopt_slist(easy, CURLOPT_CONNECT_TO, list), "CONNECT_TO")
        }
    }

    // MARK: helpers

    private func set(_ easy: UnsafeMutableRawPointer, _ option: CURLoption, _ value: Int) throws(KubeError) {
        try check(gm_easy_setopt_long(easy, option, value), "option \(option.rawValue)")
    }

    private func set(_ easy: UnsafeMutableRawPointer, _ option: CURLoption, string: String) throws(KubeError) {
        try check(gm_easy_setopt_string(easy, option, string), "option \(option.rawValue)")
    }

    private func setBlob(_ easy: UnsafeMutableRawPointer, _ option: CURLoption, _ bytes: [UInt8], _ name: String) throws(KubeError) {
        var copy = bytes  // CURL_BLOB_COPY: libcurl copies it before returning
        let code = copy.withUnsafeMutableBytes { raw in gm_easy_setopt_blob(easy, option, raw.baseAddress, raw.count) }
        try check(code, name)
    }

    private func check(_ code: CURLcode, _ what: String) throws(KubeError) {
        guard code == CURLE_OK else {
            let reason = String(cString: curl_easy_strerror(code))
            throw .transport(url: transfer.request.displayURL, message: "libcurl rejected \(what): \(reason)")
        }
    }

    private func milliseconds(_ d: Duration) -> Int {
        let (s, atto) = d.components
        return max(1, Int(s) * 1000 + Int(atto / 1_000_000_000_000_000))
    }
}
