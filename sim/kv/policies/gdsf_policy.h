// GDSF (Greedy-Dual-Size-Frequency; Cherkasova, "Improving WWW proxies performance with
// Greedy-Dual-Size-Frequency caching policy", HP Labs TR 98-69, 1998), the cost-aware policy:
// each cached block has the priority
//     H = L + frequency x recompute_cost_saved / bytes
// and the free block with the lowest H is evicted; L, the inflation clock, becomes the H of the
// last victim, so blocks that stop being used age out. H is set when a block is released (the
// end of an access), from the current L.
//
// A block's recompute cost is the prefill time keeping it saves. Computing its block_size tokens
// with `position` blocks of context before it costs block_cost_s + position x position_cost_s
// (the replica fills both from its step model, see Replica; bare defaults 1 and 0 make it LFU
// with aging). But a prefix hit stops at the first missing block, so losing a block also loses
// the hits of every block after it: a block is worth its own cost plus that of the blocks its
// sequence holds after it. A request's blocks are released together, tail first, so the policy
// sums the costs along each release (the suffix cost); a parent is then always worth more than
// its children, and shallow blocks are not evicted from under deep ones. Every block of a pool
// has the same size, so bytes only matters when comparing pools.
#pragma once
#include "kv/policies/indexed_heap.h"
#include "kv/policies/policy_base.h"

namespace kvsim {

struct GdsfParams {
  double block_cost_s = 1.0;     // recompute time of a block with no context before it
  double position_cost_s = 0.0;  // extra recompute time per block of context before it
  double block_bytes = 1.0;
};

class GdsfPolicy final : public PolicyBase {
 public:
  explicit GdsfPolicy(const GdsfParams& params) : params_(params) {}
  void on_hit(BlockId b, uint64_t) override { ++freq_[b]; }
  std::string name() const override { return "gdsf"; }
  double inflation() const { return inflation_; }
  double recompute_cost(uint32_t position) const {
    return params_.block_cost_s + params_.position_cost_s * position;
  }

 private:
  void on_reset(uint32_t n) override {
    heap_.reset(n);
    freq_.assign(n, 0);
    inflation_ = 0;
    have_last_ = false;
  }
  void on_insert(BlockId b, const BlockInfo&) override { freq_[b] = 1; }
  void push_cached(BlockId b, const BlockInfo& info) override {
    // The block released just before, at the same time one position deeper, was its child in
    // the same sequence: this block unlocks that suffix too.
    const bool continues = have_last_ && info.now_ns == last_now_ && info.position + 1 == last_position_;
    const double suffix = recompute_cost(info.position) + (continues ? last_suffix_ : 0.0);
    have_last_ = true;
    last_now_ = info.now_ns;
    last_position_ = info.position;
    last_suffix_ = suffix;
    heap_.push(b, {inflation_ + static_cast<double>(freq_[b]) * suffix / params_.block_bytes, tick_});
  }
  void remove_cached(BlockId b) override { heap_.remove(b); }
  BlockId pop_cached(uint64_t) override {
    inflation_ = heap_.top_key().priority;
    return heap_.pop();
  }
  void on_drop(BlockId b, uint64_t) override { freq_[b] = 0; }
  uint32_t num_cached_free() const override { return heap_.size(); }

  GdsfParams params_;
  IndexedMinHeap heap_;
  std::vector<uint64_t> freq_;
  double inflation_ = 0;
  bool have_last_ = false;  // the previous cached release, for suffix costs
  uint64_t last_now_ = 0;
  uint32_t last_position_ = 0;
  double last_suffix_ = 0;
};

}  // namespace kvsim
