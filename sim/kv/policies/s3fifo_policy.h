// S3-FIFO (Yang, Zhang, Qiu, Yue and Vinayak, "FIFO queues are all you need for cache
// eviction", SOSP 2023) over the blocks of a pool: three FIFO queues,
//   S  small queue, target small_fraction of the pool (paper: 10%), for new blocks;
//   M  main queue, the rest;
//   G  ghost queue of hashes evicted from S, ghost_fraction of the pool entries (paper: as many
//      as M holds, 90%).
// A block cached for the first time enters M if its hash is in G, else S; each hit raises its
// frequency, capped at max_frequency (paper: 3, two bits). To free a slot: while S holds at least
// its target (or M has no free block), S's oldest free block moves to M with its frequency
// cleared if it was hit at least move_to_main_threshold times, else it is the victim and its
// hash joins G; otherwise M's oldest free block is reinserted at M's tail with its frequency
// decremented if non-zero, else it is the victim. Queue sizes count blocks in use; the queues
// order free blocks by their insertion (a hit does not move a block).
#pragma once
#include "kv/policies/ghost_list.h"
#include "kv/policies/indexed_heap.h"
#include "kv/policies/policy_base.h"

namespace kvsim {

struct S3FifoParams {
  double small_fraction = 0.1;
  double ghost_fraction = 0.9;
  uint32_t move_to_main_threshold = 1;
  uint32_t max_frequency = 3;
};

class S3FifoPolicy final : public PolicyBase {
 public:
  explicit S3FifoPolicy(const S3FifoParams& params) : params_(params) {}
  void on_hit(BlockId b, uint64_t) override {
    if (freq_[b] < params_.max_frequency) ++freq_[b];
  }
  std::string name() const override { return "s3fifo"; }
  bool in_main(BlockId b) const { return queue_[b] == kMain; }
  uint32_t small_size() const { return small_count_; }
  uint32_t main_size() const { return main_count_; }
  uint32_t ghost_size() const { return ghost_.size(); }

 private:
  enum : uint8_t { kNone, kSmall, kMain };
  void on_reset(uint32_t n) override;
  void on_insert(BlockId b, const BlockInfo& info) override;
  void push_cached(BlockId b, const BlockInfo&) override;
  void remove_cached(BlockId b) override;
  BlockId pop_cached(uint64_t) override;
  void on_drop(BlockId b, uint64_t hash) override;
  uint32_t num_cached_free() const override { return small_.size() + main_.size(); }

  S3FifoParams params_;
  uint32_t small_target_ = 0, ghost_capacity_ = 0;
  IndexedMinHeap small_, main_;
  std::vector<uint8_t> queue_;
  std::vector<uint32_t> freq_;
  std::vector<uint64_t> seq_;
  uint64_t next_seq_ = 0;
  uint32_t small_count_ = 0, main_count_ = 0;
  GhostList ghost_;
};

}  // namespace kvsim
