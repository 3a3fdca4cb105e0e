// Drives a Request through a KvCacheManager as the scheduler does (the KV manager reads the
// request's KV state and token counts; the scheduler keeps its computed tokens).
#pragma once
#include "engine/request.h"
#include "kv/kv_cache_manager.h"

namespace kvsim::testing {

// Looks up the cached prefix of `r` into `hit`; returns its tokens.
inline uint32_t lookup(KvCacheManager& kv, const Request& r, SimTime now, PrefixHit& hit) {
  kv.get_computed_blocks(r.kv, r.kv_tokens(), now, hit);
  return hit.tokens;
}
// The tokens of `r`'s cached prefix (the lookup is dropped).
inline uint32_t cached_tokens(KvCacheManager& kv, const Request& r, SimTime now) {
  PrefixHit hit;
  return lookup(kv, r, now, hit);
}
// allocate_slots plus the scheduler's bookkeeping: an admitted request's hit counts as computed.
inline bool allocate(KvCacheManager& kv, Request& r, uint32_t n, SimTime now, const PrefixHit* hit = nullptr) {
  if (!kv.allocate_slots(r.kv, r.kv_tokens(), n, now, hit)) return false;
  if (hit && r.num_computed_tokens == 0) {
    r.num_computed_tokens = hit->tokens;
    if (r.num_preemptions == 0) r.num_cached_tokens = hit->tokens;
  }
  return true;
}
// Admits `r`: looks up its cached prefix, then allocates the rest.
inline bool admit(KvCacheManager& kv, Request& r, SimTime now = 0) {
  PrefixHit hit;
  const uint32_t cached = lookup(kv, r, now, hit);
  return allocate(kv, r, r.num_tokens() - r.num_computed_tokens - cached, now, &hit);
}
inline void release(KvCacheManager& kv, Request& r, SimTime now, FreeReason why = FreeReason::kFinished) {
  kv.free(r.kv, r.kv_tokens(), why, now);
}
inline void on_computed(KvCacheManager& kv, Request& r) { kv.on_computed(r.kv, r.kv_tokens()); }

}  // namespace kvsim::testing
