#include "kv/kv_cache_manager.h"

#include <stdexcept>

namespace kvsim {

// ---------------------------------------------------------------- paged

PagedKvCacheManager::PagedKvCacheManager(uint32_t num_blocks, uint32_t block_size,
                                         bool enable_prefix_caching,
                                         std::unique_ptr<EvictionPolicy> policy)
    : pool_(num_blocks, std::move(policy)), block_size_(block_size), prefix_caching_(enable_prefix_caching) {
  pending_hits_.reserve(1024);
  scratch_.reserve(1024);
}

uint32_t PagedKvCacheManager::get_computed_tokens(Request& req, SimTime) {
  pending_hits_.clear();
  pending_last_hash_ = 0;
  pending_for_ = &req;
  if (!prefix_caching_ || req.num_computed_tokens != 0) return 0;
  // At least one token must be computed to sample the next one, as in vLLM.
  const uint32_t max_blocks = (req.num_tokens() - 1) / block_size_;
  BlockHash h = 0;
  for (uint32_t k = 0; k < max_blocks; ++k) {
    h = chain_block_hash(h, req.spec.content, k * block_size_, block_size_);
    const BlockId b = pool_.lookup(h);
    if (b == kNoBlock) break;
    pending_hits_.push_back(b);
    pending_last_hash_ = h;
  }
  return static_cast<uint32_t>(pending_hits_.size()) * block_size_;
}

bool PagedKvCacheManager::allocate_slots(Request& req, uint32_t num_new_tokens, SimTime now) {
  const bool admitting = req.num_computed_tokens == 0 && req.blocks.empty();
  const bool with_hits = admitting && pending_for_ == &req;
  const uint32_t hits = with_hits ? static_cast<uint32_t>(pending_hits_.size()) : 0;
  const uint32_t total_tokens = req.num_computed_tokens + hits * block_size_ + num_new_tokens;
  const uint32_t have = static_cast<uint32_t>(req.blocks.size()) + hits;
  const uint32_t needed = blocks_for(total_tokens) > have ? blocks_for(total_tokens) - have : 0;
  // Hit blocks that are free now leave the free set when touched.
  uint32_t free_hits = 0;
  for (uint32_t i = 0; i < hits; ++i) free_hits += pool_.ref_count(pending_hits_[i]) == 0;
  if (needed + free_hits > pool_.num_free_blocks()) return false;

  if (admitting) {
    for (uint32_t i = 0; i < hits; ++i) {
      pool_.touch(pending_hits_[i], static_cast<uint64_t>(now));
      req.blocks.push_back(pending_hits_[i]);
    }
    req.num_hashed_blocks = hits;
    req.last_block_hash = pending_last_hash_;
    req.num_computed_tokens = hits * block_size_;
    if (req.num_preemptions == 0) req.num_cached_tokens = req.num_computed_tokens;
    ++stats_.admissions;
    stats_.query_blocks += prefix_caching_ ? (req.num_tokens() - 1) / block_size_ : 0;
    stats_.hit_blocks += hits;
    stats_.query_tokens += req.num_tokens();
    stats_.hit_tokens += hits * block_size_;
  }
  pending_for_ = nullptr;
  pool_.allocate(needed, req.blocks, static_cast<uint64_t>(now));
  stats_.evictions = pool_.stats().evictions;
  return true;
}

void PagedKvCacheManager::on_computed(Request& req) {
  if (!prefix_caching_) return;
  const uint32_t full = req.num_computed_tokens / block_size_;
  while (req.num_hashed_blocks < full) {
    const uint32_t k = req.num_hashed_blocks;
    req.last_block_hash = chain_block_hash(req.last_block_hash, req.spec.content, k * block_size_, block_size_);
    pool_.cache(req.blocks[k], req.last_block_hash);
    ++req.num_hashed_blocks;
  }
}

void PagedKvCacheManager::free(Request& req, SimTime now) {
  // The tail of a sequence is the least likely to be shared, so it is freed (queued for
  // eviction) first, as in vLLM.
  for (size_t i = req.blocks.size(); i-- > 0;)
    pool_.release(req.blocks[i], static_cast<uint32_t>(i), static_cast<uint64_t>(now));
  req.blocks.clear();
  req.num_hashed_blocks = 0;
  req.last_block_hash = 0;
  if (pending_for_ == &req) pending_for_ = nullptr;
}

bool PagedKvCacheManager::can_ever_fit(uint32_t tokens) const {
  return blocks_for(tokens) <= pool_.num_blocks();
}

KvUsage PagedKvCacheManager::usage() const {
  KvUsage u;
  u.blocks_total = pool_.num_blocks();
  u.blocks_free = pool_.num_free_blocks();
  u.blocks_used = u.blocks_total - u.blocks_free;
  u.blocks_cached_free = pool_.num_cached_free_blocks();
  return u;
}

// ---------------------------------------------------------------- contiguous

ContiguousKvCacheManager::ContiguousKvCacheManager(uint32_t num_blocks, uint32_t block_size,
                                                   uint32_t reserve_tokens)
    : num_blocks_(num_blocks), block_size_(block_size),
      reserve_blocks_((reserve_tokens + block_size - 1) / block_size) {
  if (num_blocks > 0) free_extents_[0] = num_blocks;
}

bool ContiguousKvCacheManager::allocate_slots(Request& req, uint32_t num_new_tokens, SimTime) {
  if (req.extent_blocks > 0) {
    if (req.num_computed_tokens + num_new_tokens > req.extent_blocks * block_size_)
      throw std::logic_error("request outgrew its contiguous reservation");
    return true;
  }
  for (auto it = free_extents_.begin(); it != free_extents_.end(); ++it) {
    if (it->second < reserve_blocks_) continue;
    req.extent_start = it->first;
    req.extent_blocks = reserve_blocks_;
    const uint32_t rest_start = it->first + reserve_blocks_, rest_len = it->second - reserve_blocks_;
    free_extents_.erase(it);
    if (rest_len > 0) free_extents_[rest_start] = rest_len;
    used_blocks_ += reserve_blocks_;
    ++stats_.admissions;
    stats_.query_tokens += req.num_tokens();
    return true;
  }
  return false;
}

void ContiguousKvCacheManager::free(Request& req, SimTime) {
  if (req.extent_blocks == 0) return;
  uint32_t start = req.extent_start, len = req.extent_blocks;
  auto next = free_extents_.lower_bound(start);
  if (next != free_extents_.end() && next->first == start + len) {
    len += next->second;
    next = free_extents_.erase(next);
  }
  if (next != free_extents_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == start) {
      start = prev->first;
      len += prev->second;
      free_extents_.erase(prev);
    }
  }
  free_extents_[start] = len;
  used_blocks_ -= req.extent_blocks;
  req.extent_blocks = 0;
}

bool ContiguousKvCacheManager::can_ever_fit(uint32_t tokens) const {
  return (tokens + block_size_ - 1) / block_size_ <= reserve_blocks_ && reserve_blocks_ <= num_blocks_;
}

KvUsage ContiguousKvCacheManager::usage() const {
  KvUsage u;
  u.blocks_total = num_blocks_;
  u.blocks_used = used_blocks_;
  u.blocks_free = num_blocks_ - used_blocks_;
  return u;
}

uint32_t ContiguousKvCacheManager::largest_free_extent() const {
  uint32_t best = 0;
  for (const auto& [start, len] : free_extents_) best = std::max(best, len);
  return best;
}

}  // namespace kvsim
