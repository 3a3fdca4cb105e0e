#!/usr/bin/env bash
# Times the sweep benchmark of issue #10: `kvsim sweep scenarios/sweeps/quickstart-1000.json`
# (1,000 points of scenarios/quickstart.json, 3,000 requests each, on every core by default)
# RUNS times into fresh folders, and prints each run and the median. The goal is <= 60 s on the
# 2-core machine of docs/performance.md.
# Usage: scripts/bench-sweep.sh [RUNS] [KVSIM_BINARY] [--jobs N]
set -euo pipefail
runs=${1:-3}
kvsim=${2:-build/release/bin/kvsim}
shift $(($# < 2 ? $# : 2))
sweep=scenarios/sweeps/quickstart-1000.json
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
[ -x "$kvsim" ] || { echo "bench-sweep: $kvsim not found (run make build first)" >&2; exit 1; }
walls=()
for ((i = 1; i <= runs; i++)); do
  rm -rf "$out/points"
  line=$( { /usr/bin/time -f "%e %U %M" "$kvsim" sweep "$sweep" --out "$out/points" --quiet "$@" >/dev/null; } 2>&1 | tail -1)
  read -r wall user rss <<<"$line"
  [ "$(wc -l <"$out/points/points.jsonl")" = 1000 ] || { echo "bench-sweep: the sweep did not finish" >&2; exit 1; }
  printf 'run %d: %6.2f s wall, %6.2f s user, %7d KB peak RSS, %6.1f points/s\n' "$i" "$wall" "$user" "$rss" \
    "$(awk -v w="$wall" 'BEGIN { print 1000 / w }')"
  walls+=("$wall")
done
median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
printf 'median: %.2f s wall for 1,000 points = %.1f points per wall-second\n' "$median" "$(awk -v w="$median" 'BEGIN { print 1000 / w }')"
