#include "kv/block_pool.h"

#include <stdexcept>

namespace kvsim {

BlockPool::BlockPool(uint32_t num_blocks, std::unique_ptr<EvictionPolicy> policy)
    : ref_cnt_(num_blocks, 0), hash_(num_blocks, 0), cached_(num_blocks), policy_(std::move(policy)) {
  policy_->reset(num_blocks);
  for (BlockId b = 0; b < num_blocks; ++b) policy_->push_free(b, BlockInfo{});
}

void BlockPool::allocate(uint32_t n, std::vector<BlockId>& out, uint64_t now_ns) {
  if (n > num_free_blocks()) throw std::logic_error("BlockPool::allocate beyond the free blocks");
  for (uint32_t i = 0; i < n; ++i) {
    const BlockId b = policy_->pop_victim(now_ns);
    if (hash_[b] != 0) {
      cached_.erase(hash_[b]);
      policy_->on_evicted(b, hash_[b]);
      hash_[b] = 0;
      --cached_free_;
      ++stats_.evictions;
    }
    ref_cnt_[b] = 1;
    out.push_back(b);
  }
}

void BlockPool::touch(BlockId b, uint64_t now_ns) {
  if (ref_cnt_[b] == 0) {
    policy_->remove_free(b);
    --cached_free_;
  }
  ++ref_cnt_[b];
  policy_->on_hit(b, now_ns);
}

void BlockPool::release(BlockId b, uint32_t position, uint64_t now_ns) {
  if (ref_cnt_[b] == 0) throw std::logic_error("BlockPool::release of a free block");
  if (--ref_cnt_[b] == 0) {
    if (hash_[b] != 0) ++cached_free_;
    policy_->push_free(b, BlockInfo{hash_[b] != 0, position, now_ns});
  }
}

void BlockPool::cache(BlockId b, BlockHash hash) {
  if (hash_[b] != 0 || cached_.find(hash) != FlatHashMap::kMissing) return;
  hash_[b] = hash;
  cached_.insert(hash, b);
  ++stats_.cached_inserts;
}

}  // namespace kvsim
