// A response cache in front of the router (docs/fleet.md, "Response cache"): a request whose
// answer is cached is answered after the cache's latency with no GPU work.
//   exact    - the key is the whole prompt's content (what PromptContent says each token is: the
//              Mooncake block ids, the shared stream) plus the answer length asked for: an
//              identical request. Stored when a request completes on a replica; at most
//              `capacity` entries, least recently used evicted; an entry older than ttl_s misses
//              (and is dropped). A prompt with private tokens (unique text) has no key.
//   semantic - a request that is not an exact hit hits with probability semantic_hit_probability
//              (a stream of the run's seeded Rng, one draw per such request), answered after
//              semantic_latency_s (embedding + vector search).
#pragma once
#include <cstdint>
#include <memory>

#include <nlohmann/json.hpp>

#include "cluster/lru_index.h"
#include "core/json_reader.h"
#include "core/rng.h"
#include "workload/request_spec.h"

namespace kvsim {

struct ResponseCacheConfig {
  bool enabled = false;                  // the scenario has a response_cache object
  uint32_t capacity = 10000;             // exact entries (0 = no exact cache)
  double ttl_s = INFINITY;
  double latency_s = 0.001;              // an exact hit's answer time
  double semantic_hit_probability = 0;   // of a request that is not an exact hit
  double semantic_latency_s = 0.02;
};

// `response_cache` at `pointer` (null: disabled); problems go to `errors` with their pointers.
ResponseCacheConfig parse_response_cache(const nlohmann::json& value, const std::string& pointer, ErrorList& errors);

enum class CacheHit { kMiss, kExact, kSemantic };

struct ResponseCacheStats {
  uint64_t lookups = 0, exact_hits = 0, semantic_hits = 0, expired = 0, stored = 0;
  uint64_t hits() const { return exact_hits + semantic_hits; }
};

class ResponseCache {
 public:
  ResponseCache(const ResponseCacheConfig& config, uint64_t seed);
  // Looks the request up at `now` (its arrival): an exact hit refreshes its entry's recency; an
  // entry stored after `now` is not there yet.
  CacheHit lookup(const RequestSpec& spec, SimTime now);
  // The answer to `spec` completed at `now`: stored (when the prompt has a key).
  void store(const RequestSpec& spec, SimTime now);
  // The time a hit of this kind is answered, after its lookup.
  SimTime latency(CacheHit hit) const { return hit == CacheHit::kExact ? exact_latency_ : semantic_latency_; }
  const ResponseCacheStats& stats() const { return stats_; }
  uint64_t evictions() const { return entries_.evictions(); }
  const ResponseCacheConfig& config() const { return config_; }

  // The exact key of a request (0 = none: the prompt holds private tokens).
  static uint64_t key(const RequestSpec& spec);

 private:
  ResponseCacheConfig config_;
  LruIndex entries_;  // key -> time stored
  Rng rng_;
  SimTime exact_latency_, semantic_latency_, ttl_;
  ResponseCacheStats stats_;
};

}  // namespace kvsim
