#include "fit/serving_runs.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "catalog/catalog.h"
#include "catalog/sampling.h"
#include "core/error.h"
#include "core/json_reader.h"

namespace kvsim {

namespace {

constexpr double kMs = 1e-3;

LatencyFigures read_figures(JsonReader r) {
  LatencyFigures f;
  const double max_ms = 1e9;  // ~11.6 days: anything longer is not a latency
  f.e2e_mean = r.required_number("e2e_mean", 1e-6, max_ms) * kMs;
  f.e2e_p90 = r.number("e2e_p90", NAN, 1e-6, max_ms) * kMs;
  f.e2e_p99 = r.number("e2e_p99", NAN, 1e-6, max_ms) * kMs;
  f.ttft_mean = r.required_number("ttft_mean", 1e-6, max_ms) * kMs;
  f.ttft_p90 = r.number("ttft_p90", NAN, 1e-6, max_ms) * kMs;
  f.ttft_p99 = r.number("ttft_p99", NAN, 1e-6, max_ms) * kMs;
  f.itl_mean = r.required_number("itl_mean", 1e-6, max_ms) * kMs;
  r.reject_unknown_keys();
  return f;
}

// "H100-SXM (80 GB)" -> "H100-SXM": the catalog name is the part before any parenthesis.
std::string gpu_name(const std::string& s) {
  std::string g = s.substr(0, s.find('('));
  while (!g.empty() && g.back() == ' ') g.pop_back();
  return g;
}

ServingRun read_run(const nlohmann::json& j, const std::string& pointer, const std::string& folder, ErrorList& errors) {
  JsonReader r(j, pointer, errors);
  ServingRun run;
  run.id = r.required_string("id");
  run.name = r.string("name", run.id);
  run.model = r.required_string("model");
  run.gpu = gpu_name(r.required_string("gpu"));
  run.tensor_parallel = static_cast<uint32_t>(r.integer("tensor_parallel", 1, 1, 64));
  const std::string weights = r.choice("weights", "bf16", {"bf16", "fp16", "fp8", "int8", "int4"});
  run.weight_dtype = weights == "fp16" ? "bf16" : weights;
  const nlohmann::json& arch = r.raw("model_architecture_if_not_in_catalog");
  if (arch.is_object()) run.model_architecture = arch;
  else if (!arch.is_null())
    errors.add(r.child("model_architecture_if_not_in_catalog"),
               "expected a catalog model entry (object), found " + describe_json(arch));

  JsonReader e = r.object("engine");
  e.string("vllm", "");
  run.max_model_len = static_cast<uint32_t>(e.required_integer("max_model_len", 1, 1 << 24));
  run.max_num_seqs = static_cast<uint32_t>(e.required_integer("max_num_seqs", 1, 1 << 20));
  run.max_num_batched_tokens = static_cast<uint32_t>(e.required_integer("max_num_batched_tokens", 1, 1 << 24));
  run.block_size = static_cast<uint32_t>(e.integer("block_size", 16, 1, 1024));
  run.gpu_memory_utilization = e.number("gpu_memory_utilization", 0.9, 0.05, 1);
  run.enable_prefix_caching = e.boolean("enable_prefix_caching", true);
  run.enable_chunked_prefill = e.boolean("enable_chunked_prefill", true);
  run.kv_offload_gib_per_gpu = e.number("cpu_offload_gib_per_gpu", 0, 0, 1e6);
  e.reject_unknown_keys();
  run.gpu_kv_blocks = static_cast<uint64_t>(r.integer("vllm_gpu_kv_blocks", 0, 0, int64_t{1} << 40));
  if (r.has("sampling")) {
    run.sampling = r.raw("sampling");
    JsonReader sp = r.object("sampling");  // checked here, so a bad field names the run's pointer
    SamplingParams checked;
    checked.read(sp);
    sp.reject_unknown_keys();
  }

  if (r.has("vllm_bench_serve")) {
    // vllm bench serve sends temperature 0 unless told otherwise (--temperature, --top-p, ...),
    // and repetition_penalty 1 with every completions request.
    if (run.sampling.is_null()) run.sampling = {{"temperature", 0.0}, {"repetition_penalty", 1.0}};
    if (r.has("workload") || r.has("measured_ms"))
      errors.add(r.child("vllm_bench_serve"),
                 "a run is either a vllm_bench_serve result or a workload with measured_ms, not both");
    read_vllm_bench_serve(r.raw("vllm_bench_serve"), folder, r.child("vllm_bench_serve"), run, errors);
    r.reject_unknown_keys();
    return run;
  }
  JsonReader w = r.object("workload");
  const std::string generator = w.string("generator", "inference-perf shared_prefix");
  if (generator != "inference-perf shared_prefix")
    errors.add(w.child("generator"), "expected \"inference-perf shared_prefix\" (the only workload replayed), found \"" +
                                         generator + "\"");
  run.system_prompts = static_cast<uint32_t>(w.required_integer("system_prompts", 1, 1 << 20));
  run.system_prompt_tokens = static_cast<uint32_t>(w.required_integer("system_prompt_tokens", 0, 1 << 24));
  run.question_tokens = static_cast<uint32_t>(w.required_integer("question_tokens", 1, 1 << 24));
  run.prompts_per_group = static_cast<uint32_t>(w.integer("prompts_per_system_prompt", 0, 1, 1 << 20));
  if (run.prompts_per_group == 0) run.prompts_per_group = default_prompts_per_group(run.name);
  run.max_output_tokens = static_cast<uint32_t>(w.required_integer("max_output_tokens", 1, 1 << 24));
  w.string("arrivals", "");
  const nlohmann::json& stages = w.raw("stages");
  if (!stages.is_array() || stages.empty())
    errors.add(w.child("stages"), "expected a non-empty array of {rate_rps, duration_s}, found " + describe_json(stages));
  for (size_t i = 0; stages.is_array() && i < stages.size(); ++i) {
    JsonReader s(stages[i], json_pointer_child(w.child("stages"), std::to_string(i)), errors);
    LoadStage st;
    st.rate_rps = s.required_number("rate_rps", 1e-6, 1e6);
    st.duration_s = s.required_number("duration_s", 1e-3, 1e7);
    s.reject_unknown_keys();
    run.stages.push_back(st);
  }
  w.reject_unknown_keys();
  if (run.system_prompt_tokens + run.question_tokens + run.max_output_tokens > run.max_model_len)
    errors.add(w.pointer(), "system_prompt_tokens + question_tokens + max_output_tokens (" +
                                std::to_string(run.system_prompt_tokens + run.question_tokens + run.max_output_tokens) +
                                ") exceeds engine.max_model_len (" + std::to_string(run.max_model_len) + ")");

  JsonReader m = r.object("measured_ms");
  for (size_t i = 0; i < run.stages.size(); ++i) {
    const std::string key = "stage" + std::to_string(i);
    if (!m.has(key)) {
      errors.add(m.child(key), "missing: every load stage needs its measured figures");
      continue;
    }
    run.measured_stages.push_back(read_figures(m.object(key)));
  }
  run.measured_summary = read_figures(m.object("summary"));
  m.reject_unknown_keys();
  r.reject_unknown_keys();
  const LatencyFigures& s = run.measured_summary;
  if (s.ttft_mean >= s.e2e_mean)
    errors.add(r.child("measured_ms"), "summary ttft_mean is not below e2e_mean: the figures are inconsistent");
  return run;
}

}  // namespace

uint32_t default_prompts_per_group(const std::string& run_name) {
  if (run_name.find("reasoning") != std::string::npos) return 1;
  if (run_name.find("codegen") != std::string::npos) return 4;
  if (run_name.find("general") != std::string::npos || run_name.find("roleplay") != std::string::npos) return 5;
  return 100000;
}

double ServingRun::implied_output_tokens() const {
  if (mean_output_tokens > 0) return std::min(mean_output_tokens, static_cast<double>(max_output_tokens));
  const LatencyFigures& s = measured_summary;
  const double n = 1 + (s.e2e_mean - s.ttft_mean) / s.itl_mean;
  return std::clamp(n, 1.0, static_cast<double>(max_output_tokens));
}

std::vector<ServingRun> parse_serving_runs(const nlohmann::json& j, const std::string& where,
                                           const std::string& folder) {
  ErrorList errors;
  JsonReader root(j, "", errors);
  root.string("what", "");
  root.raw("source");
  root.raw("known_gaps");
  const nlohmann::json& experiments = root.raw("experiments");
  std::vector<ServingRun> runs;
  if (!experiments.is_array() || experiments.empty())
    errors.add("/experiments", "expected a non-empty array of runs, found " + describe_json(experiments));
  for (size_t i = 0; experiments.is_array() && i < experiments.size(); ++i) {
    ErrorList run_errors;
    ServingRun run = read_run(experiments[i], "/experiments/" + std::to_string(i), folder, run_errors);
    // Each message names the record by its id and the field by its pointer:
    // "run 64: /experiments/3/engine/max_num_seqs: expected ...".
    const std::string label = run.id.empty() ? "run " + std::to_string(i) : "run " + run.id;
    for (const std::string& e : run_errors.errors()) errors.add(label, e);
    runs.push_back(std::move(run));
  }
  root.reject_unknown_keys();
  errors.throw_if_any(where);
  return runs;
}

void resolve_model_keys(std::vector<ServingRun>& runs, const Catalog& catalog) {
  for (ServingRun& run : runs) {
    try {
      run.model_key = catalog.llm(run.model).name;
    } catch (const InputError&) {
      run.model_key = run.model_architecture && run.model_architecture->contains("name") &&
                              (*run.model_architecture)["name"].is_string()
                          ? (*run.model_architecture)["name"].get<std::string>()
                          : run.model;
    }
  }
}

std::vector<ServingRun> read_serving_runs(const std::string& path) {
  return parse_serving_runs(read_json_file(path), path, std::filesystem::path(path).parent_path().string());
}

void read_vllm_bench_serve(const nlohmann::json& value, const std::string& folder, const std::string& pointer,
                           ServingRun& run, ErrorList& errors) {
  nlohmann::json result;
  if (value.is_string()) {
    const std::string path = (std::filesystem::path(folder) / value.get<std::string>()).string();
    try {
      result = read_json_file(path);
    } catch (const InputError& e) {
      errors.add(pointer, e.what());
      return;
    }
  } else if (value.is_object()) {
    result = value;
  } else {
    errors.add(pointer, "expected the result JSON of vllm bench serve (an object) or its file name, found " +
                            describe_json(value));
    return;
  }
  JsonReader b(result, pointer, errors);
  const size_t before = errors.errors().size();
  if (!b.raw("max_concurrency").is_null())
    errors.add(b.child("max_concurrency"), "a concurrency-limited (closed-loop) benchmark is not replayed; "
                                           "run vllm bench serve with --request-rate and no --max-concurrency");
  const nlohmann::json& rate = b.raw("request_rate");
  double rps = 0;
  if (rate.is_string() && rate.get<std::string>() == "inf") rps = 1e6;  // every request at once
  else if (rate.is_number() && rate.get<double>() > 0 && rate.get<double>() <= 1e6) rps = rate.get<double>();
  else errors.add(b.child("request_rate"), "expected a rate in (0, 1e6] requests/s or \"inf\", found " + describe_json(rate));
  const double burstiness = b.number("burstiness", 1.0, 1e-6, 1e6);
  run.arrival_cv = 1.0 / std::sqrt(burstiness);  // vLLM: Gamma gaps with shape = burstiness
  const uint64_t completed = static_cast<uint64_t>(b.required_integer("completed", 1, int64_t{1} << 40));
  run.num_requests = static_cast<uint64_t>(b.integer("num_prompts", static_cast<int64_t>(completed), 1, int64_t{1} << 40));
  const double input = b.required_number("total_input_tokens", 1, 1e15);
  const double output = b.required_number("total_output_tokens", 1, 1e15);
  constexpr double kMaxMs = 1e9;
  LatencyFigures f;
  f.ttft_mean = b.required_number("mean_ttft_ms", 1e-6, kMaxMs) * kMs;
  f.ttft_p90 = b.number("p90_ttft_ms", NAN, 1e-6, kMaxMs) * kMs;
  f.ttft_p99 = b.number("p99_ttft_ms", NAN, 1e-6, kMaxMs) * kMs;
  f.itl_mean = b.required_number("mean_itl_ms", 1e-6, kMaxMs) * kMs;
  const double tpot = b.number("mean_tpot_ms", NAN, 0, kMaxMs) * kMs;
  f.e2e_p90 = b.number("p90_e2el_ms", NAN, 1e-6, kMaxMs) * kMs;
  f.e2e_p99 = b.number("p99_e2el_ms", NAN, 1e-6, kMaxMs) * kMs;
  if (errors.errors().size() != before) return;
  run.random_dataset = true;
  run.question_tokens = static_cast<uint32_t>(std::max(1.0, std::round(input / static_cast<double>(completed))));
  run.system_prompt_tokens = 0;
  run.system_prompts = 1;
  run.mean_output_tokens = output / static_cast<double>(completed);
  run.max_output_tokens = static_cast<uint32_t>(std::max(1.0, std::round(run.mean_output_tokens)));
  // E2E is recorded only with --percentile-metrics e2el; otherwise TTFT plus the answer's tokens.
  f.e2e_mean = b.has("mean_e2el_ms") ? b.required_number("mean_e2el_ms", 1e-6, kMaxMs) * kMs
               : std::isfinite(tpot)  ? f.ttft_mean + tpot * (run.mean_output_tokens - 1)
                                      : f.ttft_mean + f.itl_mean * (run.mean_output_tokens - 1);
  run.stages = {{rps, static_cast<double>(run.num_requests) / rps}};
  run.measured_stages = {f};
  run.measured_summary = f;
  if (run.question_tokens + run.max_output_tokens > run.max_model_len)
    errors.add(pointer, "the mean prompt plus answer (" + std::to_string(run.question_tokens + run.max_output_tokens) +
                            " tokens) exceeds engine.max_model_len (" + std::to_string(run.max_model_len) + ")");
  // Other members of the result (per-request lists, throughputs, other percentiles) are not used.
}

}  // namespace kvsim
