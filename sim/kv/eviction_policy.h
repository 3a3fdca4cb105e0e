// Which free block to reuse next. The BlockPool tells the policy when a block becomes free
// (reference count reached zero), when a free block is taken back by a prefix-cache hit, and
// when a cached block is hit; the policy answers which free block to hand out next. A block
// without a hash holds no reusable KV. Policies are registered by name (eviction_registry.h).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kvsim {

using BlockId = uint32_t;
constexpr BlockId kNoBlock = UINT32_MAX;

// Facts a cost-aware policy may use about a block when it is freed.
struct BlockInfo {
  bool cached = false;          // has a hash, i.e. holds reusable KV
  uint32_t position = 0;        // block index within its sequence (depth in the prefix tree)
  uint64_t now_ns = 0;          // simulated time of the event
  uint64_t hash = 0;            // the block's hash when cached (ghost lists remember it)
};

class EvictionPolicy {
 public:
  virtual ~EvictionPolicy() = default;
  // Called once with the pool size; every block starts free and uncached (pushed in id order).
  virtual void reset(uint32_t num_blocks) = 0;
  // `block` became free (ref count 0). Blocks freed together arrive in eviction order.
  virtual void push_free(BlockId block, const BlockInfo& info) = 0;
  // `block` left the free set because a prefix-cache hit reuses it.
  virtual void remove_free(BlockId block) = 0;
  // Takes the next free block to reuse (evicting its cached content). Never called when empty.
  virtual BlockId pop_victim(uint64_t now_ns) = 0;
  // A cached block was found by a lookup (whether free or in use).
  virtual void on_hit(BlockId /*block*/, uint64_t /*now_ns*/) {}
  // The pool dropped the block's hash (e.g. evicted); policies with history may remember it.
  virtual void on_evicted(BlockId /*block*/, uint64_t /*hash*/) {}
  virtual uint32_t num_free() const = 0;
  virtual std::string name() const = 0;
  // Performance hints, no effect on behaviour: a block that pop_victim will probably return
  // a few calls from now (or kNoBlock), and a request to bring a block's bookkeeping into cache.
  virtual BlockId victim_ahead(uint32_t /*calls*/) const { return kNoBlock; }
  virtual void prefetch(BlockId /*block*/) const {}
  // Whether the policy reads block hashes (BlockInfo::hash, on_evicted): when it does not, the
  // pool may leave the hashes of private blocks uncomputed until a preemption needs them.
  virtual bool uses_hashes() const { return true; }
};

// vLLM's free-block queue: free blocks in eviction order. Freed blocks are appended at the
// tail, hits take blocks out of the middle in O(1), victims come from the head. This is LRU over
// free blocks, exactly vLLM v1's FreeKVCacheBlockQueue. vLLM links the blocks in a doubly linked
// list; here the queue is a ring of block ids in push order where a removed block leaves a
// stale entry behind (skipped when it reaches the head, compacted away when the ring fills), so
// that popping walks memory sequentially and upcoming victims can be prefetched. Same order,
// same O(1) operations (amortised).
// Each block's "slot" (the ring position of its live entry) lives in an array of the queue's
// own, or in a word of the owner's per-block record (bind_slots): a BlockPool keeps a block's
// reference count, hash and slot in one 16-byte record, so touching a block is one cache miss.
class LruFreeQueue final : public EvictionPolicy {
 public:
  // Slots are 32-bit: positions are renumbered from 0 (a compaction) when they reach
  // `renumber_at` (tests lower it to exercise that).
  explicit LruFreeQueue(uint64_t renumber_at = kMaxPosition) : renumber_at_(renumber_at) {}
  // Keeps block b's slot at base[b * stride] (uint32_t words). Call before reset.
  void bind_slots(uint32_t* base, size_t stride) {
    slots_ = base;
    stride_ = stride;
  }
  void reset(uint32_t num_blocks) override;
  void push_free(BlockId b, const BlockInfo&) override {
    make_room();
    ring_[tail_ & mask_] = b;
    slot(b) = static_cast<uint32_t>(tail_++);
    ++size_;
  }
  // A block that nothing can take back out of the queue but pop_victim (no lookup can find it:
  // it holds private KV, or none): its entry is live by construction, so the queue neither
  // writes nor reads its slot, and its owner need not read the block's record to free it.
  // `holds_kv` travels in the entry and comes back from pop_victim_flags.
  void push_exclusive(BlockId b, bool holds_kv) {
    make_room();
    ring_[tail_++ & mask_] = b | kExclusive | (holds_kv ? kHoldsKv : 0);
    ++size_;
  }
  void remove_free(BlockId b) override {
    slot(b) = kNotFree;  // its entry goes stale
    --size_;
  }
  BlockId pop_victim(uint64_t) override { return pop_victim_flags() & kIdMask; }
  // The next victim with its entry's flags: kExclusive (pushed by push_exclusive; then
  // kHoldsKv tells whether it holds KV) or none (pushed by push_free).
  BlockId pop_victim_flags() {
    for (;;) {
      const uint64_t i = head_++;
      const BlockId e = ring_[i & mask_];
      if (e & kExclusive) {  // (its slot is kNotFree already: it was in use when pushed)
        --size_;
        return e;
      }
      if (slot(e) != static_cast<uint32_t>(i)) continue;  // removed by a hit since it was pushed
      slot(e) = kNotFree;
      --size_;
      return e;
    }
  }
  static constexpr BlockId kExclusive = BlockId{1} << 31;
  static constexpr BlockId kHoldsKv = BlockId{1} << 30;
  static constexpr BlockId kIdMask = kHoldsKv - 1;  // block ids stay below 2^30
  uint32_t num_free() const override { return size_; }
  std::string name() const override { return "lru"; }
  bool uses_hashes() const override { return false; }
  BlockId victim_ahead(uint32_t calls) const override {
    // (The ring line after next, too: one replica's pops are far apart in time.)
    __builtin_prefetch(&ring_[(head_ + calls + 32) & mask_]);
    return tail_ - head_ > calls ? ring_[(head_ + calls) & mask_] & kIdMask : kNoBlock;
  }
  void prefetch(BlockId b) const override { __builtin_prefetch(&slot(b), 1); }
  // Head to tail (the eviction order), for tests.
  std::vector<BlockId> order() const;

 private:
  static constexpr uint32_t kNotFree = UINT32_MAX;
  static constexpr uint64_t kMaxPosition = UINT32_MAX - 1;  // positions stay below kNotFree
  uint32_t& slot(BlockId b) const { return slots_[static_cast<size_t>(b) * stride_]; }
  bool live(BlockId entry, uint64_t i) const { return (entry & kExclusive) || slot(entry) == static_cast<uint32_t>(i); }
  void make_room() {
    if (tail_ - head_ == ring_.size() || tail_ >= renumber_at_)
      rebuild(size_ * 2 < ring_.size() ? ring_.size() : ring_.size() * 2);
  }
  void rebuild(size_t capacity);
  std::vector<BlockId> ring_;     // entries [head_, tail_) modulo the capacity
  std::vector<uint32_t> own_slots_;
  uint32_t* slots_ = nullptr;
  size_t stride_ = 1;
  uint64_t head_ = 0, tail_ = 0, mask_ = 0;
  uint64_t renumber_at_;
  uint32_t size_ = 0;
};

}  // namespace kvsim
