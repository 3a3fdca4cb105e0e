// RadixTree: the shape SGLang's RadixCache gives a prefix cache (sglang/srt/mem_cache/
// radix_cache.py), at the granularity of engine blocks (SGLang's page_size; page_size 1 is its
// token-level tree). Each cached block is a node whose parent is the block holding the previous
// block of its sequence. Lookups give the same answer as vLLM's chained hashes (a chained hash
// names a root-to-node path), so the pool keeps its hash table for them; what the tree changes
// is eviction: only leaves are evictable. A free block that still has cached children is
// "pinned" here instead of sitting in the eviction policy's free set, and joins it when its
// last child is evicted. If every free block is pinned, the oldest pinned one is evicted anyway
// (its children become unreachable), so an allocation that fits always succeeds.
#pragma once
#include <cstdint>
#include <vector>

#include "kv/policies/block_list.h"

namespace kvsim {

class RadixTree {
 public:
  explicit RadixTree(uint32_t num_blocks)
      : parent_(num_blocks, kNoBlock), parent_gen_(num_blocks, 0), gen_(num_blocks, 0), children_(num_blocks, 0) {
    pinned_.reset(num_blocks);
  }
  // `child` was cached under `parent` (a cached block).
  void link(BlockId child, BlockId parent) {
    parent_[child] = parent;
    parent_gen_[child] = gen_[parent];
    ++children_[parent];
  }
  // `b`'s KV is being dropped. Returns its parent if that parent just lost its last child,
  // else kNoBlock. `b`'s own children, if any, are orphaned.
  BlockId unlink(BlockId b) {
    const BlockId p = parent_[b];
    parent_[b] = kNoBlock;
    children_[b] = 0;
    ++gen_[b];
    if (p == kNoBlock || parent_gen_[b] != gen_[p]) return kNoBlock;
    return --children_[p] == 0 ? p : kNoBlock;
  }
  uint32_t children(BlockId b) const { return children_[b]; }
  BlockId parent(BlockId b) const { return parent_[b]; }

  // Free inner nodes, oldest first.
  void pin(BlockId b) { pinned_.push_back(b); }
  void unpin(BlockId b) { pinned_.remove(b); }
  bool is_pinned(BlockId b) const { return pinned_.contains(b); }
  BlockId pop_pinned() { return pinned_.pop_front(); }
  uint32_t num_pinned() const { return pinned_.size(); }

 private:
  std::vector<BlockId> parent_;
  std::vector<uint32_t> parent_gen_;  // the parent's generation when linked
  std::vector<uint32_t> gen_;         // bumped whenever the block's KV is dropped
  std::vector<uint32_t> children_;    // cached children
  BlockList pinned_;
};

}  // namespace kvsim
