#!/usr/bin/env bash
# Checks that the Dockerfile's runtime stage (debian:bookworm-slim + its apt-get install list)
# provides every shared library the release binary loads, and that the image is built with
# `make release`. Run it after `make release` (or `make release-check`, which does both), on
# Debian bookworm like the runtime image: it reads this machine's dpkg database.
#
#   BINARY   the binary to check [the release build's gateway-medic]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
die() { echo "check-runtime-libs: $*" >&2; exit 1; }

for tool in ldd dpkg dpkg-query python3; do
  command -v "$tool" >/dev/null || die "$tool is needed (this check runs on Debian, like the runtime image)"
done
if [ -r /etc/os-release ]; then
  . /etc/os-release
  [ "${VERSION_CODENAME:-}" = bookworm ] || \
    echo "check-runtime-libs: WARNING: this machine is ${PRETTY_NAME:-unknown}, the runtime image is bookworm;" \
         "package names and the base set may differ" >&2
fi
binary="${BINARY:-}"
if [ -z "$binary" ]; then
  bin_dir="$(${SWIFT:-swift} build -c release --static-swift-stdlib --show-bin-path 2>/dev/null)" \
    || die "could not ask swift for the release bin path; set BINARY=path/to/gateway-medic"
  binary="$bin_dir/gateway-medic"
fi
[ -x "$binary" ] || die "no release binary at $binary: run 'make release' first (or make release-check)"
exec python3 "$root/scripts/runtime_libs.py" "$root/Dockerfile" "$binary"
