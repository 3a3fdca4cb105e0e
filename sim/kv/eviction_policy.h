// Which free block to reuse next. The BlockPool tells the policy when a block becomes free
// (reference count reached zero), when a free block is taken back by a prefix-cache hit, and
// when a cached block is hit; the policy answers which free block to hand out next. A block
// without a hash holds no reusable KV. Policies are registered by name (eviction_registry.h).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

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
};

// vLLM's free-block queue: free blocks in eviction order. Freed blocks are appended at the
// tail, hits take blocks out of the middle in O(1), victims come from the head. This is LRU over
// free blocks, exactly vLLM v1's FreeKVCacheBlockQueue. vLLM links the blocks in a doubly linked
// list; here the queue is a ring of block ids in push order where a removed block leaves a
// stale entry behind (skipped when it reaches the head, compacted away when the ring fills), so
// that popping walks memory sequentially and upcoming victims can be prefetched. Same order,
// same O(1) operations (amortised).
class LruFreeQueue final : public EvictionPolicy {
 public:
  void reset(uint32_t num_blocks) override;
  void push_free(BlockId block, const BlockInfo& info) override;
  void remove_free(BlockId block) override;
  BlockId pop_victim(uint64_t now_ns) override;
  uint32_t num_free() const override { return size_; }
  std::string name() const override { return "lru"; }
  BlockId victim_ahead(uint32_t calls) const override {
    return tail_ - head_ > calls ? ring_[(head_ + calls) & mask_] : kNoBlock;
  }
  void prefetch(BlockId b) const override { __builtin_prefetch(&where_[b], 1); }
  // Head to tail (the eviction order), for tests.
  std::vector<BlockId> order() const;

 private:
  static constexpr uint64_t kNotFree = UINT64_MAX;
  void rebuild(size_t capacity);
  std::vector<BlockId> ring_;     // entries [head_, tail_) modulo the capacity
  std::vector<uint64_t> where_;   // per block: its live entry's index, or kNotFree
  uint64_t head_ = 0, tail_ = 0, mask_ = 0;
  uint32_t size_ = 0;
};

}  // namespace kvsim
