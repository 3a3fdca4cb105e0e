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

#include <unordered_map>

#include "engine/request.h"
#include "kv/block_pool.h"
#include "kv/tiers/kv_offloader.h"
#include "kv/token_budget.h"

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
  // Estimated prefill seconds the GPU hits and tier loads of admitted requests saved (when the
  // replica gave the manager a PrefillTime).
  double reuse_seconds_saved = 0;
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
  // Block records the manager has made: they grow with the blocks used, up to the total.
  virtual uint64_t block_records() const { return 0; }
  const PrefixCacheStats& prefix_stats() const { return stats_; }
  // Whether on_computed does anything (the scheduler skips the call otherwise).
  bool needs_on_computed() const { return needs_on_computed_; }
  // The common case of allocate_slots, inline: AppendRule::fits says whether `n` more tokens of
  // a request fit in its blocks and fill none (so there is nothing to cache). True means done,
  // exactly as allocate_slots would have done it; false means "call allocate_slots".
  struct AppendRule {
    uint32_t block_size = 0;  // 0 = never take the shortcut
    bool fills_matter = true;  // a block that fills must be hashed and cached by allocate_slots
    bool fits(const Request& req, uint32_t n) const {
      const uint32_t t = req.num_computed_tokens + n;
      return t <= static_cast<uint32_t>(req.blocks.size()) * block_size &&
             (!fills_matter || t < (req.num_hashed_blocks + 1) * block_size);
    }
  };
  AppendRule append_rule() const { return {append_block_size_, append_fills_matter_}; }

  // KV tiers and swapping (kv/tiers/kv_offloader.h); the defaults are a manager without them.
  // Tokens of the request just looked up that get_computed_tokens decided to load from a lower
  // tier: when non-zero the scheduler calls start_load instead of allocate_slots.
  uint32_t pending_load_tokens() const { return pending_load_tokens_; }
  // Takes the request's GPU prefix and blocks for the tokens to load, and starts the loads; the
  // request then waits for on_transfer_done. False, changing nothing, when blocks are short.
  virtual bool start_load(Request&, SimTime) { return false; }
  // A transfer the replica was woken for completed; returns the request whose load finished
  // (now holding the loaded KV, ready to schedule), or null.
  virtual Request* on_transfer_done(uint64_t, SimTime) { return nullptr; }
  // Starts the offloads queued since the last call; `step_done` at the end of a step, when the
  // blocks it computed can be written through.
  virtual void flush_transfers(SimTime, bool /*step_done*/) {}
  // Completion times of started transfers, for the event loop to wake the replica (null: none).
  virtual std::vector<Wakeup>* wakeups() { return nullptr; }
  virtual size_t num_loading() const { return 0; }
  // Swap preemption: copies the request's KV to host swap space (the caller then frees its
  // blocks and keeps its computed tokens). False when swapping is impossible: recompute.
  virtual bool swap_out(Request&, SimTime) { return false; }
  // Seconds of swap copies the step starting at `now` must include.
  virtual double take_step_transfer_seconds(SimTime) { return 0; }

 protected:
  PrefixCacheStats stats_;
  bool needs_on_computed_ = false;
  uint32_t pending_load_tokens_ = 0;
  // append_rule(): the block size (0 = never take the shortcut), and whether a block that
  // fills must go through allocate_slots (to be hashed and cached).
  uint32_t append_block_size_ = 0;
  bool append_fills_matter_ = true;
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
  uint64_t block_records() const override { return pool_.num_materialised_blocks(); }
  const BlockPool& pool() const { return pool_; }
  BlockPool& pool() { return pool_; }

  // Options, all off by default (set before the first request):
  // token-level KV eviction (token_budget.h; needs prefix caching off);
  void set_token_budget(const TokenBudget& budget) {
    budget_ = budget;
    needs_on_computed_ = budget_.active();
    append_block_size_ = budget_.active() ? 0 : block_size_;
  }
  // the prefill-time estimate that prices reuse (PrefixCacheStats::reuse_seconds_saved);
  void set_prefill_time(PrefillTime prefill_time) { prefill_time_ = std::move(prefill_time); }
  // the tiers below the GPU and the swap space.
  void attach_offloader(std::unique_ptr<KvOffloader> offloader);
  KvOffloader* offloader() { return offloader_.get(); }
  const KvOffloader* offloader() const { return offloader_.get(); }

  bool start_load(Request& req, SimTime now) override;
  Request* on_transfer_done(uint64_t token, SimTime now) override;
  void flush_transfers(SimTime now, bool step_done) override;
  std::vector<Wakeup>* wakeups() override { return offloader_ ? &offloader_->wakeups() : nullptr; }
  size_t num_loading() const override { return loading_.size(); }
  bool swap_out(Request& req, SimTime now) override;
  double take_step_transfer_seconds(SimTime now) override;

 private:
  // Caches the blocks that are full once `tokens` tokens are in KV (most calls fill none).
  void cache_blocks(Request& req, uint32_t tokens) {
    if (prefix_caching_ && tokens >= (req.num_hashed_blocks + 1) * block_size_) cache_full_blocks(req, tokens);
  }
  void cache_full_blocks(Request& req, uint32_t tokens);
  uint32_t blocks_for(uint32_t tokens) const { return (tokens + block_size_ - 1) / block_size_; }
  // Admission bookkeeping shared by allocate_slots and start_load: takes the pending GPU hits.
  void admit_hits(Request& req, uint32_t hits, uint32_t extra_cached_blocks, SimTime now);
  // Blocks a request keeps under the token budget once `total_tokens` are computed.
  uint32_t budget_blocks(const Request& req, uint32_t total_tokens) const {
    return blocks_for(budget_.held(req.spec.prompt_tokens, total_tokens));
  }
  BlockPool pool_;
  uint32_t block_size_;
  bool prefix_caching_;
  // The prefix found by the last get_computed_tokens, consumed by the next allocate_slots.
  std::vector<BlockId> pending_hits_;
  BlockHash pending_last_hash_ = 0;
  const Request* pending_for_ = nullptr;
  std::vector<BlockId> scratch_;

  TokenBudget budget_;
  PrefillTime prefill_time_;
  std::unique_ptr<KvOffloader> offloader_;
  LoadPlan plan_;  // the lower-tier part of the pending prefix
  struct Loading {
    Request* req;
    std::vector<BlockHash> hashes;  // the loaded blocks, in order after the GPU hits
  };
  std::unordered_map<uint64_t, Loading> loading_;  // by wake-up token
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
