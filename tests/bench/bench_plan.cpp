// Planner speed: the searches of scenarios/plans/quickstart-10x-all-gpus.json (the quickstart at
// 10x its rate, 3 seeds, P99 TTFT <= 1 s, P99 TPOT <= 50 ms) for one GPU type at a time, on one
// thread and without an output folder: the CPU a search costs (its simulations, judging, ranking).
// The whole 40-candidate plan's figure comes from `kvsim plan` (docs/performance.md).
#include <benchmark/benchmark.h>

#include "plan/planner.h"

namespace {

void BM_PlanOneGpu(benchmark::State& state) {
  static const char* const kGpus[] = {"A100-80GB", "H100-SXM", "H200", "L40S", "V100-32GB"};
  const kvsim::Catalog catalog = kvsim::Catalog::open_default();
  nlohmann::json j = kvsim::read_json_file(std::string(KVSIM_SOURCE_DIR) + "/scenarios/plans/quickstart-10x-all-gpus.json");
  j["candidates"]["gpus"] = {kGpus[state.range(0)]};
  const kvsim::PlanSpec spec = kvsim::parse_plan(j, std::string(KVSIM_SOURCE_DIR) + "/scenarios/plans", catalog);
  kvsim::PlanOptions options;
  options.jobs = 1;
  size_t runs = 0, candidates = 0;
  for (auto _ : state) {
    const kvsim::PlanResult r = kvsim::run_plan(spec, options);
    runs += r.runs;
    candidates += r.growth[0].candidates.size();
    benchmark::DoNotOptimize(r.growth[0].recommended);
  }
  state.SetLabel(kGpus[state.range(0)]);
  state.counters["simulations"] = benchmark::Counter(static_cast<double>(runs) / state.iterations());
  state.counters["s_per_candidate"] = benchmark::Counter(static_cast<double>(candidates), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_PlanOneGpu)->DenseRange(0, 4)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace
