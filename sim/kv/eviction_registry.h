// Eviction policies by name, as the scenario's "kv_cache.eviction_policy" names them.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_reader.h"
#include "kv/eviction_policy.h"
#include "kv/prefill_time.h"

namespace kvsim {

// Names accepted by make_eviction_policy, for validation messages and the GUI's dropdown:
//   lru     vLLM's free-block queue (eviction_policy.h)      no params
//   fifo    first cached, first evicted (policies/fifo_policy.h)
//   lfu     fewest accesses, then least recent (policies/lfu_policy.h)
//   slru    segmented LRU                 {"protected_fraction": 0.8}
//   arc     adaptive replacement cache    no params
//   s3fifo  S3-FIFO                       {"small_fraction": 0.1, "ghost_fraction": 0.9,
//                                          "move_to_main_threshold": 1, "max_frequency": 3}
//   gdsf    cost-aware Greedy-Dual-Size-Frequency {"block_cost_s", "position_cost_s",
//                                          "block_bytes"} (resolve_policy_params fills the
//                                          costs from the replica's prefill time when absent)
std::vector<std::string> eviction_policy_names();
// "lru" gives null: the BlockPool's built-in free queue (vLLM's), which needs no plug-in; every
// other name gives the policy the pool plugs in. Throws InputError for an unknown name or bad params. `params` holds policy options (may be
// null); errors name the key under /kv_cache/eviction_params.
std::unique_ptr<EvictionPolicy> make_eviction_policy(const std::string& name, const nlohmann::json& params);
// The same for a pool indexed by the radix tree (radix_tree.h): "lru" then orders blocks by
// release time in a heap (policies/lru_time_policy.h), as SGLang does, instead of vLLM's list.
std::unique_ptr<EvictionPolicy> make_eviction_policy(const std::string& name, const nlohmann::json& params,
                                                     bool radix_tree);
// The same, collecting problems in `errors` under `pointer` instead of throwing (check `errors`:
// null is also "lru").
std::unique_ptr<EvictionPolicy> make_eviction_policy(const std::string& name, const nlohmann::json& params,
                                                     ErrorList& errors, const std::string& pointer);

// The parameters of policy `name` with what it derives from the replica filled in where
// `params` leaves it out: GDSF's recompute costs (the marginal prefill seconds of a block's
// tokens, and of each block of context they attend over) from `unchunked_prefill`, the
// replica's prefill time of one request in one chunk. Other policies' params come back as given.
nlohmann::json resolve_policy_params(const std::string& name, const nlohmann::json& params, uint32_t block_size,
                                     const PrefillTime& unchunked_prefill);

}  // namespace kvsim
