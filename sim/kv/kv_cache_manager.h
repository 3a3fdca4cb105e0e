// KVCacheManager: the KV memory of one replica as the scheduler sees it (vLLM v1's
// kv_cache_manager.py). The scheduler asks it for the cached prefix of a new request, then for
// slots for the tokens it schedules; a refusal means "preempt someone or wait". Two layouts:
//   PagedKvCacheManager      - vLLM's paged blocks with automatic prefix caching;
//   ContiguousKvCacheManager - one contiguous max-length reservation per request, as serving
//                              systems did before PagedAttention (no prefix caching).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "engine/request.h"
#include "kv/block_pool.h"

namespace kvsim {

struct KvUsage {
  uint32_t blocks_total = 0;
  uint32_t blocks_used = 0;         // referenced by a request (or reserved)
  uint32_t blocks_cached_free = 0;  // free but holding reusable KV
  uint32_t blocks_free = 0;         // free, including cached_free
};

struct PrefixCacheStats {
  uint64_t admissions = 0;     // prefix lookups of admitted requests
  uint64_t query_blocks = 0;   // full blocks that could have hit
  uint64_t hit_blocks = 0;
  uint64_t query_tokens = 0;   // tokens of the looked-up requests
  uint64_t hit_tokens = 0;
  uint64_t evictions = 0;      // cached blocks whose KV was dropped
};

class KvCacheManager {
 public:
  virtual ~KvCacheManager() = default;
  // Looks up the longest cached prefix of a request that has nothing computed; returns the
  // number of tokens it covers (a multiple of the block size, always < num_tokens so that at
  // least one token is computed to sample from). Takes no references yet.
  virtual uint32_t get_computed_tokens(Request& req, SimTime now) = 0;
  // Makes room for `num_new_tokens` more tokens of `req` (after the prefix just looked up, for a
  // new request). Returns false, changing nothing, when the free blocks do not suffice.
  virtual bool allocate_slots(Request& req, uint32_t num_new_tokens, SimTime now) = 0;
  // After a step: the request's computed tokens advanced; hash and cache blocks that became full.
  virtual void on_computed(Request& req) = 0;
  // Releases everything the request holds (finish or preemption).
  virtual void free(Request& req, SimTime now) = 0;
  // Whether a request of `tokens` tokens could ever be served with every block free.
  virtual bool can_ever_fit(uint32_t tokens) const = 0;
  virtual KvUsage usage() const = 0;
  const PrefixCacheStats& prefix_stats() const { return stats_; }

 protected:
  PrefixCacheStats stats_;
};

class PagedKvCacheManager final : public KvCacheManager {
 public:
  PagedKvCacheManager(uint32_t num_blocks, uint32_t block_size, bool enable_prefix_caching,
                      std::unique_ptr<EvictionPolicy> policy);
  uint32_t get_computed_tokens(Request& req, SimTime now) override;
  bool allocate_slots(Request& req, uint32_t num_new_tokens, SimTime now) override;
  void on_computed(Request& req) override;
  void free(Request& req, SimTime now) override;
  bool can_ever_fit(uint32_t tokens) const override;
  KvUsage usage() const override;
  const BlockPool& pool() const { return pool_; }

 private:
  uint32_t blocks_for(uint32_t tokens) const { return (tokens + block_size_ - 1) / block_size_; }
  BlockPool pool_;
  uint32_t block_size_;
  bool prefix_caching_;
  // The prefix found by the last get_computed_tokens, consumed by the next allocate_slots.
  std::vector<BlockId> pending_hits_;
  BlockHash pending_last_hash_ = 0;
  const Request* pending_for_ = nullptr;
  std::vector<BlockId> scratch_;
};

class ContiguousKvCacheManager final : public KvCacheManager {
 public:
  // Each admitted request reserves `reserve_tokens` tokens (the max model length), rounded up
  // to blocks, in one contiguous extent found first-fit.
  ContiguousKvCacheManager(uint32_t num_blocks, uint32_t block_size, uint32_t reserve_tokens);
  uint32_t get_computed_tokens(Request&, SimTime) override { return 0; }
  bool allocate_slots(Request& req, uint32_t num_new_tokens, SimTime now) override;
  void on_computed(Request&) override {}
  void free(Request& req, SimTime now) override;
  bool can_ever_fit(uint32_t tokens) const override;
  KvUsage usage() const override;
  // Largest free extent, in blocks: with enough total free memory but no extent this large,
  // the memory is externally fragmented.
  uint32_t largest_free_extent() const;

 private:
  std::map<uint32_t, uint32_t> free_extents_;  // start block -> length in blocks
  uint32_t num_blocks_, block_size_, reserve_blocks_;
  uint32_t used_blocks_ = 0;
};

}  // namespace kvsim
