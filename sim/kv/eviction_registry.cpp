#include "kv/eviction_registry.h"

#include "core/error.h"

namespace kvsim {

std::vector<std::string> eviction_policy_names() { return {"lru"}; }

std::unique_ptr<EvictionPolicy> make_eviction_policy(const std::string& name, const nlohmann::json&) {
  if (name == "lru") return std::make_unique<LruFreeQueue>();
  std::string known;
  for (const auto& n : eviction_policy_names()) known += (known.empty() ? "" : ", ") + n;
  throw InputError("unknown eviction policy \"" + name + "\" (known: " + known + ")");
}

}  // namespace kvsim
