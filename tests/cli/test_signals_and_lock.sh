#!/usr/bin/env bash
# Issue #13, items 5 and 13, through the real command: SIGINT and SIGTERM cancel `kvsim run`
# (exit 130 / 143, "cancelled" said) and leave the output folder exactly as the previous run left
# it; a second run into a folder that a run holds is refused.
# usage: test_signals_and_lock.sh KVSIM SOURCE_DIR
set -u
kvsim=$1
scenario=$2/scenarios/quickstart.json
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
long_run() {  # a run that lasts minutes unless cancelled
  "$kvsim" run "$scenario" --set /workload/synthetic/num_requests=100000000 --out "$out/results" --quiet \
    >"$out/stdout" 2>"$out/stderr" &
  pid=$!
  sleep 2
}

"$kvsim" run "$scenario" --set /workload/synthetic/num_requests=100 --out "$out/results" --quiet >/dev/null ||
  fail "the first run failed"
cp -r "$out/results" "$out/before"

for signal in INT TERM; do
  long_run
  kill -s "$signal" "$pid"
  wait "$pid"
  rc=$?
  expected=$([ "$signal" = INT ] && echo 130 || echo 143)
  [ "$rc" = "$expected" ] || fail "SIG$signal: exit $rc, expected $expected ($(cat "$out/stderr"))"
  grep -q "cancelled by SIG$signal; no outputs were published" "$out/stderr" || fail "SIG$signal: $(cat "$out/stderr")"
  diff -r "$out/before" "$out/results" >/dev/null || fail "SIG$signal: the folder changed: $(ls -a "$out/results")"
done

long_run
"$kvsim" run "$scenario" --out "$out/results" --quiet >/dev/null 2>"$out/second"
rc=$?
kill -s INT "$pid"
wait "$pid"
[ "$rc" = 1 ] || fail "the second run into a held folder exited $rc"
grep -q "is in use by another kvsim run" "$out/second" || fail "second run: $(cat "$out/second")"
diff -r "$out/before" "$out/results" >/dev/null || fail "the refused run changed the folder"
echo "ok"
