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
};

// vLLM's free-block queue: a doubly linked list in eviction order. Freed blocks are appended at
// the tail, hits take blocks out of the middle in O(1), victims come from the head. This is LRU
// over free blocks, exactly vLLM v1's FreeKVCacheBlockQueue.
class LruFreeQueue final : public EvictionPolicy {
 public:
  void reset(uint32_t num_blocks) override;
  void push_free(BlockId block, const BlockInfo& info) override;
  void remove_free(BlockId block) override;
  BlockId pop_victim(uint64_t now_ns) override;
  uint32_t num_free() const override { return size_; }
  std::string name() const override { return "lru"; }
  // Head to tail, for tests.
  BlockId front() const { return head_; }
  BlockId next_of(BlockId b) const { return next_[b]; }

 private:
  std::vector<BlockId> prev_, next_;
  BlockId head_ = kNoBlock, tail_ = kNoBlock;
  uint32_t size_ = 0;
};

}  // namespace kvsim
