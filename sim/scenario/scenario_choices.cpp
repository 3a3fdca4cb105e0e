#include "scenario/scenario_choices.h"

#include <stdexcept>

#include "cluster/router.h"
#include "kv/eviction_registry.h"

namespace kvsim {

const std::vector<ScenarioChoice>& scenario_choices() {
  static const std::vector<ScenarioChoice> kChoices = {
      {"/deployment/weight_dtype", {"bf16", "fp16", "fp8", "int8", "int4"}, "bf16", "bf16"},
      {"/deployment/kv_dtype", {"fp16", "bf16", "fp8", "int4"}, "fp16", "fp16"},
      {"/cluster/router", router_names(), "round_robin", "round_robin"},
      {"/engine/batching", {"continuous", "orca", "static"}, "continuous", "continuous"},
      {"/engine/scheduling_policy", {"fcfs", "priority"}, "fcfs", "fcfs"},
      {"/engine/preemption_mode", {"recompute", "swap"}, "recompute", "recompute"},
      // vLLM's --generation-config: the checkpoint's sampling defaults, or vLLM's own
      {"/engine/generation_config", {"auto", "vllm"}, "auto", "auto: the checkpoint's sampling defaults"},
      // contiguous unless batching is continuous
      {"/engine/kv_layout", {"paged", "contiguous"}, "paged", "paged with continuous batching"},
      {"/kv_cache/eviction_policy", eviction_policy_names(), "lru", "lru"},
      {"/kv_cache/prefix_index", {"hash", "radix"}, "hash", "hash"},
  };
  return kChoices;
}

const ScenarioChoice& scenario_choice(std::string_view pointer) {
  for (const ScenarioChoice& c : scenario_choices())
    if (c.pointer == pointer) return c;
  throw std::out_of_range("no scenario choice at " + std::string(pointer));
}

const std::vector<ScenarioNumber>& scenario_numbers() {
  static const std::vector<ScenarioNumber> kNumbers = {
      {"/deployment/tensor_parallel", 1, "1"},
      {"/deployment/pipeline_parallel", 1, "1"},
      {"/cluster/replicas", 1, "1"},
      {"/engine/max_num_seqs", 256, "256"},
      {"/engine/max_num_batched_tokens", 8192, "8192"},
      {"/engine/block_size", 16, "16"},
      {"/engine/gpu_memory_utilization", 0.9, "0.9"},
  };
  return kNumbers;
}

const ScenarioNumber& scenario_number(std::string_view pointer) {
  for (const ScenarioNumber& n : scenario_numbers())
    if (n.pointer == pointer) return n;
  throw std::out_of_range("no scenario number at " + std::string(pointer));
}

}  // namespace kvsim
