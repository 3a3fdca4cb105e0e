// Eviction policies by name, as the scenario's "kv_cache.eviction_policy" names them.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kv/eviction_policy.h"

namespace kvsim {

// Names accepted by make_eviction_policy, for validation messages and the GUI's dropdown.
std::vector<std::string> eviction_policy_names();
// Throws InputError for an unknown name. `params` holds policy options (may be null).
std::unique_ptr<EvictionPolicy> make_eviction_policy(const std::string& name, const nlohmann::json& params);

}  // namespace kvsim
