// LFU: evicts the free cached block with the fewest accesses since it was cached (the insertion
// counts as one, every prefix-cache hit as one more); ties go to the least recently released.
// Counts are not aged: a block that was popular long ago stays, which is LFU's known weakness
// and the reason for GDSF's inflation clock (gdsf_policy.h).
#pragma once
#include "kv/policies/indexed_heap.h"
#include "kv/policies/policy_base.h"

namespace kvsim {

class LfuPolicy final : public PolicyBase {
 public:
  void on_hit(BlockId b, uint64_t) override { ++freq_[b]; }
  std::string name() const override { return "lfu"; }
  uint64_t frequency(BlockId b) const { return freq_[b]; }

 private:
  void on_reset(uint32_t n) override {
    heap_.reset(n);
    freq_.assign(n, 0);
  }
  void on_insert(BlockId b, const BlockInfo&) override { freq_[b] = 1; }
  void push_cached(BlockId b, const BlockInfo&) override {
    heap_.push(b, {static_cast<double>(freq_[b]), tick_});
  }
  void remove_cached(BlockId b) override { heap_.remove(b); }
  BlockId pop_cached(uint64_t) override { return heap_.pop(); }
  void on_drop(BlockId b, uint64_t) override { freq_[b] = 0; }
  uint32_t num_cached_free() const override { return heap_.size(); }

  IndexedMinHeap heap_;
  std::vector<uint64_t> freq_;
};

}  // namespace kvsim
