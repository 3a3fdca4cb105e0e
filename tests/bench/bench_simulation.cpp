// Simulation speed: the synthetic-1m scenario's workload (prompt 1,000, output 250, 30% sharing a
// 512-token system prompt, 16 Llama-3-8B replicas on H100) at a smaller request count, so that
// one repetition takes seconds. The full million-request figure comes from `kvsim run
// scenarios/bench/synthetic-1m.json` (docs/performance.md).
#include <benchmark/benchmark.h>

#include "run/simulation.h"
#include "scenario/scenario.h"

namespace {

kvsim::Scenario bench_scenario(int64_t num_requests) {
  const kvsim::Catalog catalog = kvsim::Catalog::open_default();
  nlohmann::json j = kvsim::read_json_file(std::string(KVSIM_SOURCE_DIR) + "/scenarios/bench/synthetic-1m.json");
  j["workload"]["synthetic"]["num_requests"] = num_requests;
  return kvsim::parse_scenario(j, std::string(KVSIM_SOURCE_DIR) + "/scenarios/bench", catalog);
}

void BM_SimulateSynthetic(benchmark::State& state) {
  const kvsim::Scenario sc = bench_scenario(state.range(0));
  kvsim::RunOptions opt;
  opt.keep_samples = false;
  double request_steps = 0;
  for (auto _ : state) {
    const kvsim::RunResult r = kvsim::run_scenario(sc, opt);
    request_steps += r.summary.engine.request_steps;
    benchmark::DoNotOptimize(r.events);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["ns_per_request_step"] = benchmark::Counter(
      request_steps, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_SimulateSynthetic)->Arg(20000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace


