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
    BlockId b;
    if (!expired_.empty()) {
      b = expired_.back();
      expired_.pop_back();
    } else if (radix_ == nullptr || policy_->num_free() > 0) {
      b = policy_->pop_victim(now_ns);
      const BlockId ahead = policy_->victim_ahead(8);  // metadata of victims is scattered
      if (ahead != kNoBlock) prefetch(ahead);
      if (prefetch_evictions_) {
        // A nearer victim's metadata has arrived by now: fetch the index entry its eviction erases.
        const BlockId near = policy_->victim_ahead(3);
        if (near != kNoBlock && hash_[near] != 0 && !(hash_[near] & kUnindexed)) cached_.prefetch(hash_[near]);
      }
    } else {
      b = radix_->pop_pinned();  // every free block is an inner node: evict the oldest anyway
    }
    if (hash_[b] != 0) {
      const BlockHash evicted = hash_[b] & ~kUnindexed;
      const bool indexed = !(hash_[b] & kUnindexed);  // private KV is worth no copy elsewhere
      drop_hash(b, now_ns);
      ++stats_.evictions;
      if (listener_ && indexed) listener_->on_block_evicted(evicted, position_[b], now_ns);
    }
    ref_cnt_[b] = 1;
    out.push_back(b);
  }
}

void BlockPool::take_free(BlockId b) {
  if (radix_ && radix_->is_pinned(b)) radix_->unpin(b);
  else policy_->remove_free(b);
}

void BlockPool::touch(BlockId b, uint64_t now_ns) {
  if (ref_cnt_[b] == 0) {
    take_free(b);
    --cached_free_;
  }
  ++ref_cnt_[b];
  policy_->on_hit(b, now_ns);
}

void BlockPool::release(BlockId b, uint32_t position, uint64_t now_ns) {
  if (ref_cnt_[b] == 0) throw std::logic_error("BlockPool::release of a free block");
  if (--ref_cnt_[b] == 0) {
    const BlockHash h = hash_[b] & ~kUnindexed;
    if (h != 0) ++cached_free_;
    if (!position_.empty()) position_[b] = position;
    if (!released_at_.empty()) released_at_[b] = now_ns;
    if (ttl_ns_ != 0 && h != 0) expiry_.emplace_back(b, now_ns);
    if (radix_ && h != 0 && radix_->children(b) > 0) radix_->pin(b);
    else policy_->push_free(b, BlockInfo{h != 0, position, now_ns, h});
  }
}

void BlockPool::cache(BlockId b, BlockHash hash, BlockHash parent_hash) {
  if (hash_[b] != 0 || cached_.find(hash) != FlatHashMap::kMissing) return;
  hash_[b] = hash;
  cached_.insert(hash, b);
  ++stats_.cached_inserts;
  if (radix_ && parent_hash != 0) {
    const BlockId p = cached_.find(parent_hash);
    if (p == FlatHashMap::kMissing) return;
    radix_->link(b, p);
    // A free parent (its sequence's copy of the block was a duplicate) stops being a leaf.
    if (ref_cnt_[p] == 0 && !radix_->is_pinned(p)) {
      policy_->remove_free(p);
      radix_->pin(p);
    }
  }
}

void BlockPool::cache_private(BlockId b, BlockHash hash) {
  if (radix_) return cache(b, hash);  // the radix tree links every node through the index
  if (hash_[b] != 0) return;
  hash_[b] = hash | kUnindexed;
  ++stats_.cached_inserts;
}

void BlockPool::index_private(BlockId b) {
  if (!(hash_[b] & kUnindexed)) return;
  const BlockHash h = hash_[b] & ~kUnindexed;
  if (cached_.find(h) != FlatHashMap::kMissing) return;  // (cannot happen for private content)
  hash_[b] = h;
  cached_.insert(h, b);
}

void BlockPool::drop_hash(BlockId b, uint64_t) {
  const BlockHash h = hash_[b] & ~kUnindexed;
  if (!(hash_[b] & kUnindexed)) cached_.erase(h);
  policy_->on_evicted(b, h);
  hash_[b] = 0;
  --cached_free_;
  if (radix_) {
    const BlockId leaf = radix_->unlink(b);
    if (leaf != kNoBlock && radix_->is_pinned(leaf)) {
      radix_->unpin(leaf);
      // It rejoins the order as of its own last release (a time-ordered policy places it there).
      policy_->push_free(leaf, BlockInfo{true, position_[leaf], released_at_[leaf], hash_of(leaf)});
    }
  }
}

void BlockPool::expire_slow(uint64_t now_ns) {
  while (!expiry_.empty() && expiry_.front().second + ttl_ns_ <= now_ns) {
    const auto [b, released] = expiry_.front();
    expiry_.pop_front();
    if (ref_cnt_[b] != 0 || hash_[b] == 0 || released_at_[b] != released) continue;  // reused since
    const BlockHash h = hash_of(b);
    const bool indexed = !(hash_[b] & kUnindexed);
    take_free(b);
    drop_hash(b, now_ns);
    ++stats_.expirations;
    expired_.push_back(b);
    if (listener_ && indexed) listener_->on_block_expired(h, released + ttl_ns_);
  }
}

void BlockPool::enable_radix_tree() {
  if (cached_.size() != 0) throw std::logic_error("BlockPool::enable_radix_tree after blocks were cached");
  radix_ = std::make_unique<RadixTree>(num_blocks());
  if (position_.empty()) position_.assign(num_blocks(), 0);
  if (released_at_.empty()) released_at_.assign(num_blocks(), 0);
}

}  // namespace kvsim
