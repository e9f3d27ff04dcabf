#!/usr/bin/env bash
# Builds one libFuzzer harness of Fuzz/ and runs it for a bounded time from its committed seed
# corpus (Fuzz/corpus/<target>/). Only the module sources the target needs are compiled, with
# swiftc -sanitize=fuzzer (and AddressSanitizer), so a build takes seconds, not a full package build.
#
#   scripts/fuzz.sh <watch|yaml|kubeconfig|all> [seconds per target, default 20]
#
# New inputs found during the run go to .build/fuzz/<target>/corpus (not committed); a crash
# leaves its input in .build/fuzz/<target>/ and makes the script fail. To keep such an input as a
# regression seed, copy it into Fuzz/corpus/<target>/ (the Swift test suite replays that folder).
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: scripts/fuzz.sh <watch|yaml|kubeconfig|all> [seconds]}
seconds=${2:-20}
if [ "$target" = all ]; then
    for t in watch yaml kubeconfig; do "$0" "$t" "$seconds"; done
    exit 0
fi

SWIFTC=${SWIFTC:-swiftc}
out=.build/fuzz/$target
mkdir -p "$out/modules" "$out/corpus"
# Coverage instrumentation for every module; ASan unless FUZZ_ASAN=0.
sanitize=fuzzer
[ "${FUZZ_ASAN:-1}" = 1 ] && sanitize=fuzzer,address
flags=(-sanitize="$sanitize" -parse-as-library -swift-version 6 -package-name gateway_medic -Onone -gline-tables-only -I "$out/modules" -I Sources/CYAML -I Sources/CZlib)

# module <name> <sources...>: one module as one object file plus its .swiftmodule.
module() {
    local name=$1; shift
    "$SWIFTC" "${flags[@]}" -module-name "$name" -wmo -c "$@" \
        -emit-module -emit-module-path "$out/modules/$name.swiftmodule" -o "$out/modules/$name.o"
}

module Locking Sources/Locking/*.swift  # KubeAPI's WatchEvent keeps its parsed object behind a lock
module KubeAPI Sources/KubeAPI/*.swift
objects=("$out/modules/Locking.o" "$out/modules/KubeAPI.o")
libs=(-lz)  # KubeAPI's CompactJSON
case "$target" in
watch)
    module KubeClient Sources/KubeClient/API/{LineSplitter,WatchEventDecoder,TruncatedJSON,KubeError}.swift
    module HealthModel $(find Sources/HealthModel -name '*.swift' | sort)
    module ViewScanning Sources/ViewScanning/*.swift
    objects+=("$out/modules/KubeClient.o" "$out/modules/HealthModel.o" "$out/modules/ViewScanning.o")
    ;;
yaml)
    module YAML Sources/YAML/*.swift
    objects+=("$out/modules/YAML.o"); libs+=(-lyaml)
    ;;
kubeconfig)
    module YAML Sources/YAML/*.swift
    module KubeClient Sources/KubeClient/Config/*.swift
    objects+=("$out/modules/YAML.o" "$out/modules/KubeClient.o"); libs+=(-lyaml)
    ;;
*) echo "unknown fuzz target $target (watch, yaml, kubeconfig)" >&2; exit 2 ;;
esac

# ld.gold warns about every ASan helper symbol; those lines are noise.
"$SWIFTC" "${flags[@]}" -module-name "Fuzz_$target" "Fuzz/$target.swift" "${objects[@]}" "${libs[@]}" -o "$out/fuzzer" \
    2> >(grep -v "Cannot export local symbol" >&2)

# -rss_limit_mb: memory must stay bounded; -max_len: inputs up to 64 KiB; -timeout: a slow
# input (a quadratic path) fails the run like a crash does.
cd "$out"
ASAN_OPTIONS=detect_leaks=0 ./fuzzer -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=10 \
    -print_final_stats=1 corpus "../../../Fuzz/corpus/$target" </dev/null
