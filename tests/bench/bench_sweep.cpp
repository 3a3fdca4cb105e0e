// Sweep speed (issue #10's goal: the 1,000 points of scenarios/sweeps/quickstart-1000.json in at
// most 60 s on this 2-core machine): its first 100 points (the quickstart at workload seeds
// 1..100, 3,000 requests each) run as `kvsim sweep` runs them, through run_sweep on `jobs` threads
// into a fresh folder (each line appended and fdatasync'ed, points.csv at the end). The counter
// points_per_s is per wall-second; 1,000 / points_per_s is the whole sweep's time. The whole
// sweep's figure comes from scripts/bench-sweep.sh (docs/performance.md).
#include <unistd.h>

#include <benchmark/benchmark.h>
#include <filesystem>

#include "catalog/catalog.h"
#include "plan/sweep_runner.h"
#include "plan/sweep_spec.h"

namespace {

void BM_SweepQuickstart100(benchmark::State& state) {
  const unsigned jobs = static_cast<unsigned>(state.range(0));
  const std::string dir = std::string(KVSIM_SOURCE_DIR) + "/scenarios/sweeps";
  nlohmann::json j = kvsim::read_json_file(dir + "/quickstart-1000.json");
  j["axes"][0]["range"]["to"] = 100;
  const kvsim::SweepSpec spec = kvsim::parse_sweep(j, dir);
  const kvsim::Catalog catalog = kvsim::Catalog::open_default();
  const std::filesystem::path out =
      std::filesystem::temp_directory_path() / ("kvsim_bench_sweep_" + std::to_string(::getpid()));
  size_t points = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove_all(out);
    state.ResumeTiming();
    kvsim::SweepOptions options;
    options.out_dir = out.string();
    const kvsim::SweepOutcome o = kvsim::run_sweep(spec, options, kvsim::run_points_on_threads(spec, catalog, jobs, nullptr));
    if (!o.complete || o.progress.failed != 0) state.SkipWithError("the sweep did not complete");
    points += o.progress.ran;
  }
  std::filesystem::remove_all(out);
  state.counters["points_per_s"] = benchmark::Counter(static_cast<double>(points), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SweepQuickstart100)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace
