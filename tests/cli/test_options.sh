#!/usr/bin/env bash
# Every command parses with one CommandLine (sim/cli/options.h): the same help, exit codes and
# messages naming the flag, whichever command it is.
# usage: test_options.sh KVSIM SOURCE_DIR VERSION
set -u
kvsim=$1
src=$2
version=$3
status=0
fail() {
  echo "FAIL: $*"
  status=1
}
commands="run validate info import-model predict calibrate validate-profile cache-replay sweep plan fit"

help=$("$kvsim" --help) || fail "kvsim --help exits $?"
for c in $commands; do
  grep -q "^  $c " <<<"$help" || fail "kvsim --help does not list $c"
done
[ "$("$kvsim" --version)" = "kvsim $version" ] || fail "kvsim --version says $("$kvsim" --version), CMake says $version"

for c in $commands "sweep merge"; do
  # shellcheck disable=SC2086
  out=$("$kvsim" $c --help 2>&1)
  rc=$?
  [ "$rc" = 0 ] || fail "$c --help: exit $rc"
  grep -q "^usage: kvsim $c " <<<"$out" || fail "$c --help: no usage line: $out"
  grep -q -- "\[ --help \]  *print this help" <<<"$out" || fail "$c --help: no options table: $out"
  # shellcheck disable=SC2086
  err=$("$kvsim" $c 2>&1 >/dev/null)
  rc=$?
  [ "$rc" = 2 ] || fail "$c without arguments: exit $rc, expected 2"
  grep -q "^usage: kvsim $c" <<<"$err" || fail "$c without arguments: no usage on stderr: $err"
  # shellcheck disable=SC2086
  err=$("$kvsim" $c --no-such-flag x 2>&1 >/dev/null)
  rc=$?
  [ "$rc" = 1 ] || fail "$c --no-such-flag: exit $rc, expected 1"
  grep -q "unknown flag --no-such-flag (see kvsim $c --help)" <<<"$err" || fail "$c --no-such-flag: said: $err"
done

expect() {  # expect RC "MESSAGE" ARGS...: kvsim ARGS exits RC with MESSAGE on stderr
  local want=$1 message=$2
  shift 2
  local err rc
  err=$("$kvsim" "$@" 2>&1 >/dev/null)
  rc=$?
  if [ "$rc" != "$want" ] || [[ "$err" != *"$message"* ]]; then
    fail "kvsim $*: exit $rc (expected $want), said: $err"
  fi
}
scenario=$src/scenarios/quickstart.json
expect 1 "kvsim run: --out needs a value" run "$scenario" --out
expect 1 "--out needs a value" run "$scenario" --out --quiet  # a flag is not taken as the value
expect 1 'unexpected argument "second.json"' run "$scenario" second.json
expect 1 "unknown flag --ou " run "$scenario" --ou x  # no abbreviations
expect 1 "--quiet takes no value" run "$scenario" --quiet=yes
expect 2 "kvsim run: missing SCENARIO.json" run --quiet
expect 2 "kvsim cache-replay: missing --capacity-tokens" cache-replay --trace x.jsonl
expect 2 "kvsim sweep: missing --out" sweep x.json
expect 2 "kvsim sweep merge: missing SHARD_DIR" sweep merge --out x
expect 2 "kvsim plan: missing --out" plan x.json
expect 1 '--jobs "0": expected an integer in [1, 9999]' plan x.json --out y --jobs 0
expect 1 '--tp "0": expected an integer in [1, 65536]' predict --model Llama-3-8B --gpu H100-SXM --tp 0 --tokens 5
expect 1 '--tokens "12x": expected an integer in [1, ' predict --model Llama-3-8B --gpu H100-SXM --tokens 12x
expect 1 '--jobs "0": expected an integer in [1, 9999]' sweep x.json --out y --jobs 0
expect 1 '--fit-duration-scale "2": expected a number in [0.01, 1]' fit x.json --fit-duration-scale 2
expect 1 "--gpu cannot go with --print-shapes" calibrate --print-shapes --gpu H100-SXM
expect 1 "expected \`info model NAME\` or \`info gpu NAME\`" info model

# Values in command-line order, a repeated flag's last one winning, = and a following word alike.
out=$("$kvsim" validate "$scenario" --set /cluster/replicas=3 --set=/cluster/replicas=5) || fail "validate --set=: exit $?"
grep -q "5 replica(s)" <<<"$out" || fail "validate --set twice: $out"
out=$("$kvsim" predict --model Llama-3-8B --gpu H100-SXM --tokens 100 --tp 4 --tp=2) || fail "predict --tp twice: exit $?"
grep -q '"tensor_parallel": 2' <<<"$out" || fail "predict --tp twice: $out"

[ "$status" = 0 ] && echo ok
exit "$status"
