// FIFO: evicts the free cached block that was cached first. Hits do not reorder: a block taken
// by a hit returns to its original place when freed again.
#pragma once
#include "kv/policies/indexed_heap.h"
#include "kv/policies/policy_base.h"

namespace kvsim {

class FifoPolicy final : public PolicyBase {
 public:
  std::string name() const override { return "fifo"; }

 private:
  void on_reset(uint32_t n) override {
    heap_.reset(n);
    seq_.assign(n, 0);
    next_seq_ = 0;
  }
  void on_insert(BlockId b, const BlockInfo&) override { seq_[b] = ++next_seq_; }
  void push_cached(BlockId b, const BlockInfo&) override { heap_.push(b, {0, seq_[b]}); }
  void remove_cached(BlockId b) override { heap_.remove(b); }
  BlockId pop_cached(uint64_t) override { return heap_.pop(); }
  void on_drop(BlockId, uint64_t) override {}
  uint32_t num_cached_free() const override { return heap_.size(); }

  IndexedMinHeap heap_;
  std::vector<uint64_t> seq_;
  uint64_t next_seq_ = 0;
};

}  // namespace kvsim
