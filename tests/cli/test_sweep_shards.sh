#!/usr/bin/env bash
# Sweeps for batch schedulers, from the command line (issue #10): `kvsim sweep --shard K/N` into a
# folder per shard, then `kvsim sweep merge` gives the points.csv of a single-process sweep; a merge
# with a shard missing says how many points lack a result, writes no points.csv and exits 1; shards
# of different sweeps are refused. Running the sweep into the merged folder runs nothing.
# usage: test_sweep_shards.sh KVSIM SOURCE_DIR
set -u
kvsim=$1
src=$2
status=0
fail() {
  echo "FAIL: $*"
  status=1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/sweep.json" <<JSON
{"base": "$src/scenarios/quickstart.json",
 "axes": [{"pointer": "/workload/synthetic/num_requests", "values": [300]},
          {"pointer": "/cluster/replicas", "values": [1, 0, 2]}],
 "seeds": [1, 2]}
JSON
"$kvsim" sweep "$tmp/sweep.json" --out "$tmp/whole" --quiet >/dev/null || fail "the whole sweep exits $?"
for k in 0 1 2; do
  "$kvsim" sweep "$tmp/sweep.json" --shard "$k/3" --out "$tmp/shard$k" --quiet >"$tmp/shard$k.txt" ||
    fail "shard $k/3 exits $?"
  grep -q "^kvsim sweep: 2 points, 2 ran now" "$tmp/shard$k.txt" || fail "shard $k/3: $(cat "$tmp/shard$k.txt")"
done

out=$("$kvsim" sweep merge --out "$tmp/merged" "$tmp/shard0" "$tmp/shard1" "$tmp/shard2") || fail "merge exits $?: $out"
cmp -s "$tmp/whole/points.csv" "$tmp/merged/points.csv" ||
  fail "merged points.csv differs from the single-process one: $(diff "$tmp/whole/points.csv" "$tmp/merged/points.csv" | head -3)"
out=$("$kvsim" sweep "$tmp/sweep.json" --out "$tmp/merged" --quiet) || fail "the sweep into the merged folder exits $?"
grep -q "^kvsim sweep: 6 points, 0 ran now, 6 had results already" <<<"$out" || fail "sweep into the merged folder: $out"

out=$("$kvsim" sweep merge --out "$tmp/partial" "$tmp/shard0" "$tmp/shard2")
rc=$?
[ "$rc" = 1 ] || fail "a merge missing a shard exits $rc, expected 1"
grep -q "^incomplete: 2 point(s) have no result" <<<"$out" || fail "a merge missing a shard said: $out"
[ ! -e "$tmp/partial/points.csv" ] || fail "a merge missing a shard wrote points.csv"

sed 's/\[1, 2\]/[1, 2, 3]/' "$tmp/sweep.json" >"$tmp/other.json"
"$kvsim" sweep "$tmp/other.json" --shard 0/3 --out "$tmp/other" --quiet >/dev/null || fail "the other sweep exits $?"
err=$("$kvsim" sweep merge --out "$tmp/mixed" "$tmp/shard0" "$tmp/other" 2>&1 >/dev/null)
rc=$?
[ "$rc" = 1 ] || fail "merging shards of two sweeps exits $rc, expected 1"
grep -q "a different sweep from .*expected the shards of one sweep" <<<"$err" || fail "merging two sweeps said: $err"

[ "$status" = 0 ] && echo "ok"
exit "$status"
