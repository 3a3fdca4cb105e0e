#!/usr/bin/env bash
# Issue #10, the planner: `kvsim plan` end to end on a small plan (the quickstart workload cut to
# 500 requests, H100 and L40S, bf16 and fp8, 2 seeds, growth x2): the four files, their columns
# and agreement, the recommendation feasible and cheapest; a kill -9 mid-plan leaves no summary
# file and the same command resumes to the bytes of an uninterrupted plan; bad plan files give
# one message with the JSON pointer and exit 1, bad usage exits 2.
# usage: test_plan.sh KVSIM SOURCE_DIR
set -u
kvsim=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$work/plan.json" <<EOF
{
  "name": "cli-test",
  "base": "$2/scenarios/quickstart.json",
  "set": {"/workload/synthetic/num_requests": 500, "/workload/synthetic/arrivals/rate": 30},
  "slo": {"ttft_s": {"p99": 0.5}, "tpot_s": {"p99": 0.05}},
  "candidates": {"gpus": ["H100-SXM", {"name": "L40S", "spot_usd_per_gpu_hour": 0.9}], "weight_dtype": ["bf16", "fp8"]},
  "replicas": {"min": 1, "max": 16},
  "seeds": [1, 2],
  "growth": [1, 2]
}
EOF

. "$(dirname "$0")/kill_at_random.sh"
elapsed_ms "$kvsim" plan "$work/plan.json" --out "$work/whole" --jobs 2 >"$work/whole.out" 2>"$work/whole.err" ||
  fail "the plan failed: $(cat "$work/whole.out" "$work/whole.err")"
for f in plan.json candidates.csv frontier.csv report.md points.jsonl; do
  [ -s "$work/whole/$f" ] || fail "no $f"
done
grep -q '^kvsim plan: 4 candidates (4 meet the SLOs, 0 miss them, 0 invalid) x 2 growth factor(s)' "$work/whole.out" ||
  fail "summary line: $(head -1 "$work/whole.out")"
grep -q '^\[plan\] 8/8 searches' "$work/whole.err" || fail "no final progress line: $(cat "$work/whole.err")"

python3 - "$work/whole" <<'EOF' || fail "the files disagree (see above)"
import csv, json, sys
d = sys.argv[1]
plan = json.load(open(f"{d}/plan.json"))
rows = list(csv.DictReader(open(f"{d}/candidates.csv")))
frontier = list(csv.DictReader(open(f"{d}/frontier.csv")))
report = open(f"{d}/report.md").read()
assert len(rows) == 8, len(rows)  # 4 candidates x 2 growth factors
for col in ("growth", "label", "status", "replicas", "gpus", "usd_per_hour", "spot_usd_per_hour", "usd_per_million_tokens_slo",
            "ttft_s.p99", "tpot_s.p99", "binding_slo", "binds", "seeds_passing_at_n", "seeds_passing_below", "on_frontier", "recommended"):
    assert col in rows[0], col
one = [r for r in rows if r["growth"] == "1"]
two = {r["index"]: r for r in rows if r["growth"] == "2"}
for r in one:
    assert r["status"] == "feasible", r
    assert float(r["ttft_s.p99"]) <= 0.5 and float(r["tpot_s.p99"]) <= 0.05, r
    assert abs(float(r["usd_per_hour"]) - int(r["replicas"]) * float(r["usd_per_gpu_hour"])) < 1e-9, r
    assert int(two[r["index"]]["replicas"]) >= int(r["replicas"]), (r, two[r["index"]])
    assert r["binds"] in ("memory", "compute", "queueing"), r
    if r["gpu"] == "L40S":
        assert abs(float(r["spot_usd_per_hour"]) - int(r["replicas"]) * 0.9) < 1e-9, r
rec = [r for r in one if r["recommended"] == "true"]
assert len(rec) == 1
assert float(rec[0]["usd_per_hour"]) == min(float(r["usd_per_hour"]) for r in one)
res = plan["results"][0]
assert res["recommended"] == int(rec[0]["index"])
assert [int(f["index"]) for f in frontier] == res["frontier"]
assert frontier[0]["recommended"] == "true"
assert rec[0]["label"] in report and "## Recommendation" in report and "## Growth: the workload's rate x 2" in report
assert "![" not in report  # no chart renderer in the CLI: no image named
print("files agree")
EOF

# kill -9 at random moments, then the same command: the bytes of the uninterrupted plan.
RANDOM=$$
kills=0
whole_ms=$ELAPSED_MS
for attempt in 1 2 3 4; do
  kill_at_random "$whole_ms" "$attempt" "$kvsim" plan "$work/plan.json" --out "$work/killed" --jobs 2 --quiet >/dev/null 2>&1
  [ $? = 137 ] || continue
  kills=$((kills + 1))
  for f in plan.json candidates.csv frontier.csv report.md; do
    [ -e "$work/killed/$f" ] && fail "a killed plan left $f"
  done
done
[ "$kills" -gt 0 ] || fail "no plan was killed (each finished before its kill, the whole plan took $whole_ms ms): the test proves nothing"
"$kvsim" plan "$work/plan.json" --out "$work/killed" --jobs 1 >"$work/resume.out" 2>&1 || fail "the resumed plan failed: $(cat "$work/resume.out")"
grep -q 'reused' "$work/resume.out" || fail "resume: $(cat "$work/resume.out")"
for f in plan.json candidates.csv frontier.csv report.md; do
  cmp -s "$work/whole/$f" "$work/killed/$f" || fail "$f after kills and resume differs from the uninterrupted plan's"
done

# Bad input: one message with the pointer, exit 1, no folder; bad usage: exit 2.
sed 's/"H100-SXM", {/"H100-SXM", "B300", {/' "$work/plan.json" >"$work/bad.json"
"$kvsim" plan "$work/bad.json" --out "$work/bad" >"$work/bad.out" 2>&1
[ $? = 1 ] || fail "an unknown GPU: expected exit 1"
grep -q '/candidates/gpus/1' "$work/bad.out" || fail "no pointer: $(cat "$work/bad.out")"
grep -q 'A100-80GB' "$work/bad.out" || fail "the known GPUs are not listed: $(cat "$work/bad.out")"
[ -e "$work/bad" ] && fail "an invalid plan created its folder"
"$kvsim" plan "$work/plan.json" >/dev/null 2>&1
[ $? = 2 ] || fail "no --out: expected exit 2"
"$kvsim" plan "$work/plan.json" --out "$work/x" --jobs 0 >/dev/null 2>&1
[ $? = 1 ] || fail "--jobs 0: expected exit 1"
echo "ok"
