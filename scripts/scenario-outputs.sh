#!/usr/bin/env bash
# Runs every run scenario under scenarios/ (all but the sweep and plan specs under scenarios/sweeps
# and scenarios/plans) with one kvsim binary and keeps each results folder under
# OUT_DIR/<scenario path without .json>. Two such folders, from the build before and after a
# refactor, are compared with
#   diff -r OLD_DIR NEW_DIR
# which is how issue #12's "byte-identical outputs on every scenario" is checked. summary.json
# records the binary's version and nothing of the wall clock, so equal runs give equal files.
# The 1M-request benchmark (scenarios/bench) is skipped unless WITH_BENCH=1: its 147 MB
# requests.csv is compared by scripts/bench-1m.sh's run instead.
# Usage: scripts/scenario-outputs.sh OUT_DIR [KVSIM_BINARY]
set -euo pipefail
out=${1:?usage: scripts/scenario-outputs.sh OUT_DIR [KVSIM_BINARY]}
kvsim=${2:-build/release/bin/kvsim}
[ -x "$kvsim" ] || { echo "scenario-outputs: $kvsim not found (run make build first)" >&2; exit 1; }
mkdir -p "$out"
status=0
while IFS= read -r scenario; do
  case "$scenario" in
    scenarios/sweeps/*) continue ;;
    scenarios/plans/*) continue ;;
    scenarios/bench/*) [ "${WITH_BENCH:-0}" = 1 ] || continue ;;
  esac
  name=${scenario#scenarios/}
  name=${name%.json}
  rm -rf "${out:?}/$name"
  mkdir -p "$(dirname "$out/$name")"
  if ! "$kvsim" run "$scenario" --quiet --out "$out/$name" >"$out/$name.stdout" 2>"$out/$name.stderr"; then
    echo "scenario-outputs: $scenario failed (see $out/$name.stderr)" >&2
    status=1
  fi
done < <(find scenarios -name '*.json' | sort)
exit $status
