#!/usr/bin/env bash
# Issue #13, item 12, through the real command: cache-replay states its limits as integers and
# ranges, and checks its tier specs by a scenario's rules.
# usage: test_cache_replay_messages.sh KVSIM SOURCE_DIR
set -u
kvsim=$1
trace=$2/tests/data/traces/mooncake_conversation_head50.jsonl
status=0
expect() {  # expect "MESSAGE" ARGS...: the command fails with exit 1 and MESSAGE on stderr
  local message=$1
  shift
  local err rc
  err=$("$kvsim" cache-replay --trace "$trace" "$@" 2>&1 >/dev/null)
  rc=$?
  if [ "$rc" != 1 ] || [[ "$err" != *"$message"* ]]; then
    echo "FAIL: cache-replay $*: exit $rc, said: $err"
    status=1
  fi
}
expect '--block-size "0.5": expected an integer in [1, 1048576]' --capacity-tokens 1000 --block-size 0.5
expect '--max-requests "0": expected an integer in [1, ' --capacity-tokens 1000 --max-requests 0
expect '--ttl-s "1e308": expected a number in [0, 3155760000]' --capacity-tokens 1000 --ttl-s 1e308
expect '--capacity-tokens "-3": expected a whole number of tokens in [1, 1e18] or inf' --capacity-tokens -3
expect 'expected a tier name other than "gpu" and unique among the tiers, found "gpu"' --capacity-tokens 1000 --tiers gpu=5
expect 'found "cpu"' --capacity-tokens 1000 --tiers cpu=5,cpu=7
expect 'expected an eviction policy among lru' --capacity-tokens 1000 --tiers cpu=5:nope
[ "$status" = 0 ] && echo ok
exit "$status"
