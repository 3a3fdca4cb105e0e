#include "kv/kv_cache_manager.h"

#include <algorithm>
#include <numeric>

#include "workload/stream_ids.h"

#include <stdexcept>

namespace kvsim {

// ---------------------------------------------------------------- paged

PagedKvCacheManager::PagedKvCacheManager(uint32_t num_blocks, uint32_t block_size,
                                         bool enable_prefix_caching,
                                         std::unique_ptr<EvictionPolicy> policy)
    : pool_(num_blocks, std::move(policy)), block_size_(block_size), prefix_caching_(enable_prefix_caching) {
  append_block_size_ = block_size;
  append_fills_matter_ = enable_prefix_caching;
}

void PagedKvCacheManager::get_computed_blocks(const RequestKvState& kv, const KvTokens& t, SimTime now,
                                              PrefixHit& hit) {
  hit.clear();
  if (!prefix_caching_ || t.num_computed != 0) return;
  pool_.expire(static_cast<uint64_t>(now));
  // At least one token must be computed to sample the next one, as in vLLM.
  uint32_t max_blocks = (t.num_tokens - 1) / block_size_;
  // Private blocks are findable only by their own request, and only after it was preempted.
  if (!kv.private_blocks_indexed) max_blocks = std::min(max_blocks, first_private_token(t.spec.content) / block_size_);
  // The walk goes in batches: hash a few blocks ahead (hashes chain on hashes, not on lookups)
  // and start loading their index entries, then probe them in order until the first miss.
  constexpr uint32_t kBatch = 8;
  BlockHash batch[kBatch];
  BlockHash h = 0;
  bool missed = false;
  for (uint32_t k0 = 0; k0 < max_blocks && !missed; k0 += kBatch) {
    const uint32_t n = std::min(kBatch, max_blocks - k0);
    for (uint32_t j = 0; j < n; ++j) {
      h = chain_block_hash(h, t.spec.content, (k0 + j) * block_size_, block_size_);
      batch[j] = h;
      pool_.prefetch_lookup(h);
    }
    for (uint32_t j = 0; j < n; ++j) {
      const BlockId b = pool_.lookup(batch[j]);
      if (b == kNoBlock) {
        missed = true;
        break;
      }
      hit.blocks.push_back(b);
      hit.last_hash = batch[j];
    }
  }
  hit.tokens = static_cast<uint32_t>(hit.blocks.size()) * block_size_;
  if (offloader_) {  // the walk goes on below the GPU
    offloader_->plan_load(t.spec, t.num_tokens, static_cast<uint32_t>(hit.blocks.size()), hit.last_hash, now, hit.load);
    hit.load_tokens = hit.load.load_blocks * block_size_;
  }
}

void PagedKvCacheManager::admit_hits(RequestKvState& kv, const KvTokens& t, const PrefixHit* hit,
                                     uint32_t extra_cached_blocks, SimTime now) {
  kv.private_from = first_private_token(t.spec.content);
  const uint32_t hits = hit ? static_cast<uint32_t>(hit->blocks.size()) : 0;
  for (uint32_t i = 0; i < hits; ++i) {
    pool_.touch(hit->blocks[i], static_cast<uint64_t>(now));
    kv.blocks.push_back(hit->blocks[i]);
  }
  kv.num_hashed_blocks = hits;
  kv.last_block_hash = hit ? hit->last_hash : 0;
  ++stats_.admissions;
  stats_.query_blocks += prefix_caching_ ? (t.num_tokens - 1) / block_size_ : 0;
  stats_.hit_blocks += hits;
  stats_.query_tokens += t.num_tokens;
  stats_.hit_tokens += hits * block_size_;
  if (hit == nullptr) return;
  if (offloader_) offloader_->count_admission(hit->load);
  const uint32_t reused = (hits + extra_cached_blocks) * block_size_;
  if (prefill_time_ && reused > 0) {
    const uint32_t total = t.num_tokens;
    stats_.reuse_seconds_saved += prefill_time_(total, 0) - prefill_time_(total - reused, reused);
  }
}

uint32_t PagedKvCacheManager::free_hits(const PrefixHit* hit) const {
  uint32_t n = 0;
  if (hit)
    for (BlockId b : hit->blocks) n += pool_.ref_count(b) == 0;
  return n;
}

bool PagedKvCacheManager::allocate_slots(RequestKvState& kv, const KvTokens& t, uint32_t num_new_tokens, SimTime now,
                                         const PrefixHit* hit) {
  // The common case, a decode whose token still fits in its last block, costs two compares.
  if (!budget_.active() && !kv.blocks.empty() && kv.swapped_blocks == 0 &&
      append_fits_blocks(kv, t.num_computed, num_new_tokens, block_size_)) {
    cache_blocks(kv, t.spec.content, t.num_computed + num_new_tokens);
    return true;
  }
  const bool admitting = t.num_computed == 0 && kv.blocks.empty();
  if (!admitting) hit = nullptr;
  const uint32_t hits = hit ? static_cast<uint32_t>(hit->blocks.size()) : 0;
  const uint32_t total_tokens = t.num_computed + hits * block_size_ + num_new_tokens;
  const uint32_t have = static_cast<uint32_t>(kv.blocks.size()) + hits;
  const uint32_t want = budget_.active() ? budget_blocks(t, total_tokens) : blocks_for(total_tokens);
  const uint32_t needed = want > have ? want - have : 0;
  if (needed + free_hits(hit) > pool_.num_free_blocks()) return false;

  if (admitting) admit_hits(kv, t, hit, 0, now);
  // Under a token budget, a sequence past its prompt gives back the blocks of evicted tokens.
  if (budget_.active())
    while (kv.blocks.size() > want) {
      pool_.release(kv.blocks.back(), static_cast<uint32_t>(kv.blocks.size() - 1), static_cast<uint64_t>(now));
      kv.blocks.pop_back();
    }
  pool_.allocate(needed, kv.blocks, static_cast<uint64_t>(now), private_tail_.first_block(kv, prefix_caching_));
  if (kv.swapped_blocks > 0) {  // its KV comes back from host swap space into the new blocks
    offloader_->swap_in(kv.swapped_blocks, now);
    kv.swapped_blocks = 0;
  }
  stats_.evictions = pool_.stats().evictions;
  if (!budget_.active()) cache_blocks(kv, t.spec.content, total_tokens);
  return true;
}

std::optional<uint64_t> PagedKvCacheManager::start_load(RequestKvState& kv, const KvTokens& t, const PrefixHit& hit,
                                                        SimTime now) {
  const uint32_t load = hit.load.load_blocks;
  if (load == 0) return std::nullopt;
  if (load + free_hits(&hit) > pool_.num_free_blocks()) return std::nullopt;
  admit_hits(kv, t, &hit, load, now);
  pool_.allocate(load, kv.blocks, static_cast<uint64_t>(now));
  stats_.evictions = pool_.stats().evictions;
  const uint64_t token = offloader_->submit_load(hit.load, now);
  loading_[token] = Loading{&kv, std::vector<BlockHash>(hit.load.hashes.begin(), hit.load.hashes.begin() + load)};
  return token;
}

std::optional<uint32_t> PagedKvCacheManager::on_transfer_done(uint64_t token, SimTime now) {
  if (!offloader_->on_transfer_done(token, now)) return std::nullopt;
  auto it = loading_.find(token);
  if (it == loading_.end()) throw std::logic_error("KV load completed for no waiting request");
  RequestKvState& kv = *it->second.kv;
  // The loaded blocks now hold their KV: cache them as if computed.
  for (BlockHash h : it->second.hashes) {
    pool_.cache(kv.blocks[kv.num_hashed_blocks], h, kv.last_block_hash);
    kv.last_block_hash = h;
    ++kv.num_hashed_blocks;
  }
  const uint32_t tokens = static_cast<uint32_t>(it->second.hashes.size()) * block_size_;
  loading_.erase(it);
  return tokens;
}

void PagedKvCacheManager::flush_transfers(SimTime now, bool step_done) {
  if (step_done) offloader_->on_step_computed();
  offloader_->flush(now);
}

bool PagedKvCacheManager::swap_out(RequestKvState& kv, SimTime now) {
  if (kv.blocks.empty()) return false;
  const uint32_t blocks = static_cast<uint32_t>(kv.blocks.size());
  if (!offloader_->swap_out(blocks, now)) return false;
  kv.swapped_blocks = blocks;
  return true;
}

double PagedKvCacheManager::take_step_transfer_seconds(SimTime now) { return offloader_->take_swap_seconds(now); }

void PagedKvCacheManager::attach_offloader(std::unique_ptr<KvOffloader> offloader) {
  offloader_ = std::move(offloader);
  transfers_ = offloader_ ? static_cast<KvTransfers*>(this) : nullptr;
  if (offloader_ && offloader_->write_back()) pool_.set_eviction_listener(offloader_.get());
}

void PagedKvCacheManager::on_computed(RequestKvState& kv, const KvTokens& t) {
  // Under a token budget blocks are cached once computed; otherwise allocate_slots did it.
  if (budget_.active()) cache_blocks(kv, t.spec.content, t.num_computed);
}

// Hashes and caches the blocks of `kv` that are full once its first `tokens` tokens are in KV.
// As in vLLM, allocate_slots caches the blocks a step will fill when it schedules the step, so a
// request scheduled later in the same step can already share them.
void PagedKvCacheManager::cache_full_blocks(RequestKvState& kv, const PromptContent& c, uint32_t tokens) {
  const uint32_t full = tokens / block_size_;
  while (kv.num_hashed_blocks < full) {
    const uint32_t k = kv.num_hashed_blocks;
    if (private_tail_.skip_hashing(kv, k, full)) return;  // (the rest is private: counted cached)
    if (k + 4 < full) pool_.prefetch(kv.blocks[k + 4]);
    const BlockHash parent = kv.last_block_hash;
    kv.last_block_hash = chain_block_hash(parent, c, k * block_size_, block_size_);
    if (private_tail_.holds_private(kv, k)) private_tail_.cache(kv.blocks[k], kv.last_block_hash);
    else {
      pool_.cache(kv.blocks[k], kv.last_block_hash, parent);
      if (offloader_) offloader_->on_gpu_cached(kv.last_block_hash);
    }
    ++kv.num_hashed_blocks;
  }
}

void PagedKvCacheManager::free(RequestKvState& kv, const KvTokens& t, FreeReason why, SimTime now) {
  // A preempted request will look its own blocks up again when it is readmitted: its private
  // blocks enter the index, under the chain hashes recomputed here.
  if (why == FreeReason::kPreempted) private_tail_.index(kv, t.spec.content);
  // The tail of a sequence is the least likely to be shared, so it is freed (queued for
  // eviction) first, as in vLLM. Blocks of the private tail of a request never preempted are
  // its alone and findable by no lookup: they are freed without reading their records.
  const size_t private_block = private_tail_.first_exclusive_block(kv, prefix_caching_);
  // The block table is cold too (read backwards below): fetch it first.
  const BlockId* table = kv.blocks.data();
  for (size_t i = 0; i < kv.blocks.size(); i += 16) __builtin_prefetch(table + i);
  for (size_t i = kv.blocks.size(); i-- > 0;) {
    if (i >= 16) pool_.prefetch(kv.blocks[i - 16]);  // block metadata is scattered: fetch ahead
    if (i >= private_block) private_tail_.release(kv.blocks[i], i < kv.num_hashed_blocks);
    else pool_.release(kv.blocks[i], static_cast<uint32_t>(i), static_cast<uint64_t>(now), i < kv.num_hashed_blocks);
  }
  kv.blocks.clear();
  kv.num_hashed_blocks = 0;
  kv.last_block_hash = 0;
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

bool ContiguousKvCacheManager::allocate_slots(RequestKvState& kv, const KvTokens& t, uint32_t num_new_tokens, SimTime,
                                              const PrefixHit*) {
  // The block table is the reservation: blocks.front() .. blocks.front() + blocks.size() - 1.
  if (!kv.blocks.empty()) {
    if (t.num_computed + num_new_tokens > kv.blocks.size() * block_size_)
      throw std::logic_error("request outgrew its contiguous reservation");
    return true;
  }
  for (auto it = free_extents_.begin(); it != free_extents_.end(); ++it) {
    if (it->second < reserve_blocks_) continue;
    kv.blocks.resize(reserve_blocks_);
    std::iota(kv.blocks.begin(), kv.blocks.end(), it->first);
    const uint32_t rest_start = it->first + reserve_blocks_, rest_len = it->second - reserve_blocks_;
    free_extents_.erase(it);
    if (rest_len > 0) free_extents_[rest_start] = rest_len;
    used_blocks_ += reserve_blocks_;
    ++stats_.admissions;
    stats_.query_tokens += t.num_tokens;
    return true;
  }
  return false;
}

void ContiguousKvCacheManager::free(RequestKvState& kv, const KvTokens&, FreeReason, SimTime) {
  if (kv.blocks.empty()) return;
  const uint32_t extent = static_cast<uint32_t>(kv.blocks.size());
  uint32_t start = kv.blocks.front(), len = extent;
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
  used_blocks_ -= extent;
  kv.blocks.clear();
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
