// What each router costs: the synthetic-1m scenario's workload (16 Llama-3-8B replicas, prompts of
// 1,000 tokens, 30 % sharing a 512-token system prompt) at 100,000 requests, once per router. The
// difference to round_robin is the router's own work per arrival (docs/fleet.md).
#include <benchmark/benchmark.h>

#include "run/simulation.h"
#include "scenario/scenario.h"

namespace {

const char* const kRouters[] = {
    R"("round_robin")",
    R"("least_outstanding")",
    R"("power_of_two")",
    R"("session_affinity")",
    R"("prefix_aware")",
    R"("prefix_aware_approx")",
    R"({"kind": "scored", "scorers": [{"kind": "prefix", "staleness_s": 1}, {"kind": "queue"}, {"kind": "kv_utilization"}]})",
};

void BM_SimulateRouter(benchmark::State& state) {
  const kvsim::Catalog catalog = kvsim::Catalog::open_default();
  nlohmann::json j = kvsim::read_json_file(std::string(KVSIM_SOURCE_DIR) + "/scenarios/bench/synthetic-1m.json");
  j["workload"]["synthetic"]["num_requests"] = 100000;
  j["cluster"]["router"] = nlohmann::json::parse(kRouters[state.range(0)]);
  const kvsim::Scenario sc = kvsim::parse_scenario(j, std::string(KVSIM_SOURCE_DIR) + "/scenarios/bench", catalog);
  state.SetLabel(j["cluster"]["router"].dump());
  kvsim::RunOptions opt;
  opt.keep_samples = false;
  for (auto _ : state) {
    const kvsim::RunResult r = kvsim::run_scenario(sc, opt);
    benchmark::DoNotOptimize(r.events);
  }
  state.SetItemsProcessed(state.iterations() * 100000);
}
BENCHMARK(BM_SimulateRouter)->DenseRange(0, 6)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
