#include "kv/eviction_policy.h"

namespace kvsim {

void LruFreeQueue::reset(uint32_t num_blocks) {
  where_.assign(num_blocks, kNotFree);
  size_t capacity = 16;
  while (capacity < 2 * static_cast<size_t>(num_blocks)) capacity *= 2;
  ring_.assign(capacity, kNoBlock);
  mask_ = capacity - 1;
  head_ = tail_ = 0;
  size_ = 0;
}

void LruFreeQueue::rebuild(size_t capacity) {
  std::vector<BlockId> live;
  live.reserve(size_);
  for (uint64_t i = head_; i < tail_; ++i) {
    const BlockId b = ring_[i & mask_];
    if (where_[b] == i) live.push_back(b);
  }
  ring_.assign(capacity, kNoBlock);
  mask_ = capacity - 1;
  head_ = 0;
  tail_ = live.size();
  for (uint64_t i = 0; i < live.size(); ++i) {
    ring_[i] = live[i];
    where_[live[i]] = i;
  }
}

void LruFreeQueue::push_free(BlockId b, const BlockInfo&) {
  if (tail_ - head_ == ring_.size()) rebuild(size_ * 2 < ring_.size() ? ring_.size() : ring_.size() * 2);
  ring_[tail_ & mask_] = b;
  where_[b] = tail_++;
  ++size_;
}

void LruFreeQueue::remove_free(BlockId b) {
  where_[b] = kNotFree;  // its entry goes stale
  --size_;
}

BlockId LruFreeQueue::pop_victim(uint64_t) {
  for (;;) {
    const uint64_t i = head_++;
    const BlockId b = ring_[i & mask_];
    if (where_[b] != i) continue;  // removed by a hit since it was pushed
    where_[b] = kNotFree;
    --size_;
    return b;
  }
}

std::vector<BlockId> LruFreeQueue::order() const {
  std::vector<BlockId> out;
  for (uint64_t i = head_; i < tail_; ++i)
    if (where_[ring_[i & mask_]] == i) out.push_back(ring_[i & mask_]);
  return out;
}

}  // namespace kvsim
