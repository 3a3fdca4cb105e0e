// SLRU, segmented LRU (Karedla, Love and Wherry, "Caching strategies to improve disk system
// performance", IEEE Computer 1994): a new cached block enters the probationary segment; a hit
// promotes it to the protected segment, which holds at most protected_fraction of the pool;
// when the protected segment overflows, its least recently released free block is demoted to
// the probationary segment's most recent end. Victims come from the probationary segment in
// LRU order, and from the protected segment only when no probationary block is free. Both
// segments count blocks in use; the LRU orders hold the free ones, by release time.
#pragma once
#include "kv/policies/block_list.h"
#include "kv/policies/policy_base.h"

namespace kvsim {

class SlruPolicy final : public PolicyBase {
 public:
  explicit SlruPolicy(double protected_fraction) : protected_fraction_(protected_fraction) {}
  void on_hit(BlockId b, uint64_t) override;
  std::string name() const override { return "slru"; }
  bool is_protected(BlockId b) const { return segment_[b] == kProtected; }
  uint32_t protected_count() const { return protected_count_; }

 private:
  enum : uint8_t { kNone, kProbation, kProtected };
  void on_reset(uint32_t n) override;
  void on_insert(BlockId b, const BlockInfo&) override;
  void push_cached(BlockId b, const BlockInfo&) override;
  void remove_cached(BlockId b) override;
  BlockId pop_cached(uint64_t) override;
  void on_drop(BlockId b, uint64_t) override;
  uint32_t num_cached_free() const override { return probation_.size() + protected_.size(); }
  void demote_overflow();

  double protected_fraction_;
  uint32_t protected_cap_ = 0;
  BlockList probation_, protected_;
  std::vector<uint8_t> segment_;
  uint32_t protected_count_ = 0;
};

}  // namespace kvsim
