// Bookkeeping shared by every eviction policy except "lru" (which is vLLM's free-block queue
// verbatim). Free blocks that hold no reusable KV are handed out first, oldest first; a block's
// first release with a hash after it was handed out is the arrival of a new cached object
// (on_insert), later releases are returns of a known object after a hit (push_cached). A policy
// sees a block's whole life: inserted, hit (on_hit), freed and taken back, evicted (on_drop).
#pragma once
#include <cstdint>
#include <vector>

#include "kv/eviction_policy.h"
#include "kv/policies/block_list.h"

namespace kvsim {

class PolicyBase : public EvictionPolicy {
 public:
  void reset(uint32_t num_blocks) final {
    capacity_ = num_blocks;
    uncached_.reset(num_blocks);
    fresh_.assign(num_blocks, 1);
    tick_ = 0;
    on_reset(num_blocks);
  }
  void push_free(BlockId b, const BlockInfo& info) final {
    if (!info.cached) {
      uncached_.push_back(b);
      return;
    }
    ++tick_;
    if (fresh_[b]) {
      fresh_[b] = 0;
      on_insert(b, info);
    }
    push_cached(b, info);
  }
  void remove_free(BlockId b) final {
    if (uncached_.contains(b)) uncached_.remove(b);
    else remove_cached(b);
  }
  BlockId pop_victim(uint64_t now_ns) final {
    if (!uncached_.empty()) return uncached_.pop_front();
    return pop_cached(now_ns);
  }
  void on_evicted(BlockId b, uint64_t hash) final {
    fresh_[b] = 1;
    on_drop(b, hash);
  }
  uint32_t num_free() const final { return uncached_.size() + num_cached_free(); }

 protected:
  virtual void on_reset(uint32_t num_blocks) = 0;
  // A new cached object (first release with a hash since the block was handed out).
  virtual void on_insert(BlockId b, const BlockInfo& info) = 0;
  // The cached block `b` joins the free set (after on_insert, or after a hit took it out).
  virtual void push_cached(BlockId b, const BlockInfo& info) = 0;
  virtual void remove_cached(BlockId b) = 0;
  // Chooses and removes a free cached block; never called when there is none.
  virtual BlockId pop_cached(uint64_t now_ns) = 0;
  // The block's KV was dropped (evicted or expired): forget it, or remember it in a ghost list.
  virtual void on_drop(BlockId b, uint64_t hash) = 0;
  virtual uint32_t num_cached_free() const = 0;

  uint32_t capacity_ = 0;  // blocks in the pool
  uint64_t tick_ = 0;      // counts cached releases: the recency clock

 private:
  BlockList uncached_;
  std::vector<uint8_t> fresh_;
};

}  // namespace kvsim
