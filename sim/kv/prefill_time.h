// What recomputing KV costs a replica, as the KV layer sees it (the replica answers from its
// step model): priced reuse, tier loads against recomputation, cost-aware eviction.
#pragma once
#include <cstdint>
#include <functional>

namespace kvsim {

// Seconds to prefill `new_tokens` tokens after `context_tokens` already in KV, alone on the
// replica.
using PrefillTime = std::function<double(uint32_t new_tokens, uint32_t context_tokens)>;

}  // namespace kvsim
