#!/usr/bin/env bash
# What merely receiving the steady state's watch streams costs, next to the operator.
#
# Starts the 10,000-gateway benchmark, waits until the operator child has synced and settled,
# then, for `window` (15 s) of steady state, runs beside it against the same emulator:
#   - curl (libcurl's own command-line tool) reading the GatewayAgent watch and the switch Agent
#     watch and throwing the bytes away: the cost of receiving the events, nothing else;
#   - kubectl get --watch-only -o name on GatewayAgents: client-go decoding each event;
# and prints each one's CPU time over the same window with the operator's. Linux only (/proc).
#
# Usage: scripts/watch-floor.sh [path to GatewayMedicBench]   (default: builds the release one)
set -euo pipefail

for tool in curl kubectl; do
  command -v "$tool" >/dev/null || { echo "watch-floor: needs $tool on the PATH" >&2; exit 1; }
done
bin=${1:-}
if [ -z "$bin" ]; then
  swift build -c release --product GatewayMedicBench >&2
  bin=$(swift build -c release --show-bin-path)/GatewayMedicBench
fi
out=$(mktemp)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -f "$out"' EXIT  # the operator child exits with the bench

"$bin" --sizes 10000 --steady 60 --no-baseline --decode-events 1000 >"$out" 2>&1 &
bench=$!
for _ in $(seq 1 300); do grep -q synced "$out" && break; sleep 1; done
grep -q synced "$out" || { echo "the operator did not sync; see the bench output:" >&2; cat "$out" >&2; exit 1; }
sleep 20  # past the settling of the first observations

child=$(pgrep -P "$bench" -f -- --child)
url=$(tr '\0' ' ' </proc/"$child"/cmdline | awk '{print $3}')
ticks() { awk '{print $14 + $15}' /proc/"$1"/stat; }
hz=$(getconf CLK_TCK)
window=15  # seconds of steady state measured

curl -sN "$url/apis/gwint.githedgehog.com/v1alpha1/gatewayagents?watch=1" >/dev/null &
curl_agents=$!
curl -sN "$url/apis/agent.githedgehog.com/v1beta1/agents?watch=1" >/dev/null &
curl_switches=$!
kubectl --server="$url" get gatewayagents.gwint.githedgehog.com -A --watch-only -o name >/dev/null 2>&1 &
kubectl_watch=$!
sleep 5  # past the watches' start (kubectl lists first)

before=("$(ticks "$child")" "$(ticks $curl_agents)" "$(ticks $curl_switches)" "$(ticks $kubectl_watch)")
sleep "$window"
after=("$(ticks "$child")" "$(ticks $curl_agents)" "$(ticks $curl_switches)" "$(ticks $kubectl_watch)")
share() { awk -v d="$(( $2 - $1 ))" -v hz="$hz" -v s="$window" 'BEGIN { printf "%5.1f %% of a core", 100 * d / hz / s }'; }
echo "$window s of steady state at 10,000 gateways (667 GatewayAgent and 333 Agent heartbeats a second):"
echo "  operator (4 watches, cache, evaluation):           $(share "${before[0]}" "${after[0]}")"
echo "  curl, GatewayAgent watch, bytes thrown away:       $(share "${before[1]}" "${after[1]}")"
echo "  curl, switch Agent watch, bytes thrown away:       $(share "${before[2]}" "${after[2]}")"
echo "  kubectl get gatewayagents --watch-only -o name:    $(share "${before[3]}" "${after[3]}")"
