#!/usr/bin/env bash
# Issue #10: report.md's charts as PNG, drawn offscreen by the GUI's chart code when the GUI is
# built. `kvsim plan --charts` runs kvsim-gui --plan (beside kvsim in bin/) on the finished plan:
# the folder then holds frontier.png (and frontier-x2.png for growth x2), report.md embeds them,
# and the other files are the same as without --charts. Without kvsim-gui (WITH_GUI=0: built
# without Qt) --charts is refused before anything runs.
# usage: test_plan_charts.sh KVSIM SOURCE_DIR WITH_GUI
set -u
kvsim=$1
src=$2
with_gui=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$work/plan.json" <<EOF
{
  "name": "charts-test",
  "base": "$src/scenarios/quickstart.json",
  "set": {"/workload/synthetic/num_requests": 300, "/workload/synthetic/arrivals/rate": 30},
  "slo": {"ttft_s": {"p99": 0.5}},
  "candidates": {"gpus": ["H100-SXM", "L40S"]},
  "replicas": {"min": 1, "max": 2},
  "seeds": [1],
  "growth": [1, 2]
}
EOF

if [ "$with_gui" != 1 ]; then
  out=$("$kvsim" plan "$work/plan.json" --out "$work/p" --charts 2>&1)
  rc=$?
  [ "$rc" = 1 ] || fail "--charts without kvsim-gui exits $rc, expected 1: $out"
  grep -q "^kvsim plan: --charts: no kvsim-gui next to this kvsim" <<<"$out" || fail "--charts without kvsim-gui said: $out"
  [ ! -e "$work/p" ] || fail "--charts without kvsim-gui created the folder"
  echo "ok (kvsim-gui not built: checked that --charts is refused)"
  exit 0
fi

# The GUI is configured but its binary may not be built yet (a build of kvsim's targets only).
if [ ! -x "$(dirname "$kvsim")/kvsim-gui" ]; then
  echo "skipped: $(dirname "$kvsim")/kvsim-gui is not built yet (cmake --build ... --target kvsim-gui)"
  exit 77
fi
"$kvsim" plan "$work/plan.json" --out "$work/tables" --quiet >"$work/tables.out" 2>&1 || fail "plan: $(cat "$work/tables.out")"
ls "$work/tables"/*.png >/dev/null 2>&1 && fail "a plan without --charts drew PNGs"
grep -q '\.png' "$work/tables/report.md" && fail "report.md without --charts names a picture"

"$kvsim" plan "$work/plan.json" --out "$work/charts" --quiet --charts >"$work/charts.out" 2>&1 ||
  fail "plan --charts: $(cat "$work/charts.out")"
grep -q '^charts (drawn by .*kvsim-gui, in report.md): frontier-x2.png frontier.png$' "$work/charts.out" ||
  fail "plan --charts said: $(cat "$work/charts.out")"
[ "$(grep -c '^recommendation: ' "$work/charts.out")" = 1 ] || fail "the recommendation is not printed once: $(cat "$work/charts.out")"
for f in frontier.png frontier-x2.png; do
  [ "$(head -c 8 "$work/charts/$f" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$f is not a PNG"
  grep -q "($f)" "$work/charts/report.md" || fail "report.md does not embed $f"
done
for f in candidates.csv frontier.csv; do
  cmp -s "$work/tables/$f" "$work/charts/$f" || fail "$f differs with --charts"
done
# plan.json gains the charts' names and nothing else.
python3 - "$work/tables/plan.json" "$work/charts/plan.json" <<'PY' || fail "plan.json differs with --charts beyond its charts"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert sorted(c["file"] for c in b.pop("charts")) == ["frontier-x2.png", "frontier.png"]
assert a.pop("charts", []) == []
assert a == b
PY
echo "ok"
