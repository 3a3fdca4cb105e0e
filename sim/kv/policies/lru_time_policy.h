// LRU ordered by release time in a heap, as SGLang's RadixCache.evict orders its evictable
// leaves by last_access_time. The radix-tree prefix index uses it in place of vLLM's free-block
// queue: a block that becomes a leaf again when its last child is evicted rejoins the order at
// the time it was last released, not as if released just now (which the list cannot express).
// Blocks released at the same time keep their release order.
#pragma once
#include "kv/policies/indexed_heap.h"
#include "kv/policies/policy_base.h"

namespace kvsim {

class LruTimePolicy final : public PolicyBase {
 public:
  std::string name() const override { return "lru"; }

 private:
  void on_reset(uint32_t n) override { heap_.reset(n); }
  void on_insert(BlockId, const BlockInfo&) override {}
  void push_cached(BlockId b, const BlockInfo& info) override {
    heap_.push(b, {static_cast<double>(info.now_ns), tick_});
  }
  void remove_cached(BlockId b) override { heap_.remove(b); }
  BlockId pop_cached(uint64_t) override { return heap_.pop(); }
  void on_drop(BlockId, uint64_t) override {}
  uint32_t num_cached_free() const override { return heap_.size(); }

  IndexedMinHeap heap_;
};

}  // namespace kvsim
