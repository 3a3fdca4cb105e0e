// BlockList: an intrusive doubly linked list over block ids 0..n-1, each block in at most one
// list. O(1) append, removal from anywhere, and pop from the front, with no allocation after
// reset(). The building block of the recency- and insertion-ordered eviction policies.
#pragma once
#include <cstdint>
#include <vector>

#include "kv/eviction_policy.h"

namespace kvsim {

class BlockList {
 public:
  void reset(uint32_t num_blocks) {
    prev_.assign(num_blocks, kNoBlock);
    next_.assign(num_blocks, kNoBlock);
    in_.assign(num_blocks, 0);
    head_ = tail_ = kNoBlock;
    size_ = 0;
  }
  void push_back(BlockId b) {
    prev_[b] = tail_;
    next_[b] = kNoBlock;
    if (tail_ != kNoBlock) next_[tail_] = b;
    else head_ = b;
    tail_ = b;
    in_[b] = 1;
    ++size_;
  }
  void remove(BlockId b) {
    if (prev_[b] != kNoBlock) next_[prev_[b]] = next_[b];
    else head_ = next_[b];
    if (next_[b] != kNoBlock) prev_[next_[b]] = prev_[b];
    else tail_ = prev_[b];
    prev_[b] = next_[b] = kNoBlock;
    in_[b] = 0;
    --size_;
  }
  BlockId pop_front() {
    const BlockId b = head_;
    remove(b);
    return b;
  }
  bool contains(BlockId b) const { return in_[b] != 0; }
  bool empty() const { return size_ == 0; }
  uint32_t size() const { return size_; }
  BlockId front() const { return head_; }
  BlockId next_of(BlockId b) const { return next_[b]; }

 private:
  std::vector<BlockId> prev_, next_;
  std::vector<uint8_t> in_;
  BlockId head_ = kNoBlock, tail_ = kNoBlock;
  uint32_t size_ = 0;
};

}  // namespace kvsim
