#!/usr/bin/env bash
# Prefill/decode disaggregation through the real commands: validate and run name both pools, run
# prints the disaggregation line and writes the pools' columns and summary section, and a bad
# ratio exits 1 naming its pointer.
# usage: test_disagg.sh KVSIM SOURCE_DIR
set -u
kvsim=$1
scenario=$2/scenarios/fleet/disagg-distserve.json
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }
small=(--set /workload/synthetic/num_requests=200)
said=$("$kvsim" validate "$scenario" 2>&1) || fail "validate exited $?: $said"
[[ "$said" == *"disaggregated: prefill 2 x A100-80GB TP1"*"decode 1 x A100-80GB TP1"*"KV over nvlink"* ]] || fail "validate said: $said"
said=$("$kvsim" run "$scenario" "${small[@]}" --out "$out/r" 2>&1) || fail "run exited $?: $said"
[[ "$said" == *"prefill pool: 2 replicas x 1 A100-80GB"* ]] || fail "run header: $said"
[[ "$said" == *"decode pool: 1 replica x 1 A100-80GB"* ]] || fail "run header: $said"
[[ "$said" == *"disaggregation: prefill busy"*"200 KV transfers"* ]] || fail "run summary: $said"
head -1 "$out/r/timeseries.csv" | grep -q "prefill_waiting,prefill_running,prefill_kv_held,decode_waiting" || fail "timeseries header"
python3 - "$out/r/summary.json" <<'PY' || status=1
import json, sys
d = json.load(open(sys.argv[1]))["disaggregation"]
assert d["kv_transfer"]["bytes_sent"] == d["kv_transfer"]["bytes_received"] > 0, d["kv_transfer"]
assert d["pools"]["prefill"]["replicas"] == 2 and d["pools"]["decode"]["replicas"] == 1, d["pools"]
assert d["stage_s"]["transfer"]["count"] == 200, d["stage_s"]["transfer"]
PY
err=$("$kvsim" run "$scenario" "${small[@]}" --set /cluster/disaggregation/ratio='"3"' --out "$out/bad" 2>&1 >/dev/null)
rc=$?
[ "$rc" = 1 ] && [[ "$err" == *"/cluster/disaggregation/ratio"* ]] || fail "bad ratio: exit $rc, said: $err"
[ -e "$out/bad/summary.json" ] && fail "a refused scenario left a summary"
[ "$status" = 0 ] && echo ok
exit "$status"
