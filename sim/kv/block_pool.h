// BlockPool: the GPU KV blocks of one replica, as vLLM v1's block_pool.py. Each block has a
// reference count and, once full, a chained hash under which the prefix cache finds it. Blocks
// with reference count 0 are free; the eviction policy orders them (LRU = vLLM's free-block
// queue). Taking a free block that still holds cached KV evicts that KV.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "kv/eviction_policy.h"
#include "kv/flat_hash_map.h"
#include "kv/prefix_hash.h"

namespace kvsim {

struct BlockPoolStats {
  uint64_t evictions = 0;        // cached blocks whose KV was dropped for reuse
  uint64_t cached_inserts = 0;
};

class BlockPool {
 public:
  BlockPool(uint32_t num_blocks, std::unique_ptr<EvictionPolicy> policy);

  uint32_t num_blocks() const { return static_cast<uint32_t>(ref_cnt_.size()); }
  uint32_t num_free_blocks() const { return policy_->num_free(); }
  // Free blocks that still hold cached KV (reusable by a hit, evictable on demand).
  uint32_t num_cached_free_blocks() const { return cached_free_; }
  uint32_t num_cached_blocks() const { return static_cast<uint32_t>(cached_.size()); }
  double usage() const { return 1.0 - static_cast<double>(num_free_blocks()) / num_blocks(); }

  // The block holding `hash`, or kNoBlock.
  BlockId lookup(BlockHash hash) const { return cached_.find(hash); }
  // Takes `n` free blocks (ref count 1), evicting cached content as needed. Caller checks
  // num_free_blocks() first.
  void allocate(uint32_t n, std::vector<BlockId>& out, uint64_t now_ns);
  // Adds a reference to a cached block found by lookup (taking it out of the free set if free).
  void touch(BlockId b, uint64_t now_ns);
  // Drops one reference; at zero the block becomes free. `position` is its index in the sequence.
  void release(BlockId b, uint32_t position, uint64_t now_ns);
  // Records that the full block `b` holds the KV of `hash`. If another block already holds the
  // same hash (two requests computed the same prefix at once), the first one stays the cached
  // copy and `b` stays uncached, so it is reused first.
  void cache(BlockId b, BlockHash hash);

  uint32_t ref_count(BlockId b) const { return ref_cnt_[b]; }
  BlockHash hash_of(BlockId b) const { return hash_[b]; }
  const BlockPoolStats& stats() const { return stats_; }
  EvictionPolicy& policy() { return *policy_; }

 private:
  std::vector<uint32_t> ref_cnt_;
  std::vector<BlockHash> hash_;
  FlatHashMap cached_;
  std::unique_ptr<EvictionPolicy> policy_;
  uint32_t cached_free_ = 0;
  BlockPoolStats stats_;
};

}  // namespace kvsim
