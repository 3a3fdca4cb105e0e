// Replaying a measured serving run (fit/serving_runs.h) through kvsim: the run becomes a scenario
// with the same model, GPU, tensor parallelism, engine configuration, KV block count and workload
// (inference-perf shared_prefix: every request carries one of `system_prompts` shared system
// prompts, then its own question; Poisson arrivals through the load stages in one run, so a stage
// starts with the previous stage's queue and warm prefix cache), and the simulated client figures
// are set against the measured ones, stage by stage.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "fit/serving_runs.h"

namespace kvsim {

struct ReplayOptions {
  nlohmann::json perf_model = nlohmann::json::object();  // the scenario's perf_model section
  uint64_t seed = 1;
  // Requests stop at the output length the measurement implies (ServingRun::implied_output_tokens)
  // when it is below the cap, as the engine stopped them at EOS.
  bool outputs_from_measurement = true;
  // Each stage is simulated for this fraction of its measured duration (rates unchanged): the fit
  // uses < 1 to go faster, reports use 1.
  double duration_scale = 1.0;
};

struct ReplayResult {
  std::vector<LatencyFigures> stages;  // predicted, in the order of ServingRun::stages
  std::vector<bool> saturated;         // the simulated queue grew through the stage
  LatencyFigures summary;
  std::string error;                   // non-empty: the run could not be replayed (why)
};

// The scenario a run replays as (for `kvsim fit --scenarios` and tests).
nlohmann::json replay_scenario(const ServingRun& run, const ReplayOptions& options, const Catalog& catalog);
// Replays one run; never throws for a run kvsim cannot model (the result's error says why).
ReplayResult replay_run(const ServingRun& run, const ReplayOptions& options, const Catalog& catalog);

// The seven figures by name, for tables and errors: e2e_mean, e2e_p90, e2e_p99, ttft_mean,
// ttft_p90, ttft_p99, itl_mean.
inline constexpr const char* kFigureNames[] = {"e2e_mean", "e2e_p90", "e2e_p99", "ttft_mean",
                                               "ttft_p90", "ttft_p99", "itl_mean"};
inline constexpr size_t kNumFigures = 7;
double figure(const LatencyFigures& f, size_t index);

}  // namespace kvsim
