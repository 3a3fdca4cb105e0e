#!/usr/bin/env bash
# Issue #10, sweeps: `kill -9` at random moments during a sweep, then the same command again,
# gives exactly the points of an uninterrupted run: none lost, none twice. While points are
# missing there is no points.csv; a torn last line (a kill mid-write) is dropped on resume.
# usage: test_sweep_kill_resume.sh KVSIM SOURCE_DIR
set -u
kvsim=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 120 points of the quickstart at 2,000 requests each (about 20 ms per point; a third fail at once).
cat >"$work/sweep.json" <<EOF
{
  "base": "$2/scenarios/quickstart.json",
  "axes": [
    {"pointer": "/workload/synthetic/num_requests", "values": [2000]},
    {"pointer": "/cluster/replicas", "values": [1, 2, 0]},
    {"pointer": "/workload/synthetic/arrivals/rate", "range": {"from": 4, "to": 40, "count": 20}}
  ],
  "seeds": {"count": 2, "pointers": ["/workload/synthetic/seed"]}
}
EOF

. "$(dirname "$0")/kill_at_random.sh"
elapsed_ms "$kvsim" sweep "$work/sweep.json" --out "$work/whole" --jobs 2 --quiet >/dev/null || fail "the uninterrupted sweep failed"
whole_ms=$ELAPSED_MS
[ "$(wc -l <"$work/whole/points.jsonl")" = 120 ] || fail "the uninterrupted sweep has $(wc -l <"$work/whole/points.jsonl") lines"
[ "$(grep -c '"error"' "$work/whole/points.jsonl")" = 40 ] || fail "expected 40 failed points (replicas 0)"

RANDOM=$$
kills=0
lines=
for attempt in 1 2 3 4 5 6; do
  kill_at_random "$whole_ms" "$attempt" "$kvsim" sweep "$work/sweep.json" --out "$work/killed" --jobs 2 --quiet >/dev/null 2>&1
  rc=$?
  [ "$rc" = 137 ] && kills=$((kills + 1))  # else it had finished before the kill
  lines="$lines $(cat "$work/killed/points.jsonl" 2>/dev/null | wc -l)"
  if [ -f "$work/killed/points.jsonl" ] && [ "$(wc -l <"$work/killed/points.jsonl")" -lt 120 ]; then
    [ -e "$work/killed/points.csv" ] && fail "a killed sweep with points missing left a points.csv"
  fi
done
[ "$kills" -gt 0 ] || fail "no sweep was killed (each finished before its kill, the whole sweep took $whole_ms ms): the test proves nothing"
# A kill in the middle of a write leaves a line without its newline.
printf '{"hash": "0123456789abcdef", "overr' >>"$work/killed/points.jsonl"

"$kvsim" sweep "$work/sweep.json" --out "$work/killed" --jobs 2 --quiet >"$work/resume.out" 2>&1 ||
  fail "the resumed sweep failed: $(cat "$work/resume.out")"
grep -q "dropped a torn last line" "$work/resume.out" || fail "the torn line was not reported: $(cat "$work/resume.out")"

hashes() { grep -o '"hash":"[0-9a-f]*"' "$1" | sort; }
[ "$(hashes "$work/killed/points.jsonl" | uniq -d)" = "" ] || fail "a point was recorded twice"
[ "$(hashes "$work/killed/points.jsonl")" = "$(hashes "$work/whole/points.jsonl")" ] || fail "the resumed sweep has other points"
cmp -s "$work/whole/points.csv" "$work/killed/points.csv" || fail "points.csv differs from the uninterrupted run's"
echo "ok ($kills kills, whole sweep $whole_ms ms; lines after each attempt:$lines)"
