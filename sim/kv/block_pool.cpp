#include "kv/block_pool.h"

#include <stdexcept>

namespace kvsim {

BlockPool::BlockPool(uint32_t num_blocks, std::unique_ptr<EvictionPolicy> policy)
    : num_blocks_(num_blocks), policy_(std::move(policy)) {
  if (!policy_) {
    auto queue = std::make_unique<LruFreeQueue>();
    lru_ = queue.get();
    policy_ = std::move(queue);
  }
  private_hashes_needed_ = policy_->uses_hashes();
  if (lru_) {
    if (num_blocks > LruFreeQueue::kIdMask) throw std::length_error("BlockPool: more than 2^30 blocks");
    lru_->reset(0);  // its slots are bound to the records as they are made (take_unused)
  } else {
    blocks_.resize(num_blocks);
    policy_->reset(num_blocks);
    for (BlockId b = 0; b < num_blocks; ++b) push_free(b, BlockInfo{});
  }
}

// Under LRU: makes every record and queues the unused blocks in id order, as vLLM does.
void BlockPool::materialise_all() {
  const BlockId first = static_cast<BlockId>(blocks_.size());
  if (!lru_ || first == num_blocks_) return;
  blocks_.resize(num_blocks_);
  lru_->bind_slots(&blocks_[0].policy_slot, sizeof(Block) / sizeof(uint32_t));
  if (keeps_positions_) position_.resize(num_blocks_, 0);
  if (keeps_release_times_) released_at_.resize(num_blocks_, 0);
  for (BlockId b = first; b < num_blocks_; ++b) push_free(b, BlockInfo{});
}

// The next unused block (the head of the LRU order), its record made now.
BlockId BlockPool::take_unused() {
  const BlockId b = static_cast<BlockId>(blocks_.size());
  const Block* before = blocks_.data();
  blocks_.emplace_back();
  if (blocks_.data() != before) lru_->bind_slots(&blocks_[0].policy_slot, sizeof(Block) / sizeof(uint32_t));
  if (keeps_positions_) position_.push_back(0);
  if (keeps_release_times_) released_at_.push_back(0);
  return b;
}

void BlockPool::allocate(uint32_t n, std::vector<BlockId>& out, uint64_t now_ns, uint32_t mark_private_from) {
  if (n > num_free_blocks()) throw std::logic_error("BlockPool::allocate beyond the free blocks");
  count_refs(n);
  for (uint32_t i = 0; i < n; ++i) {
    BlockId b;
    if (!expired_.empty()) {
      b = expired_.back();
      expired_.pop_back();
    } else if (lru_ && radix_ == nullptr && num_unused() > 0) {
      b = take_unused();  // holds no KV: nothing to evict
      Block& blk = blocks_[b];
      blk.ref_cnt = 1;
      if (out.size() >= mark_private_from) blk.hash = kUnindexed;
      out.push_back(b);
      continue;
    } else if (lru_ && radix_ == nullptr) {
      const BlockId e = lru_->pop_victim_flags();
      b = e & LruFreeQueue::kIdMask;
      const BlockId ahead = lru_->victim_ahead(16);  // records are scattered
      if (ahead != kNoBlock) prefetch(ahead);
      if (e & LruFreeQueue::kExclusive) {
        // Freed by release_exclusive: what its record says is in the entry; write, don't read.
        if (e & LruFreeQueue::kHoldsKv) {
          --cached_free_;
          ++stats_.evictions;
        }
        Block& blk = blocks_[b];
        blk.ref_cnt = 1;
        blk.hash = out.size() >= mark_private_from ? kUnindexed : 0;
        out.push_back(b);
        continue;
      }
      if (prefetch_evictions_) {
        const BlockId near = lru_->victim_ahead(3);
        if (near != kNoBlock && blocks_[near].hash != 0 && !(blocks_[near].hash & kUnindexed))
          cached_.prefetch(blocks_[near].hash);
      }
    } else if (radix_ == nullptr || policy_->num_free() > 0) {
      b = pop_free(now_ns);
      const BlockId ahead = policy_->victim_ahead(16);  // records are scattered
      if (ahead != kNoBlock) prefetch(ahead);
      if (prefetch_evictions_) {
        // A nearer victim's metadata has arrived by now: fetch the index entry its eviction erases.
        const BlockId near = policy_->victim_ahead(3);
        if (near != kNoBlock && blocks_[near].hash != 0 && !(blocks_[near].hash & kUnindexed))
          cached_.prefetch(blocks_[near].hash);
      }
    } else {
      b = radix_->pop_pinned();  // every free block is an inner node: evict the oldest anyway
    }
    Block& blk = blocks_[b];
    if ((blk.hash & kUnindexed) && lru_ && radix_ == nullptr) {
      // Private KV under LRU, the common eviction: no index entry, no listener, no policy call.
      blk.hash = 0;
      --cached_free_;
      ++stats_.evictions;
    } else if (blk.hash != 0) {
      const BlockHash evicted = blk.hash & ~kUnindexed;
      const bool indexed = !(blk.hash & kUnindexed);  // private KV is worth no copy elsewhere
      drop_hash(b, now_ns);
      ++stats_.evictions;
      if (listener_ && indexed) listener_->on_block_evicted(evicted, position_[b], now_ns);
    }
    blk.ref_cnt = 1;
    if (out.size() >= mark_private_from) blk.hash = kUnindexed;
    out.push_back(b);
  }
}

void BlockPool::take_free(BlockId b) {
  if (radix_ && radix_->is_pinned(b)) radix_->unpin(b);
  else if (lru_) lru_->remove_free(b);
  else policy_->remove_free(b);
}

void BlockPool::touch(BlockId b, uint64_t now_ns) {
  if (blocks_[b].ref_cnt == 0) {
    take_free(b);
    --cached_free_;
  }
  ++blocks_[b].ref_cnt;
  count_refs(1);
  if (lru_ == nullptr) policy_->on_hit(b, now_ns);
}

void BlockPool::release(BlockId b, uint32_t position, uint64_t now_ns, bool filled) {
  Block& blk = blocks_[b];
  if (blk.ref_cnt == 0) throw std::logic_error("BlockPool::release of a free block");
  count_refs(-1);
  if (!filled && blk.hash == kUnindexed) blk.hash = 0;  // marked private at allocation, never full
  if (--blk.ref_cnt == 0) {
    const bool has_kv = blk.hash != 0;
    if (has_kv) ++cached_free_;
    if (!position_.empty()) position_[b] = position;
    if (!released_at_.empty()) released_at_[b] = now_ns;
    if (!on_freed(b, has_kv, now_ns)) push_free(b, BlockInfo{has_kv, position, now_ns, blk.hash & ~kUnindexed});
  }
}

void BlockPool::cache(BlockId b, BlockHash hash, BlockHash parent_hash) {
  if (blocks_[b].hash != 0 || cached_.find(hash) != FlatHashMap::kMissing) return;
  blocks_[b].hash = hash;
  cached_.insert(hash, b);
  ++stats_.cached_inserts;
  if (radix_) on_cached(b, parent_hash);
}

void BlockPool::cache_private(BlockId b, BlockHash hash) {
  if (radix_) return cache(b, hash);  // the radix tree links every node through the index
  if (blocks_[b].hash != 0) return;
  blocks_[b].hash = hash | kUnindexed;
  ++stats_.cached_inserts;
}

void BlockPool::index_private(BlockId b, BlockHash hash) {
  if (!is_private(b)) return;
  if (cached_.find(hash) != FlatHashMap::kMissing) return;  // (cannot happen for private content)
  blocks_[b].hash = hash;
  cached_.insert(hash, b);
}

void BlockPool::drop_hash(BlockId b, uint64_t) {
  Block& blk = blocks_[b];
  const BlockHash h = blk.hash & ~kUnindexed;
  if (!(blk.hash & kUnindexed)) cached_.erase(h);
  if (lru_ == nullptr) policy_->on_evicted(b, h);
  blk.hash = 0;
  --cached_free_;
  if (radix_) on_dropped(b);
}

// ---------------------------------------------------------------- the options' hook points
// (on_freed is inline in the header: release() is hot.)

void BlockPool::on_cached(BlockId b, BlockHash parent_hash) {
  if (parent_hash == 0) return;
  const BlockId p = cached_.find(parent_hash);
  if (p == FlatHashMap::kMissing) return;
  radix_->link(b, p);
  // A free parent (its sequence's copy of the block was a duplicate) stops being a leaf.
  if (blocks_[p].ref_cnt == 0 && !radix_->is_pinned(p)) {
    policy_->remove_free(p);
    radix_->pin(p);
  }
}

void BlockPool::on_dropped(BlockId b) {
  const BlockId leaf = radix_->unlink(b);
  if (leaf != kNoBlock && radix_->is_pinned(leaf)) {
    radix_->unpin(leaf);
    // It rejoins the order as of its own last release (a time-ordered policy places it there).
    policy_->push_free(leaf, BlockInfo{true, position_[leaf], released_at_[leaf], hash_of(leaf)});
  }
}

void BlockPool::expire_slow(uint64_t now_ns) {
  while (!expiry_.empty() && expiry_.front().second + ttl_ns_ <= now_ns) {
    const auto [b, released] = expiry_.front();
    expiry_.pop_front();
    if (blocks_[b].ref_cnt != 0 || blocks_[b].hash == 0 || released_at_[b] != released) continue;  // reused since
    const BlockHash h = hash_of(b);
    const bool indexed = !is_private(b);
    take_free(b);
    drop_hash(b, now_ns);
    ++stats_.expirations;
    expired_.push_back(b);
    if (listener_ && indexed) listener_->on_block_expired(h, released + ttl_ns_);
  }
}

void BlockPool::enable_radix_tree() {
  if (cached_.size() != 0) throw std::logic_error("BlockPool::enable_radix_tree after blocks were cached");
  if (lru_ && !blocks_.empty()) throw std::logic_error("BlockPool::enable_radix_tree after blocks were used");
  materialise_all();  // (the tree's order is kept by the policy: no unused blocks outside it)
  radix_ = std::make_unique<RadixTree>(num_blocks());
  private_hashes_needed_ = true;
  keep_positions();
  keep_release_times();
}

}  // namespace kvsim
