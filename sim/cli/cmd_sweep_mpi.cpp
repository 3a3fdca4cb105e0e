#include "cli/sweep_mpi.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "core/error.h"

#ifdef KVSIM_WITH_MPI
#include <boost/mpi.hpp>
#include <boost/serialization/string.hpp>
#endif

namespace kvsim {

bool launched_by_mpirun() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"}) {
    const char* v = std::getenv(var);
    if (v && std::atoi(v) > 1) return true;
  }
  return false;
}

#ifndef KVSIM_WITH_MPI

bool run_sweep_under_mpi(const SweepSpec&, const Catalog&, const SweepOptions&, SweepOutcome&) {
  throw InputError("started by mpirun with several ranks, but this kvsim was built without MPI: install "
                   "libboost-mpi-dev and openmpi-bin (scripts/install-deps.sh) and rebuild, or run without mpirun "
                   "(--jobs N uses the cores of one machine)");
}

#else

namespace {

enum Tag { kWork = 1, kResult = 2, kStop = 3 };

void run_worker(const SweepSpec& spec, const Catalog& catalog, boost::mpi::communicator& world) {
  const std::vector<SweepPoint> points = enumerate_points(spec);
  for (;;) {
    const boost::mpi::status st = world.probe(0, boost::mpi::any_tag);
    if (st.tag() == kStop) {
      world.recv(0, kStop);
      return;
    }
    unsigned long long index = 0;
    world.recv(0, kWork, index);
    const std::string line = run_point(spec, points.at(index), catalog, nullptr).dump();
    world.send(0, kResult, line);
  }
}

}  // namespace

bool run_sweep_under_mpi(const SweepSpec& spec, const Catalog& catalog, const SweepOptions& options, SweepOutcome& outcome) {
  static boost::mpi::environment env;  // MPI_Init once; MPI_Finalize at exit
  boost::mpi::communicator world;
  if (world.rank() != 0) {
    run_worker(spec, catalog, world);
    return false;
  }
  try {
    outcome = run_sweep(spec, options, [&](const std::vector<SweepPoint>& points, const std::vector<size_t>& pending,
                                           const std::function<void(nlohmann::json)>& record) {
      size_t next = 0;
      int busy = 0;
      std::vector<size_t> ran(static_cast<size_t>(world.size()), 0);  // points each worker rank returned
      for (int w = 1; w < world.size(); ++w) {
        if (next < pending.size()) {
          world.send(w, kWork, static_cast<unsigned long long>(points[pending[next++]].index));
          ++busy;
        } else {
          world.send(w, kStop);
        }
      }
      while (busy > 0) {  // dynamic: a rank gets its next point as soon as it returns one
        std::string line;
        const boost::mpi::status st = world.recv(boost::mpi::any_source, kResult, line);
        record(nlohmann::json::parse(line));
        ++ran[static_cast<size_t>(st.source())];
        if (next < pending.size() && !(options.cancel && options.cancel->load())) {
          world.send(st.source(), kWork, static_cast<unsigned long long>(points[pending[next++]].index));
        } else {
          world.send(st.source(), kStop);
          --busy;
        }
      }
      // How the points were shared out (dynamically: a faster rank takes more).
      std::string counts;
      for (size_t r = 1; r < ran.size(); ++r) counts += (r == 1 ? "" : ", ") + std::to_string(ran[r]);
      std::printf("kvsim sweep: under mpirun, ranks 1..%d ran %s point(s) of this run\n", world.size() - 1, counts.c_str());
    });
  } catch (const std::exception& e) {
    // The other ranks wait for work that will not come: end them all.
    std::fprintf(stderr, "kvsim sweep: %s\n", e.what());
    world.abort(1);
  }
  return true;
}

#endif

}  // namespace kvsim
