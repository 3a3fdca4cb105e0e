#!/usr/bin/env bash
# The SkyServe comparison of docs/fleet.md ("Elastic fleet", published result): for each seed, the
# load of spot-skyserve.json on 4 on-demand replicas, on 4 spot replicas, and on 4 + 1 spot
# replicas (SpotHedge's over-provisioning, with on-demand fallback), then the means.
# Usage: scenarios/fleet/spot-skyserve-compare.sh [KVSIM_BINARY] [SEEDS...]   (about 10 s)
set -euo pipefail
kvsim=${1:-build/release/bin/kvsim}
shift || true
seeds=("${@:-21 22 23 24 25}")
scenario=$(dirname "$0")/spot-skyserve.json
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-5s %-22s %9s %9s %9s %6s %5s %5s\n' seed fleet usd ttft_p99 goodput interr fallb moved
for seed in ${seeds[@]}; do
  for cfg in "4 on-demand|--set /cluster/spot/fraction=0 --set /cluster/replicas=4" \
             "4 spot|--set /cluster/replicas=4" "4 + 1 spot (SpotHedge)|"; do
    name=${cfg%%|*}
    read -r -a args <<<"${cfg#*|}"
    "$kvsim" run "$scenario" --quiet --out "$out/r" --set /seed="$seed" --set /workload/synthetic/seed="$seed" "${args[@]}" >/dev/null
    python3 - "$out/r/summary.json" "$seed" "$name" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); f = s["fleet"]
print("%-5s %-22s %9.2f %9.3f %9.4f %6d %5d %5d" % (sys.argv[2], sys.argv[3], f["usd"]["total"], s["ttft_s"]["p99"],
      s["goodput"]["fraction"], f["spot"]["interruptions"], f["spot"]["fallbacks_to_on_demand"], f["spot"]["requests_moved"]))
PY
  done
done | tee "$out/table"
echo "means:"
awk '{ name = $2; for (i = 3; i < NF - 5; ++i) name = name " " $i; usd[name] += $(NF-5); g[name] += $(NF-3); n[name]++ }
     END { for (k in usd) printf "  %-22s $%.2f, goodput %.4f\n", k, usd[k] / n[k], g[k] / n[k] }' "$out/table" | sort
