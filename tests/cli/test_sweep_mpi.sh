#!/usr/bin/env bash
# Issue #10, sweeps beyond one machine: the same sweep under `mpirun -n 3` on localhost (rank 0
# hands out points, ranks 1 and 2 run them) gives the same points.csv as one process on threads.
# usage: test_sweep_mpi.sh KVSIM SOURCE_DIR MPIEXEC
set -u
kvsim=$1
mpiexec=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$work/sweep.json" <<EOF2
{
  "base": "$2/scenarios/quickstart.json",
  "axes": [
    {"pointer": "/workload/synthetic/num_requests", "values": [200]},
    {"pointer": "/cluster/replicas", "values": [1, 0, 2]},
    {"pointer": "/workload/synthetic/arrivals/rate", "values": [5, 20]}
  ],
  "seeds": {"count": 2, "pointers": ["/workload/synthetic/seed"]}
}
EOF2

"$kvsim" sweep "$work/sweep.json" --out "$work/threads" --jobs 2 --quiet >/dev/null || fail "the single-process sweep failed"
# Open MPI refuses root without --allow-run-as-root; --oversubscribe allows 3 ranks on 2 cores.
"$mpiexec" --oversubscribe --allow-run-as-root -n 3 "$kvsim" sweep "$work/sweep.json" --out "$work/mpi" --quiet \
  >"$work/mpi.out" 2>&1 || fail "mpirun failed: $(cat "$work/mpi.out")"
grep -q "12 points, 12 ran now" "$work/mpi.out" || fail "rank 0 did not report the sweep: $(cat "$work/mpi.out")"
cmp -s "$work/threads/points.csv" "$work/mpi/points.csv" || fail "points.csv differs: $(diff "$work/threads/points.csv" "$work/mpi/points.csv" | head -5)"
[ "$(wc -l <"$work/mpi/points.jsonl")" = 12 ] || fail "points.jsonl under MPI has $(wc -l <"$work/mpi/points.jsonl") lines"
echo "ok"
