#!/usr/bin/env bash
# The DistServe comparison of docs/fleet.md ("Prefill/decode disaggregation", published result):
# the highest Poisson rate at which scenarios/fleet/disagg-distserve.json's workload meets both
# SLOs at P90 (TTFT <= 0.4 s, TPOT <= 0.04 s), found by bisection, for one colocated GPU (without
# and with chunked prefill), for 2 prefill + 1 decode replicas, and for 1 + 1; then per GPU.
# Usage: scenarios/fleet/disagg-distserve-compare.sh [KVSIM_BINARY]   (about 30 s)
set -euo pipefail
kvsim=${1:-build/release/bin/kvsim}
scenario=$(dirname "$0")/disagg-distserve.json
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
colocated='{"replicas":1,"router":"least_outstanding"}'
# Whether the layout meets both P90 SLOs at a rate: exit status 0 if it does.
meets() {
  "$kvsim" run "$scenario" --quiet --out "$out/r" --set /workload/synthetic/arrivals/rate="$1" "${@:2}" >/dev/null
  python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
sys.exit(0 if s["ttft_s"]["p90"] <= 0.4 and s["tpot_s"]["p90"] <= 0.04 else 1)' "$out/r/summary.json"
}
printf '%-40s %5s %10s %14s\n' layout GPUs "max rate" "rate per GPU"
while IFS='|' read -r name gpus args; do
  read -r -a set <<<"$args"
  lo=0.25 hi=64
  for _ in $(seq 1 14); do
    mid=$(python3 -c "print(($lo + $hi) / 2)")
    if meets "$mid" "${set[@]}"; then lo=$mid; else hi=$mid; fi
  done
  python3 -c "print('%-40s %5d %10.2f %14.2f' % ('$name', $gpus, $lo, $lo / $gpus))"
done <<ROWS
colocated, no chunked prefill (vLLM 2023)|1|--set /cluster=$colocated --set /engine/enable_chunked_prefill=false
colocated, chunked prefill (vLLM v1)|1|--set /cluster=$colocated
disaggregated 2 prefill + 1 decode|3|
disaggregated 1 prefill + 1 decode|2|--set /cluster/disaggregation/prefill/replicas=1
ROWS
