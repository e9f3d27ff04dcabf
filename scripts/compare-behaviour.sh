#!/usr/bin/env bash
# Behaviour before and after a refactoring (issue 18 acceptance 1): runs the behaviour probe
# (scripts/behaviour-probe/BehaviourProbeTests.swift: the operator and `check -o json` on a
# deterministic simulated fabric) on two versions of the code and diffs what they recorded.
#
#   scripts/compare-behaviour.sh BEFORE [AFTER]
#
# BEFORE and AFTER are commits (built in a detached worktree under $WORK, which stays for the next
# run: builds take minutes), a checkout's directory, or `.` for this working tree as it is
# (AFTER's default). The probe is copied into the checkout's Tests/OperatorTests for the run and
# removed afterwards.
# Settings for one side only, as config-file YAML: BEFORE_CONFIG, AFTER_CONFIG (e.g.
# AFTER_CONFIG='informers: {streamingLists: false}' to compare with a commit without streaming lists).
# RUNS=n runs each side n times (a difference between two runs of one side is noise, not behaviour).
# What one side adds on purpose (a later issue's conditions, their Events and status fields) is left
# out of both records before the diff with LEAVE_OUT_CONDITIONS, LEAVE_OUT_EVENTS, LEAVE_OUT_FIELDS
# (space-separated; see scripts/behaviour-probe/leave_out.py), e.g. for 04a7fba (the commit before
# issue 18) against issue 19 (docs/architecture.md, "Behaviour before and after issue 18"):
#   LEAVE_OUT_CONDITIONS='Forwarding PeeringsHealthy GroupRedundancy AgentVersionCurrent'
#   LEAVE_OUT_EVENTS='GatewayNotForwarding GatewayForwarding PeeringDown PeeringRecovered RedundancyLost RedundancyRestored'
#   LEAVE_OUT_FIELDS='memory.containerRestarts memory.restartRises'
# Exit 0 when the records are identical, 1 when they differ, 2 on a usage or build error.
set -euo pipefail

repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
probe="$repo/scripts/behaviour-probe/BehaviourProbeTests.swift"
work=${WORK:-/tmp/gateway-medic-compare}
runs=${RUNS:-1}
[ $# -ge 1 ] || { sed -n 2,22p "$0"; exit 2; }
before=$1
after=${2:-.}
mkdir -p "$work"
copied=()
trap 'rm -f "${copied[@]}"' EXIT
no_settings='{}'

# The checkout to build for a side: this tree, or a detached worktree at the commit.
checkout() {
    local rev=$1
    if [ "$rev" = "." ]; then echo "$repo"; return; fi
    if [ -d "$rev" ]; then (cd "$rev" && pwd); return; fi
    local sha; sha=$(git -C "$repo" rev-parse --short=12 "$rev^{commit}") || exit 2
    local dir="$work/tree-$sha"
    [ -d "$dir" ] || git -C "$repo" worktree add --detach "$dir" "$sha" >&2
    echo "$dir"
}

# Records one side into $work/out-<name>[-<run>].
record() {
    local name=$1 dir=$2 config=$3
    local tests="$dir/Tests/OperatorTests"
    cp "$probe" "$tests/BehaviourProbeTests.swift"
    # The checkout's own poll-until-true helper (TestSupport's eventually since issue 18).
    if [ -f "$dir/Tests/TestSupport/Eventually.swift" ]; then
        printf 'import TestSupport\nfunc probePoll(_ seconds: Double, _ condition: () async -> Bool) async -> Bool { await eventually(seconds, condition) }\n'
    else
        printf 'func probePoll(_ seconds: Double, _ condition: () async -> Bool) async -> Bool { await waitUntil(seconds, condition) }\n'
    fi > "$tests/BehaviourProbeShim.swift"
    copied+=("$tests/BehaviourProbeTests.swift" "$tests/BehaviourProbeShim.swift")
    echo "== $name: building $dir" >&2
    (cd "$dir" && swift build --build-tests 2>&1 | tail -5) >&2
    for run in $(seq 1 "$runs"); do
        local out="$work/out-$name"; [ "$runs" = 1 ] || out="$out-$run"
        rm -rf "$out"
        echo "== $name: recording into $out" >&2
        (cd "$dir" && BEHAVIOUR_PROBE_OUT="$out" BEHAVIOUR_PROBE_CONFIG="$config" \
            swift test --skip-build --filter 'BehaviourProbe' 2>&1 | tail -3) >&2
        [ -f "$out/requests.txt" ] || { echo "no record in $out" >&2; exit 2; }
    done
}

record before "$(checkout "$before")" "${BEFORE_CONFIG:-$no_settings}"
record after "$(checkout "$after")" "${AFTER_CONFIG:-$no_settings}"

# The records to diff: as recorded, or with what one side adds on purpose left out of both.
compared() {
    local out=$1
    if [ -z "${LEAVE_OUT_CONDITIONS:-}${LEAVE_OUT_EVENTS:-}${LEAVE_OUT_FIELDS:-}" ]; then echo "$out"; return; fi
    rm -rf "$out.left-out"
    python3 "$repo/scripts/behaviour-probe/leave_out.py" "$out" "$out.left-out" || exit 2
    echo "$out.left-out"
}

status=0
if [ "$runs" = 1 ]; then
    diff -ru "$(compared "$work/out-before")" "$(compared "$work/out-after")" || status=1
else
    for run in $(seq 2 "$runs"); do
        for side in before after; do
            diff -ru "$work/out-$side-1" "$work/out-$side-$run" >/dev/null || echo "noise: $side run 1 and $run differ" >&2
        done
    done
    diff -ru "$(compared "$work/out-before-1")" "$(compared "$work/out-after-1")" || status=1
fi
[ $status = 0 ] && echo "identical: $before and $after recorded the same requests, objects and check output" >&2
exit $status
