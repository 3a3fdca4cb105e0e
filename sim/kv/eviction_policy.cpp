#include "kv/eviction_policy.h"

namespace kvsim {

void LruFreeQueue::reset(uint32_t num_blocks) {
  prev_.assign(num_blocks, kNoBlock);
  next_.assign(num_blocks, kNoBlock);
  head_ = tail_ = kNoBlock;
  size_ = 0;
}

void LruFreeQueue::push_free(BlockId b, const BlockInfo&) {
  prev_[b] = tail_;
  next_[b] = kNoBlock;
  if (tail_ != kNoBlock) next_[tail_] = b;
  else head_ = b;
  tail_ = b;
  ++size_;
}

void LruFreeQueue::remove_free(BlockId b) {
  if (prev_[b] != kNoBlock) next_[prev_[b]] = next_[b];
  else head_ = next_[b];
  if (next_[b] != kNoBlock) prev_[next_[b]] = prev_[b];
  else tail_ = prev_[b];
  prev_[b] = next_[b] = kNoBlock;
  --size_;
}

BlockId LruFreeQueue::pop_victim(uint64_t) {
  const BlockId b = head_;
  remove_free(b);
  return b;
}

}  // namespace kvsim
