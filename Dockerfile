# syntax=docker/dockerfile:1
# gateway-medic image: a static-Swift-stdlib release binary on Debian bookworm-slim. The binary holds
# no API server: the emulator, fabric simulator and demo are gateway-medic-demo, never built here.
#   docker build -t gateway-medic:0.1.0 .
# The build toolchain matches the one the project is developed with (Swift 6.3, Debian 12).
ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# ---- build -------------------------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS build
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
COPY --from=build /out/gateway-medic /usr/local/bin/gateway-medic
USER 65532:65532
# /metrics, /healthz, /readyz
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/gateway-medic"]
CMD ["run"]
