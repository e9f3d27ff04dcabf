#!/usr/bin/env bash
# Checks that the release `gateway-medic` binary (what the image ships) contains no API server:
# no symbol of the emulator, the fabric simulator, the demo, or of the TLS/HTTP2 server parts and
# BoringSSL that only the emulator uses. They live in `gateway-medic-demo`. Run after `make release`
# (`make release-check` does both).
#
#   BINARY   the binary to check [the release build's gateway-medic]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
die() { echo "check-no-emulator: $*" >&2; exit 1; }
command -v nm >/dev/null || die "nm is needed (binutils)"
binary="${BINARY:-}"
if [ -z "$binary" ]; then
  bin_dir="$(${SWIFT:-swift} build -c release --static-swift-stdlib --show-bin-path 2>/dev/null)" \
    || die "could not ask swift for the release bin path; set BINARY=path/to/gateway-medic"
  binary="$bin_dir/gateway-medic"
fi
[ -x "$binary" ] || die "no release binary at $binary: run 'make release' first (or make release-check)"
symbols="$(mktemp)"
trap 'rm -f "$symbols"' EXIT
nm "$binary" >"$symbols" 2>/dev/null || die "nm could not read $binary"
# Swift symbols name their module length-prefixed ($s12KubeEmulator...); the operator's own
# module must be there, or the binary was stripped and the check below would prove nothing.
grep -Eq '(^|[^0-9])15OperatorRuntime' "$symbols" || die "$binary has no OperatorRuntime symbols (stripped?): cannot check"
modules='12KubeEmulator|15FabricSimulator|4Demo|16GatewayMedicDemo|14HummingbirdTLS|16HummingbirdHTTP2|6NIOSSL'
found="$(grep -E "(^|[^0-9])($modules)|CNIOBoringSSL" "$symbols" | awk '{print $NF}' || true)"
if [ -n "$found" ]; then
  echo "check-no-emulator: $binary links the emulator or its server parts ($(wc -l <<<"$found") symbols), e.g.:" >&2
  sed -n 1,5p <<<"$found" >&2
  exit 1
fi
echo "check-no-emulator: $binary ($(stat -c %s "$binary") bytes) has no emulator, simulator, demo or TLS server symbols"
