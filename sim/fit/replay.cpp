#include "fit/replay.h"

#include <cmath>

#include "core/error.h"
#include "metrics/percentiles.h"
#include "run/simulation.h"
#include "scenario/scenario.h"

namespace kvsim {

namespace {

// The catalog entry of the run's model, or its inline architecture when the catalog lacks it.
nlohmann::json model_field(const ServingRun& run, const Catalog& catalog) {
  try {
    catalog.llm(run.model);
    return run.model;
  } catch (const InputError&) {
    if (!run.model_architecture) throw;
  }
  nlohmann::json m = *run.model_architecture;
  if (!m.contains("name")) m["name"] = run.model;
  return m;
}

}  // namespace

double figure(const LatencyFigures& f, size_t index) {
  switch (index) {
    case 0: return f.e2e_mean;
    case 1: return f.e2e_p90;
    case 2: return f.e2e_p99;
    case 3: return f.ttft_mean;
    case 4: return f.ttft_p90;
    case 5: return f.ttft_p99;
    case 6: return f.itl_mean;
  }
  return NAN;
}

nlohmann::json replay_scenario(const ServingRun& run, const ReplayOptions& o, const Catalog& catalog) {
  // Answers that stop at EOS before the cap: every answer gets the mean length the measurement
  // implies (a client report has no length distribution; a constant-hazard, geometric spread was
  // tried and fitted worse, docs/validation-e2e.md); runs within 3 % of the cap run to it.
  const double cap = run.max_output_tokens, implied = run.implied_output_tokens();
  const bool eos = o.outputs_from_measurement && implied < 0.97 * cap;
  nlohmann::json stages = nlohmann::json::array();
  for (const LoadStage& s : run.stages)
    stages.push_back({{"rate", s.rate_rps}, {"duration_s", s.duration_s * o.duration_scale}});
  nlohmann::json engine = {{"max_num_seqs", run.max_num_seqs},
                           {"max_num_batched_tokens", run.max_num_batched_tokens},
                           {"block_size", run.block_size},
                           {"max_model_len", run.max_model_len},
                           {"enable_chunked_prefill", run.enable_chunked_prefill},
                           {"gpu_memory_utilization", run.gpu_memory_utilization}};
  if (run.gpu_kv_blocks > 0) engine["num_gpu_blocks_override"] = run.gpu_kv_blocks;
  if (!run.sampling.is_null()) engine["sampling"] = run.sampling;
  nlohmann::json kv_cache = {{"enable_prefix_caching", run.enable_prefix_caching}};
  if (run.kv_offload_gib_per_gpu > 0) {
    kv_cache["tiers"] = {{{"kind", "cpu"}, {"capacity_gib", run.kv_offload_gib_per_gpu * run.tensor_parallel}}};
    kv_cache["offload"] = "write_through";
  }
  nlohmann::json scenario = {{"name", "replay of " + run.name},
          {"seed", o.seed},
          {"model", model_field(run, catalog)},
          {"gpu", run.gpu},
          {"deployment", {{"tensor_parallel", run.tensor_parallel}, {"weight_dtype", run.weight_dtype}}},
          {"engine", engine},
          {"kv_cache", kv_cache},
          {"perf_model", o.perf_model},
          {"workload",
           {{"shared_prefix",
             {{"seed", o.seed},
              {"num_groups", run.system_prompts},
              {"num_prompts_per_group", run.prompts_per_group},
              {"system_prompt_len", run.system_prompt_tokens},
              {"question_len", run.question_tokens},
              {"output_len", run.max_output_tokens},
              {"arrivals", {{"process", "poisson"}, {"stages", stages}}}}}}},
          {"metrics", {{"timeseries_interval_s", 10}}}};
  if (eos)
    scenario["workload"]["shared_prefix"]["eos_tokens"] = static_cast<uint32_t>(std::lround(implied));
  if (run.random_dataset) {  // vllm bench serve's random dataset: every prompt its own
    nlohmann::json arrivals = {{"process", run.arrival_cv == 1.0 ? "poisson" : "gamma"}, {"stages", stages}};
    if (run.arrival_cv != 1.0) arrivals["cv"] = run.arrival_cv;
    scenario["workload"] = {{"synthetic",
                             {{"seed", o.seed},
                              {"num_requests", run.num_requests},
                              {"arrivals", arrivals},
                              {"prompt_tokens", run.question_tokens},
                              {"output_tokens", run.max_output_tokens}}}};
  }
  return scenario;
}

ReplayResult replay_run(const ServingRun& run, const ReplayOptions& o, const Catalog& catalog) {
  ReplayResult result;
  try {
    const Scenario sc = parse_scenario(replay_scenario(run, o, catalog), ".", catalog, "replay of run " + run.id);
    RunOptions ro;
    ro.keep_samples = false;
    const RunResult r = run_scenario(sc, ro);
    const auto figures = [](const Distribution& e2e, const Distribution& ttft, double itl_mean) {
      LatencyFigures f;
      f.e2e_mean = e2e.mean;
      f.e2e_p90 = e2e.p90;
      f.e2e_p99 = e2e.p99;
      f.ttft_mean = ttft.mean;
      f.ttft_p90 = ttft.p90;
      f.ttft_p99 = ttft.p99;
      f.itl_mean = itl_mean;
      return f;
    };
    for (const StageResult& st : r.summary.stages) {
      result.stages.push_back(figures(st.e2e_s, st.ttft_s, st.itl_mean_s));
      result.saturated.push_back(st.saturated);
    }
    result.summary = figures(r.summary.e2e_s, r.summary.ttft_s, r.summary.itl_mean_s);
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  return result;
}

}  // namespace kvsim
