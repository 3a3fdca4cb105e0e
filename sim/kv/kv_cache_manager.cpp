#include "kv/kv_cache_manager.h"

#include <algorithm>

#include "workload/stream_ids.h"

#include <stdexcept>

namespace kvsim {

// ---------------------------------------------------------------- paged

namespace {
// The first token position no other request can share (UINT32_MAX if all may be shared).
uint32_t first_private_token(const PromptContent& c) {
  return stream_kind(c.own_stream) == StreamKind::kUnique ? std::max(c.hashed_tokens, c.shared_end) : UINT32_MAX;
}
}  // namespace

PagedKvCacheManager::PagedKvCacheManager(uint32_t num_blocks, uint32_t block_size,
                                         bool enable_prefix_caching,
                                         std::unique_ptr<EvictionPolicy> policy)
    : pool_(num_blocks, std::move(policy)), block_size_(block_size), prefix_caching_(enable_prefix_caching) {
  append_block_size_ = block_size;
  append_fills_matter_ = enable_prefix_caching;
  // (pending_hits_ and scratch_ grow to a request's blocks once, then allocate no more: an
  // idle replica of a large fleet costs nothing for them.)
}

uint32_t PagedKvCacheManager::get_computed_tokens(Request& req, SimTime now) {
  pending_hits_.clear();
  pending_last_hash_ = 0;
  pending_for_ = &req;
  pending_load_tokens_ = 0;
  if (!prefix_caching_ || req.num_computed_tokens != 0) return 0;
  pool_.expire(static_cast<uint64_t>(now));
  // At least one token must be computed to sample the next one, as in vLLM.
  uint32_t max_blocks = (req.num_tokens() - 1) / block_size_;
  // Private blocks are findable only by their own request, and only after it was preempted.
  if (req.num_preemptions == 0) max_blocks = std::min(max_blocks, first_private_token(req.spec.content) / block_size_);
  // The walk goes in batches: hash a few blocks ahead (hashes chain on hashes, not on lookups)
  // and start loading their index entries, then probe them in order until the first miss.
  constexpr uint32_t kBatch = 8;
  BlockHash batch[kBatch];
  BlockHash h = 0;
  bool missed = false;
  for (uint32_t k0 = 0; k0 < max_blocks && !missed; k0 += kBatch) {
    const uint32_t n = std::min(kBatch, max_blocks - k0);
    for (uint32_t j = 0; j < n; ++j) {
      h = chain_block_hash(h, req.spec.content, (k0 + j) * block_size_, block_size_);
      batch[j] = h;
      pool_.prefetch_lookup(h);
    }
    for (uint32_t j = 0; j < n; ++j) {
      const BlockId b = pool_.lookup(batch[j]);
      if (b == kNoBlock) {
        missed = true;
        break;
      }
      pending_hits_.push_back(b);
      pending_last_hash_ = batch[j];
    }
  }
  if (offloader_) {  // the walk goes on below the GPU
    offloader_->plan_load(req.spec, req.num_tokens(), static_cast<uint32_t>(pending_hits_.size()), pending_last_hash_,
                          now, plan_);
    pending_load_tokens_ = plan_.load_blocks * block_size_;
  }
  return static_cast<uint32_t>(pending_hits_.size()) * block_size_;
}

void PagedKvCacheManager::admit_hits(Request& req, uint32_t hits, uint32_t extra_cached_blocks, SimTime now) {
  req.private_from = first_private_token(req.spec.content);
  for (uint32_t i = 0; i < hits; ++i) {
    pool_.touch(pending_hits_[i], static_cast<uint64_t>(now));
    req.blocks.push_back(pending_hits_[i]);
  }
  req.num_hashed_blocks = hits;
  req.last_block_hash = pending_last_hash_;
  req.num_computed_tokens = hits * block_size_;
  if (req.num_preemptions == 0) req.num_cached_tokens = (hits + extra_cached_blocks) * block_size_;
  ++stats_.admissions;
  stats_.query_blocks += prefix_caching_ ? (req.num_tokens() - 1) / block_size_ : 0;
  stats_.hit_blocks += hits;
  stats_.query_tokens += req.num_tokens();
  stats_.hit_tokens += hits * block_size_;
  if (pending_for_ != &req) return;
  if (offloader_) offloader_->count_admission(plan_);
  const uint32_t reused = (hits + extra_cached_blocks) * block_size_;
  if (prefill_time_ && reused > 0) {
    const uint32_t total = req.num_tokens();
    stats_.reuse_seconds_saved += prefill_time_(total, 0) - prefill_time_(total - reused, reused);
  }
}

bool PagedKvCacheManager::allocate_slots(Request& req, uint32_t num_new_tokens, SimTime now) {
  // The common case, a decode whose token still fits in its last block, costs two compares.
  if (!budget_.active() && !req.blocks.empty() && req.swapped_blocks == 0 &&
      req.num_computed_tokens + num_new_tokens <= req.blocks.size() * block_size_) {
    cache_blocks(req, req.num_computed_tokens + num_new_tokens);
    return true;
  }
  const bool admitting = req.num_computed_tokens == 0 && req.blocks.empty();
  const bool with_hits = admitting && pending_for_ == &req;
  const uint32_t hits = with_hits ? static_cast<uint32_t>(pending_hits_.size()) : 0;
  const uint32_t total_tokens = req.num_computed_tokens + hits * block_size_ + num_new_tokens;
  const uint32_t have = static_cast<uint32_t>(req.blocks.size()) + hits;
  const uint32_t want = budget_.active() ? budget_blocks(req, total_tokens) : blocks_for(total_tokens);
  const uint32_t needed = want > have ? want - have : 0;
  // Hit blocks that are free now leave the free set when touched.
  uint32_t free_hits = 0;
  for (uint32_t i = 0; i < hits; ++i) free_hits += pool_.ref_count(pending_hits_[i]) == 0;
  if (needed + free_hits > pool_.num_free_blocks()) return false;

  if (admitting) admit_hits(req, hits, 0, now);
  pending_for_ = nullptr;
  // Under a token budget, a sequence past its prompt gives back the blocks of evicted tokens.
  if (budget_.active())
    while (req.blocks.size() > want) {
      pool_.release(req.blocks.back(), static_cast<uint32_t>(req.blocks.size() - 1), static_cast<uint64_t>(now));
      req.blocks.pop_back();
    }
  // Blocks past the shared part hold private KV once full: marked now, while their records are
  // in cache (when the policy needs no hashes; see BlockPool::cache_private).
  const uint32_t private_block = prefix_caching_ && !pool_.private_hashes_needed() ? req.private_from / block_size_ : UINT32_MAX;
  pool_.allocate(needed, req.blocks, static_cast<uint64_t>(now), private_block);
  if (req.swapped_blocks > 0) {  // its KV comes back from host swap space into the new blocks
    offloader_->swap_in(req.swapped_blocks, now);
    req.swapped_blocks = 0;
  }
  stats_.evictions = pool_.stats().evictions;
  if (!budget_.active()) cache_blocks(req, req.num_computed_tokens + num_new_tokens);
  return true;
}

bool PagedKvCacheManager::start_load(Request& req, SimTime now) {
  if (!offloader_ || pending_for_ != &req || plan_.load_blocks == 0) return false;
  const uint32_t hits = static_cast<uint32_t>(pending_hits_.size());
  const uint32_t load = plan_.load_blocks;
  uint32_t free_hits = 0;
  for (uint32_t i = 0; i < hits; ++i) free_hits += pool_.ref_count(pending_hits_[i]) == 0;
  if (load + free_hits > pool_.num_free_blocks()) return false;
  admit_hits(req, hits, load, now);
  pending_for_ = nullptr;
  pending_load_tokens_ = 0;
  pool_.allocate(load, req.blocks, static_cast<uint64_t>(now));
  stats_.evictions = pool_.stats().evictions;
  const uint64_t token = offloader_->submit_load(plan_, now);
  loading_[token] = Loading{&req, std::vector<BlockHash>(plan_.hashes.begin(), plan_.hashes.begin() + load)};
  return true;
}

Request* PagedKvCacheManager::on_transfer_done(uint64_t token, SimTime now) {
  if (!offloader_ || !offloader_->on_transfer_done(token, now)) return nullptr;
  auto it = loading_.find(token);
  if (it == loading_.end()) throw std::logic_error("KV load completed for no waiting request");
  Request& req = *it->second.req;
  // The loaded blocks now hold their KV: cache them as if computed.
  for (BlockHash h : it->second.hashes) {
    pool_.cache(req.blocks[req.num_hashed_blocks], h, req.last_block_hash);
    req.last_block_hash = h;
    ++req.num_hashed_blocks;
  }
  req.num_computed_tokens += static_cast<uint32_t>(it->second.hashes.size()) * block_size_;
  loading_.erase(it);
  return &req;
}

void PagedKvCacheManager::flush_transfers(SimTime now, bool step_done) {
  if (!offloader_) return;
  if (step_done) offloader_->on_step_computed();
  offloader_->flush(now);
}

bool PagedKvCacheManager::swap_out(Request& req, SimTime now) {
  if (!offloader_ || req.blocks.empty()) return false;
  const uint32_t blocks = static_cast<uint32_t>(req.blocks.size());
  if (!offloader_->swap_out(blocks, now)) return false;
  req.swapped_blocks = blocks;
  return true;
}

double PagedKvCacheManager::take_step_transfer_seconds(SimTime now) {
  return offloader_ ? offloader_->take_swap_seconds(now) : 0.0;
}

void PagedKvCacheManager::attach_offloader(std::unique_ptr<KvOffloader> offloader) {
  offloader_ = std::move(offloader);
  if (offloader_ && offloader_->write_back()) pool_.set_eviction_listener(offloader_.get());
}

void PagedKvCacheManager::on_computed(Request& req) {
  // Under a token budget blocks are cached once computed; otherwise allocate_slots did it.
  if (budget_.active()) cache_blocks(req, req.num_computed_tokens);
}

// Hashes and caches the blocks of `req` that are full once its first `tokens` tokens are in KV.
// As in vLLM, allocate_slots caches the blocks a step will fill when it schedules the step, so a
// request scheduled later in the same step can already share them.
void PagedKvCacheManager::cache_full_blocks(Request& req, uint32_t tokens) {
  const uint32_t full = tokens / block_size_;
  // Blocks holding any of the request's private tokens (a unique stream) can only be looked up
  // by this request itself after a preemption, so they skip the index until then.
  const PromptContent& c = req.spec.content;
  const uint32_t private_from = req.private_from;  // (set at admission)
  while (req.num_hashed_blocks < full) {
    const uint32_t k = req.num_hashed_blocks;
    if ((k + 1) * block_size_ > private_from && !pool_.private_hashes_needed()) {
      // This block and every later one are private, and nothing reads their hashes before a
      // preemption (free() computes them then): allocate_slots marked them private already,
      // so they only count as cached now. The chain hash (last_block_hash) stops at the last
      // shared block.
      pool_.count_private_cached(full - k);
      req.num_hashed_blocks = full;
      return;
    }
    if (k + 4 < full) pool_.prefetch(req.blocks[k + 4]);
    const BlockHash parent = req.last_block_hash;
    req.last_block_hash = chain_block_hash(parent, c, k * block_size_, block_size_);
    if ((k + 1) * block_size_ > private_from) pool_.cache_private(req.blocks[k], req.last_block_hash);
    else {
      pool_.cache(req.blocks[k], req.last_block_hash, parent);
      if (offloader_) offloader_->on_gpu_cached(req.last_block_hash);
    }
    ++req.num_hashed_blocks;
  }
}

void PagedKvCacheManager::free(Request& req, SimTime now) {
  // A preempted request will look its own blocks up again when it is readmitted: its private
  // blocks enter the index, under the chain hashes recomputed here.
  if (req.status == RequestStatus::kPreempted) {
    req.private_blocks_indexed = true;
    BlockHash h = 0;
    const uint32_t hashed = std::min<uint32_t>(req.num_hashed_blocks, static_cast<uint32_t>(req.blocks.size()));
    for (uint32_t k = 0; k < hashed; ++k) {
      h = chain_block_hash(h, req.spec.content, k * block_size_, block_size_);
      if (pool_.is_private(req.blocks[k])) pool_.index_private(req.blocks[k], h);
    }
  }
  // The tail of a sequence is the least likely to be shared, so it is freed (queued for
  // eviction) first, as in vLLM.
  // Blocks past the shared part of a request never preempted are its alone and findable by no
  // lookup (marked private when allocated): they are freed without reading their records.
  const bool exclusive = prefix_caching_ && !req.private_blocks_indexed && !pool_.private_hashes_needed() &&
                         pool_.exclusive_release_ok();
  const size_t private_block = exclusive ? req.private_from / block_size_ : SIZE_MAX;
  // The block table is cold too (read backwards below): fetch it first.
  const BlockId* table = req.blocks.data();
  for (size_t i = 0; i < req.blocks.size(); i += 16) __builtin_prefetch(table + i);
  for (size_t i = req.blocks.size(); i-- > 0;) {
    if (i >= 16) pool_.prefetch(req.blocks[i - 16]);  // block metadata is scattered: fetch ahead
    if (i >= private_block) pool_.release_exclusive(req.blocks[i], i < req.num_hashed_blocks);
    else pool_.release(req.blocks[i], static_cast<uint32_t>(i), static_cast<uint64_t>(now), i < req.num_hashed_blocks);
  }
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
