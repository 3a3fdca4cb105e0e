#!/usr/bin/env bash
# Times the speed benchmark of issue #2 end to end: `kvsim run scenarios/bench/synthetic-1m.json`
# (1,000,000 requests, writing requests.csv, timeseries.csv and summary.json) RUNS times in a row
# on one core, and prints each run and the median. The machine this project is measured on is a
# shared virtual machine whose speed drifts from run to run; the median of several runs is the
# figure docs/performance.md reports.
# Usage: scripts/bench-1m.sh [RUNS] [KVSIM_BINARY]
set -euo pipefail
runs=${1:-5}
kvsim=${2:-build/release/bin/kvsim}
scenario=scenarios/bench/synthetic-1m.json
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
[ -x "$kvsim" ] || { echo "bench-1m: $kvsim not found (run make build first)" >&2; exit 1; }
walls=()
for ((i = 1; i <= runs; i++)); do
  # taskset: one core, as the goal is stated (the other core keeps the rest of the machine).
  line=$( { /usr/bin/time -f "%e %U %M" taskset -c 1 "$kvsim" run "$scenario" --quiet --out "$out" >/dev/null; } 2>&1 | tail -1)
  read -r wall user rss <<<"$line"
  rate=$(awk -v w="$wall" 'BEGIN { printf "%.0f", 1000000 / w }')
  printf 'run %d: %6.2f s wall, %6.2f s user, %7d KB peak RSS, %7d simulated requests/s\n' "$i" "$wall" "$user" "$rss" "$rate"
  walls+=("$wall")
done
median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
printf 'median: %.2f s wall = %.0f simulated requests per wall-second\n' "$median" "$(awk -v w="$median" 'BEGIN { print 1000000 / w }')"
