#include "scenario_template.h"

#include <algorithm>

namespace kvsim::gui {

namespace {

std::string pick(const std::vector<std::string>& names, const std::string& preferred) {
  if (names.empty() || std::find(names.begin(), names.end(), preferred) != names.end()) return preferred;
  return names.front();
}

}  // namespace

Json new_scenario_template(const Catalog& catalog) {
  std::vector<std::string> models, gpus;
  try {
    models = catalog.llm_names();
    gpus = catalog.gpu_names();
  } catch (const std::exception&) {
    // An unreadable catalog shows up as a validation error on /model and /gpu.
  }
  Json j = Json::object();
  j["name"] = "new-scenario";
  j["model"] = pick(models, "Llama-3-8B");
  j["gpu"] = pick(gpus, "H100-SXM");
  j["deployment"] = {{"tensor_parallel", 1}};
  j["cluster"] = {{"replicas", 1}, {"router", "round_robin"}};
  j["engine"] = {{"max_num_seqs", 256}, {"max_num_batched_tokens", 8192}};
  j["kv_cache"] = {{"enable_prefix_caching", true}, {"eviction_policy", "lru"}};
  j["perf_model"] = {{"kind", "calibrated"}};  // the GPU's profile, else the roofline
  j["workload"] = {{"synthetic",
                    {{"seed", 1},
                     {"num_requests", 500},
                     {"arrivals", {{"process", "poisson"}, {"rate", 10}}},
                     {"prompt_tokens", {{"dist", "lognormal"}, {"median", 800}, {"sigma", 0.6}, {"max", 4096}}},
                     {"output_tokens", {{"dist", "lognormal"}, {"median", 150}, {"sigma", 0.5}, {"max", 1024}}},
                     {"system_prompt", {{"fraction", 0.5}, {"tokens", 400}, {"count", 4}}}}}};
  j["slo"] = {{"ttft_s", 2.0}, {"tpot_s", 0.1}};
  return j;
}

}  // namespace kvsim::gui
