#include "kv/eviction_policy.h"

#include <stdexcept>

namespace kvsim {

void LruFreeQueue::reset(uint32_t num_blocks) {
  if (num_blocks > kIdMask) throw std::length_error("LruFreeQueue: more than 2^30 blocks");
  if (slots_ == nullptr || slots_ == own_slots_.data()) {
    own_slots_.assign(num_blocks, kNotFree);
    slots_ = own_slots_.data();
    stride_ = 1;
  } else {
    for (BlockId b = 0; b < num_blocks; ++b) slot(b) = kNotFree;
  }
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
    const BlockId e = ring_[i & mask_];
    if (this->live(e, i)) live.push_back(e);
  }
  ring_.assign(capacity, kNoBlock);
  mask_ = capacity - 1;
  head_ = 0;
  tail_ = live.size();
  for (uint64_t i = 0; i < live.size(); ++i) {
    ring_[i] = live[i];
    if (!(live[i] & kExclusive)) slot(live[i]) = static_cast<uint32_t>(i);
  }
}

std::vector<BlockId> LruFreeQueue::order() const {
  std::vector<BlockId> out;
  for (uint64_t i = head_; i < tail_; ++i)
    if (live(ring_[i & mask_], i)) out.push_back(ring_[i & mask_] & kIdMask);
  return out;
}

}  // namespace kvsim
