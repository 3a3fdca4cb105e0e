#include "kv/eviction_registry.h"

#include <algorithm>

#include "core/error.h"
#include "kv/policies/arc_policy.h"
#include "kv/policies/fifo_policy.h"
#include "kv/policies/gdsf_policy.h"
#include "kv/policies/lfu_policy.h"
#include "kv/policies/lru_time_policy.h"
#include "kv/policies/s3fifo_policy.h"
#include "kv/policies/slru_policy.h"

namespace kvsim {

std::vector<std::string> eviction_policy_names() { return {"lru", "fifo", "lfu", "slru", "arc", "s3fifo", "gdsf"}; }

std::unique_ptr<EvictionPolicy> make_eviction_policy(const std::string& name, const nlohmann::json& params,
                                                     ErrorList& errors, const std::string& pointer) {
  const size_t errors_before = errors.errors().size();
  JsonReader r(params, pointer, errors);
  std::unique_ptr<EvictionPolicy> policy;
  if (name == "lru") {
    // (null: the pool's built-in free queue)
  } else if (name == "fifo") {
    policy = std::make_unique<FifoPolicy>();
  } else if (name == "lfu") {
    policy = std::make_unique<LfuPolicy>();
  } else if (name == "arc") {
    policy = std::make_unique<ArcPolicy>();
  } else if (name == "slru") {
    policy = std::make_unique<SlruPolicy>(r.number("protected_fraction", 0.8, 0, 1));
  } else if (name == "s3fifo") {
    S3FifoParams p;
    p.small_fraction = r.number("small_fraction", p.small_fraction, 0, 1);
    p.ghost_fraction = r.number("ghost_fraction", p.ghost_fraction, 0, 16);
    p.move_to_main_threshold = static_cast<uint32_t>(r.integer("move_to_main_threshold", p.move_to_main_threshold, 1, 255));
    p.max_frequency = static_cast<uint32_t>(r.integer("max_frequency", p.max_frequency, 1, 255));
    policy = std::make_unique<S3FifoPolicy>(p);
  } else if (name == "gdsf") {
    GdsfParams p;
    p.block_cost_s = r.number("block_cost_s", p.block_cost_s, 0);
    p.position_cost_s = r.number("position_cost_s", p.position_cost_s, 0);
    p.block_bytes = r.number("block_bytes", p.block_bytes, 1e-300);
    policy = std::make_unique<GdsfPolicy>(p);
  } else {
    std::string known;
    for (const auto& n : eviction_policy_names()) known += (known.empty() ? "\"" : ", \"") + n + "\"";
    errors.add(pointer, "unknown eviction policy \"" + name + "\" (known: " + known + ")");
    return nullptr;
  }
  r.reject_unknown_keys();
  if (errors.errors().size() != errors_before) return nullptr;
  return policy;
}

std::unique_ptr<EvictionPolicy> make_eviction_policy(const std::string& name, const nlohmann::json& params,
                                                     bool radix_tree) {
  auto policy = make_eviction_policy(name, params);
  if (radix_tree && name == "lru") return std::make_unique<LruTimePolicy>();
  return policy;
}

nlohmann::json resolve_policy_params(const std::string& name, const nlohmann::json& params, uint32_t block_size,
                                     const PrefillTime& prefill) {
  if (name != "gdsf") return params;
  nlohmann::json p = params.is_object() ? params : nlohmann::json::object();
  const uint32_t bs = block_size;
  const double per_token = (prefill(1024, 0) - prefill(512, 0)) / 512;
  const double per_pair = (prefill(256, 8192) - prefill(256, 0)) / (256.0 * 8192);
  if (!p.contains("block_cost_s")) p["block_cost_s"] = std::max(per_token, 0.0) * bs;
  if (!p.contains("position_cost_s")) p["position_cost_s"] = std::max(per_pair, 0.0) * bs * bs;
  return p;
}

std::unique_ptr<EvictionPolicy> make_eviction_policy(const std::string& name, const nlohmann::json& params) {
  ErrorList errors;
  auto policy = make_eviction_policy(name, params, errors, "/kv_cache/eviction_params");
  errors.throw_if_any("eviction policy \"" + name + "\"");
  return policy;
}

}  // namespace kvsim
