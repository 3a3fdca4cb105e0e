# Sourced by the kill -9 tests. Kill moments are drawn as fractions of how long the same
# uninterrupted command took on this machine, so a fast machine cannot finish every attempt
# before its kill (fixed sleeps made a test that proved nothing on a fast CI machine).
#   elapsed_ms CMD...            runs CMD, sets ELAPSED_MS to its wall time, returns its status
#   kill_at_random WHOLE_MS K CMD...
#                                runs CMD in the background and kill -9s it at a random moment
#                                in [10 %, 50 %) of WHOLE_MS divided by K (later attempts resume
#                                with less left to do); returns the command's status (137 if killed)
elapsed_ms() {
  local start rc
  start=$(date +%s%N)
  "$@"
  rc=$?
  ELAPSED_MS=$((($(date +%s%N) - start) / 1000000))
  return $rc
}

kill_at_random() {
  local whole_ms=$1 k=$2 ms pid
  shift 2
  ms=$((whole_ms * (10 + RANDOM % 40) / 100 / k))
  "$@" &
  pid=$!
  sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}
