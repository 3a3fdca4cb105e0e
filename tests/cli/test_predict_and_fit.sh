#!/usr/bin/env bash
# kvsim predict and kvsim fit through the real command: predict prints the calibrated kernels (not
# the roofline) and the engine's step; fit --evaluate replays the committed vLLM runs, writes its
# report and replay scenarios, and a failed fit writes no profile.
# usage: test_predict_and_fit.sh KVSIM SOURCE_DIR
set -u
kvsim=$1
src=$2
status=0
fail() { echo "FAIL: $*"; status=1; }
out=$("$kvsim" predict --model Llama-3-70B --gpu H100-SXM --tp 4 --batch 32 --context 1000) || fail "predict exited $?"
[[ "$out" == *'"kind": "calibrated"'* || "$out" == *'"kind":"calibrated"'* ]] || fail "predict: no calibrated model in: ${out:0:200}"
[[ "$out" == *'"engine"'* && "$out" == *'"padded_tokens": 32'* ]] || fail "predict: no engine step in its output"
[[ "$out" == *'"qkv_proj": "profile'* ]] || fail "predict: qkv_proj not from the profile"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$kvsim" fit "$src/tests/data/serving/vllm_h100_trainval.json" --evaluate --jobs 2 --report "$tmp/e2e.md" \
  --scenarios "$tmp/scenarios" >"$tmp/stdout" 2>"$tmp/stderr" || fail "fit --evaluate exited $?: $(cat "$tmp/stderr")"
grep -q "| e2e_mean |" "$tmp/e2e.md" || fail "fit: the report has no headline"
[ "$(ls "$tmp/scenarios" | wc -l)" = 13 ] || fail "fit: expected 13 replay scenarios"
"$kvsim" validate "$tmp/scenarios/64.json" >/dev/null || fail "fit: a replay scenario does not validate"
echo '{"experiments": [{"id": "x", "model": "no-such-model", "gpu": "H100-SXM",
  "engine": {"max_model_len": 2048, "max_num_seqs": 8, "max_num_batched_tokens": 2048},
  "workload": {"system_prompts": 1, "system_prompt_tokens": 10, "question_tokens": 10, "max_output_tokens": 10,
               "stages": [{"rate_rps": 1, "duration_s": 10}]},
  "measured_ms": {"stage0": {"e2e_mean": 100, "ttft_mean": 10, "itl_mean": 10},
                  "summary": {"e2e_mean": 100, "ttft_mean": 10, "itl_mean": 10}}}]}' >"$tmp/bad.json"
"$kvsim" fit "$tmp/bad.json" --write-profile "$tmp/p.json" --max-evaluations 3 >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] || fail "fit of an unreplayable run: exit $rc"
[ ! -e "$tmp/p.json" ] || fail "a failed fit wrote a profile"
grep -q "unknown model" "$tmp/err" || fail "fit of an unreplayable run: $(cat "$tmp/err")"
[ "$status" = 0 ] && echo ok
exit "$status"
