#!/usr/bin/env bash
# Rebuilds the shipped calibration profiles (models/profiles/H100-SXM.json, A100-80GB.json) from
# Vidur's profiling and regenerates the tables of docs/validation.md. Run from the repository root
# with ../shared/data/profiling present:
#   tools/regenerate_calibration.sh [BUILD_DIR]        (default build/release)
set -euo pipefail
build="${1:-build/release}"
data="../shared/data/profiling"
[ -d "$data" ] || { echo "regenerate_calibration: $data not found (the Vidur profiling data)" >&2; exit 1; }
cmake -S . -B "$build" >/dev/null
cmake --build "$build" -j2 --target kvsim
kvsim="$build/bin/kvsim"
for pair in "h100 H100-SXM" "a100 A100-80GB"; do
  set -- $pair
  "$kvsim" calibrate --gpu "$2" --vidur-mlp "$data/$1" \
    --vidur-network "$data/network/$1_dgx_all_reduce.csv" \
    --vidur-network "$data/network/$1_dgx_send_recv.csv" \
    --out "models/profiles/$2.json"
done
"$kvsim" validate-profile --vidur "$data" --gpus h100,a100 --update docs/validation.md --check
