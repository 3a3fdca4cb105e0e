// ARC, the Adaptive Replacement Cache (Megiddo and Modha, "ARC: A Self-Tuning, Low Overhead
// Replacement Cache", FAST 2003), over the c blocks of a pool:
//   T1  blocks cached once and not hit since;        B1  hashes recently evicted from T1
//   T2  blocks hit at least once since cached;       B2  hashes recently evicted from T2
// and a target size p for T1 that learns from ghost hits. Adapted to a block pool, where the
// victim is chosen when a slot is allocated, before the KV it will hold is known:
//   - victim: the least recently released free block of T1 if |T1| > p (or T2 has no free
//     block), else of T2 (REPLACE without the paper's "x in B2 and |T1| = p" tie rule);
//   - insertion (a block's first release with a hash): a hash found in B1 grows p by
//     max(1, |B2|/|B1|) (capped at c), one found in B2 shrinks p by max(1, |B1|/|B2|) (floored
//     at 0); either way the block enters T2 and leaves the ghost list. A new hash enters T1;
//     ghosts are then trimmed as in the paper's case IV: the oldest of B1 goes when
//     |T1| + |B1| reaches c, else the oldest of B2 when all four lists reach 2c;
//   - a hit moves a T1 block to T2;
//   - an evicted block's hash joins B1 or B2 by the list it left.
// |T1| and |T2| count blocks in use too; only free blocks are ordered (by release time).
#pragma once
#include "kv/policies/block_list.h"
#include "kv/policies/ghost_list.h"
#include "kv/policies/policy_base.h"

namespace kvsim {

class ArcPolicy final : public PolicyBase {
 public:
  void on_hit(BlockId b, uint64_t) override;
  std::string name() const override { return "arc"; }
  double target_t1() const { return p_; }
  uint32_t t1_size() const { return t1_count_; }
  uint32_t t2_size() const { return t2_count_; }
  uint32_t b1_size() const { return b1_.size(); }
  uint32_t b2_size() const { return b2_.size(); }
  bool in_t2(BlockId b) const { return list_[b] == kT2; }

 private:
  enum : uint8_t { kNone, kT1, kT2 };
  void on_reset(uint32_t n) override;
  void on_insert(BlockId b, const BlockInfo& info) override;
  void push_cached(BlockId b, const BlockInfo&) override;
  void remove_cached(BlockId b) override;
  BlockId pop_cached(uint64_t) override;
  void on_drop(BlockId b, uint64_t hash) override;
  uint32_t num_cached_free() const override { return t1_free_.size() + t2_free_.size(); }

  BlockList t1_free_, t2_free_;
  std::vector<uint8_t> list_;
  uint32_t t1_count_ = 0, t2_count_ = 0;
  GhostList b1_, b2_;
  double p_ = 0;
};

}  // namespace kvsim
