// The sweep under MPI (`mpirun -n N kvsim sweep ...`): rank 0 enumerates the points, hands them
// out one at a time to ranks 1..N-1 as they ask, and writes every result (resume, CSV and files
// as run_sweep); the other ranks only run points. Built when CMake finds Boost.MPI and an MPI
// (KVSIM_WITH_MPI); otherwise a run under mpirun with more than one rank is refused.
#pragma once
#include "catalog/catalog.h"
#include "plan/sweep_runner.h"

namespace kvsim {

// True when an MPI launcher started this process with more than one rank (its environment says so).
bool launched_by_mpirun();
// Runs the sweep over the MPI ranks. Returns true on rank 0, with `outcome` filled; false on the
// other ranks. Throws InputError when this kvsim was built without MPI.
bool run_sweep_under_mpi(const SweepSpec& spec, const Catalog& catalog, const SweepOptions& options, SweepOutcome& outcome);

}  // namespace kvsim
