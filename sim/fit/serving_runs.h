// ServingRun: one real serving benchmark run as measured on a real engine — its deployment and
// engine configuration, the workload it was driven with (load stages), and what its client
// measured per stage. `kvsim fit` replays these runs and compares.
//
// Read from the "kvsim-serving-runs" JSON layout that ../shared/data/serving/vllm_h100_trainval.json
// uses ({"experiments": [...]}, docs/calibration.md §7 names every field). Every problem is reported
// with the file, the record (its index and id) and the field: "runs.json: /experiments/3 (id 64):
// /measured_ms/stage0/itl_mean: expected a number > 0, found ...".
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_reader.h"

namespace kvsim {

// Client-side latency figures, in seconds; NaN where the measurement did not record one.
struct LatencyFigures {
  double e2e_mean = 0, e2e_p90 = 0, e2e_p99 = 0;
  double ttft_mean = 0, ttft_p90 = 0, ttft_p99 = 0;
  double itl_mean = 0;
};

struct LoadStage {
  double rate_rps = 0;
  double duration_s = 0;
};

struct ServingRun {
  std::string id, name;
  std::string model;              // as the engine named it (catalog lookup by alias)
  std::optional<nlohmann::json> model_architecture;  // catalog entry for a model kvsim lacks
  std::string gpu;                // catalog GPU name or alias ("H100-SXM (80 GB)" -> "H100-SXM")
  uint32_t tensor_parallel = 1;
  std::string weight_dtype = "bf16";
  // Engine configuration (vLLM names).
  uint32_t max_model_len = 0, max_num_seqs = 0, max_num_batched_tokens = 0, block_size = 16;
  double gpu_memory_utilization = 0.9;
  bool enable_prefix_caching = true, enable_chunked_prefill = true;
  // engine.cpu_offload_gib_per_gpu: host memory per GPU the engine offloads KV blocks to (vLLM's
  // native CPU KV offloading); the replay adds a CPU tier of that size, written through.
  double kv_offload_gib_per_gpu = 0;
  uint64_t gpu_kv_blocks = 0;     // what the engine reported (0: unknown, use kvsim's memory plan)
  // Workload: inference-perf shared_prefix.
  uint32_t system_prompts = 1, system_prompt_tokens = 0, question_tokens = 0, max_output_tokens = 0;
  // Distinct questions per system prompt (inference-perf's num_prompts_per_group): the prompt list
  // cycles, so a prompt comes back whole every system_prompts x prompts_per_group requests.
  uint32_t prompts_per_group = 0;
  std::vector<LoadStage> stages;
  // Runs read from `vllm bench serve` results: a random dataset (every prompt its own, no system
  // prompt), num_requests of them, Poisson or Gamma arrivals (cv = 1 / sqrt(burstiness)), and the
  // mean answer length the benchmark counted.
  bool random_dataset = false;
  // What the client sent with every request (SamplingParams fields, e.g. {"temperature": 0}):
  // the run's "sampling" member; for a vllm bench serve result without one, that tool's defaults
  // (temperature 0, repetition_penalty 1: greedy); else null, and the replay samples with the
  // checkpoint's generation_config as the server did (inference-perf sends no sampling fields).
  nlohmann::json sampling;
  uint64_t num_requests = 0;
  double arrival_cv = 1.0;
  double mean_output_tokens = 0;  // > 0: counted by the benchmark (else implied, see below)
  // Measured, per stage (same order as `stages`) and for the whole run.
  std::vector<LatencyFigures> measured_stages;
  LatencyFigures measured_summary;

  // Output tokens per request: the benchmark's count when it has one, else what the measurement
  // implies, 1 + (E2E - TTFT) / ITL of the whole run: engines stop at EOS before the cap, and
  // client reports record the resulting lengths only through these means. Capped at
  // max_output_tokens.
  double implied_output_tokens() const;
  // The model's family key for leave-one-model-out (the catalog name the run resolves to).
  std::string model_key;
};

// inference-perf profiles' questions per system prompt, by the profile named in a run's name
// (BLIS's workload profiles: general-lite and roleplay 5, codegen 4, reasoning-lite 1); unknown
// profiles get 100000 (every question its own).
uint32_t default_prompts_per_group(const std::string& run_name);

// A run's "vllm_bench_serve" member: the result JSON `vllm bench serve --save-result` writes
// (request_rate, burstiness, num_prompts, completed, total_input_tokens, total_output_tokens,
// mean/p90/p99 of ttft, itl and e2el in ms), as an object or a file name relative to `folder`.
// Fills the workload and the measured figures; errors are added under `pointer`.
void read_vllm_bench_serve(const nlohmann::json& value, const std::string& folder, const std::string& pointer,
                           ServingRun& run, ErrorList& errors);

// Reads every run of a file; throws InputError naming the file, record and field.
std::vector<ServingRun> read_serving_runs(const std::string& path);
// `folder` resolves the file names of vllm_bench_serve members.
std::vector<ServingRun> parse_serving_runs(const nlohmann::json& j, const std::string& where,
                                           const std::string& folder = ".");
// Sets each run's model_key: the catalog name its model resolves to, else its inline
// architecture's name, else the name as given.
class Catalog;
void resolve_model_keys(std::vector<ServingRun>& runs, const Catalog& catalog);

}  // namespace kvsim
