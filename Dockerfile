# syntax=docker/dockerfile:1
# gateway-medic image: a static-Swift-stdlib release binary on Debian bookworm-slim. The binary holds
# no API server: the emulator, fabric simulator and demo are gateway-medic-demo, never built here.
#   docker build -t gateway-medic:0.1.0 .      (builds the binary from source in the Swift image)
#   make image                                 (buildah; no registry needed: see docs/install.md)
# The build toolchain matches the one the project is developed with (Swift 6.3, Debian 12).
# Base images are pinned by digest: the multi-platform index digests that docker-library/repo-info
# (the official images' records) lists in repos/swift/remote/6.3-bookworm.md (commit 7b65eb4c,
# Swift 6.3.3) and repos/debian/remote/bookworm-slim.md (commit 05f354f0). To move to newer ones,
# replace tag and digest together.
ARG SWIFT_IMAGE=swift:6.3-bookworm@sha256:7060a792f4cd9eaa0d00826d941cec00ab8d252d33b8b28bc8e105f51f2dba73
ARG RUNTIME_IMAGE=debian:bookworm-slim@sha256:abd67ffcfa541b485a3dff59865ab629aa048a6c613e639d36e7456b0b229241
# Where the binary comes from: `source` compiles it in the Swift image (the default); `prebuilt`
# takes the one `make release` built, staged by `make image` as `gateway-medic` at the root of the
# build context, for machines that cannot pull the Swift image. Only the chosen stage is built.
ARG BINARY_FROM=source

# ---- build -------------------------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS binary-source
# The C libraries the binary links (headers and pkg-config files) and make for the Makefile.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libcurl4-openssl-dev libyaml-dev zlib1g-dev pkg-config make \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first: a source change then reuses the resolved packages.
COPY Package.swift Package.resolve[d] ./
RUN swift package resolve
COPY . .
# The Makefile's release target: swift build -c release --static-swift-stdlib --product gateway-medic.
# DWARF is dropped (about a third of the size); the symbol table stays for readable crash backtraces.
RUN make release \
 && install -D -m 0755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/gateway-medic" \
      /out/gateway-medic \
 && strip --strip-debug /out/gateway-medic

# ---- or the binary `make release` built (already stripped of DWARF by `make image`) ----------
FROM scratch AS binary-prebuilt
COPY gateway-medic /out/gateway-medic

FROM binary-${BINARY_FROM} AS binary

# ---- runtime -----------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}
# Shared libraries of the binary beyond the base image (scripts/check-runtime-libs.sh checks this
# list against `ldd` of a release build): libcurl (HTTP/2 + TLS to the API server, which pulls
# in OpenSSL, nghttp2 and friends), libyaml, zlib (the cached statuses are kept compressed) and
# the CA bundle for verifying TLS.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libcurl4 libyaml-0-2 zlib1g ca-certificates \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 65532 gateway-medic \
 && useradd --system --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin gateway-medic
COPY --from=binary /out/gateway-medic /usr/local/bin/gateway-medic
USER 65532:65532
# /metrics, /healthz, /readyz
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/gateway-medic"]
CMD ["run"]
