#!/usr/bin/env bash
# What a run is and whether it met its SLOs, in `kvsim run`'s header (issue #10: "8 replicas" must
# never read as one GPU; the policy, the prices per GPU-hour and per hour, and each SLO's verdict),
# and `kvsim sweep`'s progress line on stderr (points done/total, failures, points per second, ETA).
# usage: test_run_header_and_sweep_progress.sh KVSIM SOURCE_DIR
set -u
kvsim=$1
src=$2
status=0
fail() {
  echo "FAIL: $*"
  status=1
}
cd "$src" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The catalog's on-demand price (the top-level member; source.price quotes where it came from).
price=$("$kvsim" info gpu H100-SXM | sed -n 's/^  "usd_per_gpu_hour": \([0-9.]*\),\{0,1\}$/\1/p')
[ -n "$price" ] || fail "kvsim info gpu H100-SXM gives no usd_per_gpu_hour"

# 8 replicas of TP 2: 16 GPUs, and the fleet's price is 16 GPU-hours an hour.
out=$("$kvsim" run scenarios/quickstart.json --quiet --set /cluster/replicas=8 --set /deployment/tensor_parallel=2 \
      --set /kv_cache/eviction_policy=s3fifo) || fail "kvsim run exits $?"
line=$(sed -n 2p <<<"$out")
want=$(printf '  Llama-3-8B: 8 replicas x 2 H100-SXM (TP 2, PP 1) = 16 GPUs, least_outstanding router, s3fifo KV eviction; $%.2f per GPU-hour, $%.2f per hour' \
       "$price" "$(awk -v p="$price" 'BEGIN { print p * 16 }')")
[ "$line" = "$want" ] || fail "run header: said '$line', expected '$want'"

# The quickstart meets its SLOs (P99 TTFT <= 2 s, P99 TPOT <= 0.1 s) on 2 replicas ...
out=$("$kvsim" run scenarios/quickstart.json --quiet) || fail "kvsim run exits $?"
grep -Eq '^  SLOs: met \(TTFT p99 [0-9.e-]+ s <= 2 s, TPOT p99 [0-9.e-]+ s <= 0.1 s, goodput [0-9.]+% >= 99%\)$' <<<"$out" ||
  fail "quickstart: no 'SLOs: met' line: $out"
# ... misses a 10 ms TTFT target, and says which target it missed and which it met ...
out=$("$kvsim" run scenarios/quickstart.json --quiet --set /slo/ttft_s=0.01) || fail "kvsim run exits $?"
grep -Eq '^  SLOs: MISSED \(TTFT p99 [0-9.e-]+ s > 0.01 s, goodput [0-9.]+% < 99%; met: TPOT p99 [0-9.e-]+ s <= 0.1 s\)$' <<<"$out" ||
  fail "a 10 ms TTFT target: no 'SLOs: MISSED' line naming it: $out"
# ... and a scenario without targets has no verdict.
out=$("$kvsim" run scenarios/quickstart.json --quiet --set '/slo={}') || fail "kvsim run exits $?"
grep -q '^  SLOs: none set$' <<<"$out" || fail "no SLOs: expected 'SLOs: none set': $out"

# The sweep's progress on stderr (a file here: one line per update), the last one complete.
cat >"$tmp/sweep.json" <<JSON
{"base": "$src/scenarios/quickstart.json",
 "axes": [{"pointer": "/cluster/replicas", "values": [0, 1, 2]}],
 "seeds": [1, 2]}
JSON
"$kvsim" sweep "$tmp/sweep.json" --out "$tmp/out" --jobs 2 >"$tmp/stdout" 2>"$tmp/stderr" ||
  fail "kvsim sweep exits $?: $(cat "$tmp/stderr")"
last=$(grep '^\[sweep\]' "$tmp/stderr" | tail -1)
grep -Eq '^\[sweep\] 6/6 points \(2 failed\) \| [0-9]+\.[0-9] points/s \| ETA 0:00$' <<<"$last" ||
  fail "sweep progress: last line '$last'"
first=$(grep '^\[sweep\]' "$tmp/stderr" | head -1)
grep -Eq '^\[sweep\] [0-6]/6 points \([0-2] failed\) \| [0-9]+\.[0-9] points/s \| ETA ([0-9]+:[0-9]{2}|\?)$' <<<"$first" ||
  fail "sweep progress: first line '$first'"
# --quiet: no progress at all.
"$kvsim" sweep "$tmp/sweep.json" --out "$tmp/out2" --quiet >/dev/null 2>"$tmp/stderr2" || fail "quiet sweep exits $?"
[ ! -s "$tmp/stderr2" ] || fail "--quiet sweep wrote to stderr: $(cat "$tmp/stderr2")"

[ "$status" = 0 ] && echo "ok"
exit "$status"
