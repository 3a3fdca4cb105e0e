#include "cluster/response_cache.h"

#include <cmath>

#include "workload/stream_ids.h"

namespace kvsim {

ResponseCacheConfig parse_response_cache(const nlohmann::json& value, const std::string& pointer, ErrorList& errors) {
  ResponseCacheConfig c;
  if (value.is_null()) return c;
  if (!value.is_object()) {
    errors.add(pointer, "expected an object, found " + describe_json(value));
    return c;
  }
  JsonReader r(value, pointer, errors);
  c.enabled = true;
  c.capacity = static_cast<uint32_t>(r.integer("capacity", c.capacity, 0, 1 << 28));
  c.ttl_s = r.number_or_inf("ttl_s", INFINITY, 0);
  if (r.has("ttl_s") && c.ttl_s <= 0) errors.add(r.child("ttl_s"), "expected a number above 0 or \"inf\", found 0");
  c.latency_s = r.number("latency_s", c.latency_s, 0, 3600);
  c.semantic_hit_probability = r.number("semantic_hit_probability", 0, 0, 1);
  c.semantic_latency_s = r.number("semantic_latency_s", c.semantic_latency_s, 0, 3600);
  r.reject_unknown_keys();
  if (c.capacity == 0 && c.semantic_hit_probability <= 0)
    errors.add(pointer, "the cache can never hit: give /capacity above 0 or /semantic_hit_probability above 0");
  return c;
}

ResponseCache::ResponseCache(const ResponseCacheConfig& config, uint64_t seed)
    : config_(config),
      entries_(config.capacity),
      rng_(hash_mix(seed, 0x7265737063616368ULL)),  // "respcach": a stream of its own
      exact_latency_(from_seconds(config.latency_s)),
      semantic_latency_(from_seconds(config.semantic_latency_s)),
      ttl_(std::isfinite(config.ttl_s) ? from_seconds(config.ttl_s) : kNever) {}

uint64_t ResponseCache::key(const RequestSpec& spec) {
  const PromptContent& c = spec.content;
  const uint32_t prompt = spec.prompt_tokens;
  // Tokens of the request's own unique stream inside the prompt: unique text, never repeated.
  const uint32_t shared_until = std::max(c.hashed_tokens, c.shared_end);
  if (stream_kind(c.own_stream) == StreamKind::kUnique && shared_until < prompt) return 0;
  uint64_t h = hash_mix(prompt, spec.max_output_tokens ? spec.max_output_tokens : spec.output_tokens);
  if (c.hashed_tokens > 0) {
    const uint32_t ids = (std::min(c.hashed_tokens, prompt) + c.hash_block_tokens - 1) / c.hash_block_tokens;
    for (uint32_t i = 0; i < ids; ++i) h = hash_mix(h, (*c.hash_ids)[i]);
    h = hash_mix(h, c.hash_block_tokens);
  }
  if (c.shared_end > c.hashed_tokens && c.shared_stream != 0) h = hash_mix(hash_mix(h, c.shared_stream), c.shared_end);
  if (shared_until < prompt) h = hash_mix(h, c.own_stream);
  return h | 1;
}

CacheHit ResponseCache::lookup(const RequestSpec& spec, SimTime now) {
  ++stats_.lookups;
  if (config_.capacity > 0) {
    if (const uint64_t k = key(spec)) {
      if (const uint64_t* stored = entries_.find(k); stored && static_cast<SimTime>(*stored) <= now) {
        // (An answer stored after `now` completed after the lookup: not there yet.)
        if (ttl_ == kNever || now - static_cast<SimTime>(*stored) <= ttl_) {
          ++stats_.exact_hits;
          return CacheHit::kExact;
        }
        entries_.erase(k);
        ++stats_.expired;
      }
    }
  }
  if (config_.semantic_hit_probability > 0 && rng_.uniform() < config_.semantic_hit_probability) {
    ++stats_.semantic_hits;
    return CacheHit::kSemantic;
  }
  return CacheHit::kMiss;
}

void ResponseCache::store(const RequestSpec& spec, SimTime now) {
  if (config_.capacity == 0) return;
  if (const uint64_t k = key(spec)) {
    entries_.put(k, static_cast<uint64_t>(now));
    ++stats_.stored;
  }
}

}  // namespace kvsim
