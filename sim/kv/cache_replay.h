// CacheReplay: the KV cache alone, without compute timing, for fast policy exploration
// (`kvsim cache-replay`). Requests are processed one at a time in arrival order, as if each were
// admitted, computed and finished before the next arrives:
//   1. its prefix is looked up block by block (chained hashes, prefix_hash.h) for the first
//      (prompt - 1) / block_size blocks, as vLLM does: in GPU first, then in each lower tier in
//      order; the walk stops at the first block found nowhere. A block found in a lower tier is
//      promoted: it takes a GPU block like a computed one;
//   2. every full block of prompt + answer - 1 tokens (what the engine has cached when the
//      request finishes) is held on the GPU while the request runs, at most the GPU's capacity
//      (the rest would have been evicted by the request itself); the blocks not hit on the GPU
//      are allocated together after the walk, as vLLM's allocate_slots does;
//   3. the request's blocks are released, tail first, and become evictable.
// Lower tiers are filled write-back (a tier receives what the tier above evicts) or
// write-through (every block the GPU caches is written to every lower tier at once). Each tier
// is a BlockPool with its own eviction policy; capacity "inf" never evicts, which gives the
// theoretical maximum hit rate of the trace. An unbounded tier without a TTL (nor, on the GPU,
// the radix tree) is only the set of hashes it holds, grown as blocks arrive: it needs no pool,
// hence no pre-pass over the trace to size one, and gives the same hits as a pool that large.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kv/block_pool.h"
#include "workload/request_spec.h"

namespace kvsim {

struct ReplayTier {
  std::string name = "gpu";
  uint64_t capacity_tokens = 0;  // kInfiniteCapacity = never evicts
  std::string policy = "lru";
  nlohmann::json policy_params;
  double ttl_s = 0;              // 0 = none; measured in trace time
};

constexpr uint64_t kInfiniteCapacity = UINT64_MAX;

struct CacheReplayConfig {
  uint32_t block_size = 16;
  std::vector<ReplayTier> tiers;  // tiers[0] is the GPU
  bool radix_tree = false;        // prefix index shape of the GPU tier: SGLang's radix tree
  bool write_through = false;     // else write-back
};

struct ReplayTierStats {
  uint64_t capacity_blocks = 0;  // (an unbounded tier's: see CacheReplay::to_json)
  uint64_t hit_blocks = 0;  // blocks of request prefixes found in this tier (and not above)
  uint64_t writes = 0;      // blocks written into the tier (computed, promoted or offloaded)
  uint64_t evictions = 0;
  uint64_t expirations = 0;
};

struct CacheReplayStats {
  uint64_t requests = 0;
  uint64_t query_blocks = 0;  // prefix blocks that could have hit
  uint64_t query_tokens = 0;  // prompt tokens
  uint64_t lookups = 0;       // block lookups in the prefix indexes: walk probes (every tier)
                              // and the probe that caches each newly stored block
  uint64_t blocks_stored = 0; // blocks held on the GPU by requests (hit, promoted or computed)
  std::vector<ReplayTierStats> tiers;
};

class CacheReplay {
 public:
  // `infinite_blocks` sizes the pools of tiers of infinite capacity that need one
  // (infinite_capacity_blocks of the trace; needed only when needs_infinite_blocks(config)),
  // and is what such a tier reports as its capacity. Throws InputError for an unknown policy
  // or bad params.
  CacheReplay(const CacheReplayConfig& config, uint64_t infinite_blocks);
  // Whether the constructor needs infinite_blocks: an unbounded tier keeps a pool (a TTL, the
  // radix tree), or the GPU is bounded (an unbounded tier reports the blocks an unbounded GPU
  // would allocate, which only a pre-pass over the trace can count then).
  static bool needs_infinite_blocks(const CacheReplayConfig& config);
  ~CacheReplay();
  CacheReplay(const CacheReplay&) = delete;
  CacheReplay& operator=(const CacheReplay&) = delete;

  void process(const RequestSpec& request);
  const CacheReplayStats& stats() const { return stats_; }
  // {"requests", "block_size", "query_blocks", "query_tokens", "lookups", "tiers": [{"name",
  //  "policy", "capacity_tokens", "capacity_blocks", "hit_blocks", "block_hit_rate",
  //  "hit_tokens", "token_hit_rate", "cumulative_block_hit_rate", "cumulative_token_hit_rate",
  //  "writes", "evictions", "expirations"}], "block_hit_rate", "token_hit_rate"}
  nlohmann::json to_json() const;
  // Checks that every tier's blocks are free again and none was lost; throws std::logic_error.
  void check_conservation() const;

 private:
  struct Tier;
  class Offloader;
  void write(size_t tier, BlockHash hash, uint64_t now_ns);
  bool found_below(BlockHash hash, uint64_t now_ns);
  void store_in_unbounded_gpu(uint32_t query, uint32_t store, uint64_t now_ns);
  uint64_t capacity_blocks(size_t tier) const;
  uint32_t blocks_stored_by(const RequestSpec& r) const;

  CacheReplayConfig config_;
  std::vector<std::unique_ptr<Tier>> tiers_;
  struct Walked {
    BlockHash hash;
    BlockId block;  // the GPU block hit, or kNoBlock when found in a lower tier
  };
  std::vector<Walked> walk_;
  std::vector<BlockHash> hashes_;  // of the request's stored blocks, in order
  std::vector<BlockId> fresh_, held_;
  uint64_t gpu_allocations_ = 0;  // blocks the GPU tier took (an unbounded one reports them)
  CacheReplayStats stats_;
};

// Full blocks a request stores by the end (prompt + answer - 1 tokens), as CacheReplay counts them.
uint32_t replay_blocks_stored(const RequestSpec& r, uint32_t block_size);
// Distinct blocks `requests` store.
uint64_t count_distinct_blocks(const std::vector<RequestSpec>& requests, uint32_t block_size);
// Blocks an infinite GPU tier allocates for `requests`: the distinct blocks, plus the
// duplicates a request computes again after its prefix walk stopped (vLLM recomputes them into
// new, uncached blocks). A tier this large never evicts.
uint64_t infinite_capacity_blocks(const std::vector<RequestSpec>& requests, uint32_t block_size);

}  // namespace kvsim
