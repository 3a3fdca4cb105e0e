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
#include <optional>
#include <vector>

#include <unordered_map>

#include "kv/block_pool.h"
#include "kv/prefill_time.h"
#include "kv/private_tail.h"
#include "kv/request_kv_state.h"
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

// The cached prefix of a request, as get_computed_blocks found it (vLLM's new_computed_blocks
// and num_new_computed_tokens): the scheduler passes it back to allocate_slots or, when part of
// it is to be loaded from a lower tier, to KvTransfers::start_load. The scheduler owns one and
// reuses it, so a lookup allocates nothing once its vectors have grown.
struct PrefixHit {
  std::vector<BlockId> blocks;  // GPU blocks holding the prefix, in sequence order
  BlockHash last_hash = 0;      // the hash of the last of them (0 = none)
  uint32_t tokens = 0;          // tokens they cover (a multiple of the block size)
  LoadPlan load;                // the part found below the GPU, and how much of it to load
  uint32_t load_tokens = 0;     // tokens start_load would bring in (0 = allocate_slots)
  void clear() {
    blocks.clear();
    last_hash = 0;
    tokens = load_tokens = 0;
    load.clear();
  }
};

class KvTransfers;

class KvCacheManager {
 public:
  virtual ~KvCacheManager() = default;
  // Looks up the longest cached prefix of a request that has nothing computed (anything else
  // finds nothing): at most num_tokens - 1 tokens, a multiple of the block size, so that at
  // least one token is computed to sample from. Takes no references yet.
  virtual void get_computed_blocks(const RequestKvState& kv, const KvTokens& t, SimTime now, PrefixHit& hit) = 0;
  // Makes room for `num_new_tokens` more tokens of the request, after `hit` (the prefix just
  // looked up, for a request being admitted; null: none). Returns false, changing nothing, when
  // the free blocks do not suffice. On success the caller adds hit->tokens to the request's
  // computed tokens.
  virtual bool allocate_slots(RequestKvState& kv, const KvTokens& t, uint32_t num_new_tokens, SimTime now,
                              const PrefixHit* hit = nullptr) = 0;
  // After a step: the request's computed tokens advanced; hash and cache blocks that became full.
  virtual void on_computed(RequestKvState& kv, const KvTokens& t) = 0;
  // Releases everything the request holds; a preempted request's blocks stay findable by it.
  virtual void free(RequestKvState& kv, const KvTokens& t, FreeReason why, SimTime now) = 0;
  // Whether a request of `tokens` tokens could ever be served with every block free.
  virtual bool can_ever_fit(uint32_t tokens) const = 0;
  // How many leading blocks of the hash chain `chain[0..n)` the GPU prefix cache holds now, as a
  // router asks it: a const lookup that touches no LRU order, reference count or statistic.
  virtual uint32_t cached_prefix_blocks(const BlockHash* /*chain*/, uint32_t /*n*/) const { return 0; }
  // Appends the hash of every block the GPU prefix cache can hit now (a router's snapshot).
  virtual void cached_block_hashes(std::vector<BlockHash>& /*out*/) const {}
  virtual KvUsage usage() const = 0;
  // Block records the manager has made: they grow with the blocks used, up to the total.
  virtual uint64_t block_records() const { return 0; }
  // Sum of the blocks' reference counts (what the running requests' block tables must add up
  // to: the scheduler's debug checks compare them).
  virtual uint64_t total_block_refs() const = 0;
  const PrefixCacheStats& prefix_stats() const { return stats_; }
  // Whether on_computed does anything (the scheduler skips the call otherwise).
  bool needs_on_computed() const { return needs_on_computed_; }
  // The common case of allocate_slots, inline: AppendRule::fits says whether `n` more tokens of
  // a request fit in its blocks and fill none (so there is nothing to cache). True means done,
  // exactly as allocate_slots would have done it; false means "call allocate_slots".
  struct AppendRule {
    uint32_t block_size = 0;  // 0 = never take the shortcut
    bool fills_matter = true;  // a block that fills must be hashed and cached by allocate_slots
    bool fits(const RequestKvState& kv, uint32_t computed, uint32_t n) const {
      return append_fits_blocks(kv, computed, n, block_size) &&
             (!fills_matter || !append_fills_block(kv, computed + n, block_size));
    }
  };
  AppendRule append_rule() const { return {append_block_size_, append_fills_matter_}; }
  // KV tiers and swapping, when the manager has them (null otherwise).
  KvTransfers* transfers() { return transfers_; }
  const KvTransfers* transfers() const { return transfers_; }

 protected:
  PrefixCacheStats stats_;
  bool needs_on_computed_ = false;
  // append_rule(): the block size (0 = never take the shortcut), and whether a block that
  // fills must go through allocate_slots (to be hashed and cached).
  uint32_t append_block_size_ = 0;
  bool append_fills_matter_ = true;
  KvTransfers* transfers_ = nullptr;
};

// The KV tiers below the GPU and swap space (kv/tiers/kv_offloader.h), offered only by a paged
// manager with an offloader attached: loads of a prefix found in a lower tier, offloads, swap
// preemption, and the completions the event loop wakes the replica for.
class KvTransfers {
 public:
  virtual ~KvTransfers() = default;
  // Takes the request's GPU prefix (hit.blocks) and blocks for hit.load_tokens tokens, and
  // starts loading them; returns the load's wake-up token, or nothing (changing nothing) when
  // blocks are short. The request waits for on_transfer_done; the caller adds hit.tokens to its
  // computed tokens now.
  virtual std::optional<uint64_t> start_load(RequestKvState& kv, const KvTokens& t, const PrefixHit& hit,
                                             SimTime now) = 0;
  // A transfer the replica was woken for completed. For a load: the tokens whose KV it brought
  // (the caller adds them to the request it started the load for); nothing for an offload.
  virtual std::optional<uint32_t> on_transfer_done(uint64_t token, SimTime now) = 0;
  // Starts the offloads queued since the last call; `step_done` at the end of a step, when the
  // blocks it computed can be written through.
  virtual void flush_transfers(SimTime now, bool step_done) = 0;
  // Completion times of started transfers, for the event loop to wake the replica.
  virtual std::vector<Wakeup>& wakeups() = 0;
  // Swap preemption: copies the request's KV to host swap space (the caller then frees its
  // blocks and keeps its computed tokens). False when swapping is impossible: recompute.
  virtual bool swap_out(RequestKvState& kv, SimTime now) = 0;
  // Seconds of swap copies the step starting at `now` must include.
  virtual double take_step_transfer_seconds(SimTime now) = 0;
  virtual const KvOffloader& attached_offloader() const = 0;
  // Integrates the storage of the replica's private tiers up to the end of the run.
  virtual void finish(SimTime end) = 0;
};

class PagedKvCacheManager final : public KvCacheManager, private KvTransfers {
 public:
  // `policy` null: the pool's built-in LRU free queue (vLLM's).
  PagedKvCacheManager(uint32_t num_blocks, uint32_t block_size, bool enable_prefix_caching,
                      std::unique_ptr<EvictionPolicy> policy = nullptr);
  void get_computed_blocks(const RequestKvState& kv, const KvTokens& t, SimTime now, PrefixHit& hit) override;
  bool allocate_slots(RequestKvState& kv, const KvTokens& t, uint32_t num_new_tokens, SimTime now,
                      const PrefixHit* hit = nullptr) override;
  void on_computed(RequestKvState& kv, const KvTokens& t) override;
  void free(RequestKvState& kv, const KvTokens& t, FreeReason why, SimTime now) override;
  bool can_ever_fit(uint32_t tokens) const override;
  uint32_t cached_prefix_blocks(const BlockHash* chain, uint32_t n) const override {
    uint32_t k = 0;
    if (prefix_caching_)
      while (k < n && pool_.lookup(chain[k]) != kNoBlock) ++k;
    return k;
  }
  void cached_block_hashes(std::vector<BlockHash>& out) const override {
    if (!prefix_caching_) return;
    for (BlockId b = 0; b < pool_.num_materialised_blocks(); ++b)
      if (const BlockHash h = pool_.hash_of(b); h != 0 && pool_.lookup(h) == b) out.push_back(h);
  }
  KvUsage usage() const override;
  uint64_t block_records() const override { return pool_.num_materialised_blocks(); }
  uint64_t total_block_refs() const override { return pool_.total_ref_count(); }
  const BlockPool& pool() const { return pool_; }
  BlockPool& pool() { return pool_; }
  PrivateTail& private_tail() { return private_tail_; }

  // Options, all off by default (set before the first request):
  // token-level KV eviction (token_budget.h; needs prefix caching off);
  void set_token_budget(const TokenBudget& budget) {
    budget_ = budget;
    needs_on_computed_ = budget_.active();
    append_block_size_ = budget_.active() ? 0 : block_size_;
  }
  // the prefill-time estimate that prices reuse (PrefixCacheStats::reuse_seconds_saved);
  void set_prefill_time(PrefillTime prefill_time) { prefill_time_ = std::move(prefill_time); }
  // the tiers below the GPU and the swap space (transfers() is non-null from then on).
  void attach_offloader(std::unique_ptr<KvOffloader> offloader);
  KvOffloader* offloader() { return offloader_.get(); }
  const KvOffloader* offloader() const { return offloader_.get(); }

 private:
  // KvTransfers, once an offloader is attached.
  std::optional<uint64_t> start_load(RequestKvState& kv, const KvTokens& t, const PrefixHit& hit,
                                     SimTime now) override;
  std::optional<uint32_t> on_transfer_done(uint64_t token, SimTime now) override;
  void flush_transfers(SimTime now, bool step_done) override;
  std::vector<Wakeup>& wakeups() override { return offloader_->wakeups(); }
  bool swap_out(RequestKvState& kv, SimTime now) override;
  double take_step_transfer_seconds(SimTime now) override;
  const KvOffloader& attached_offloader() const override { return *offloader_; }
  void finish(SimTime end) override { offloader_->finish(end); }

  // Caches the blocks that are full once `tokens` tokens are in KV (most calls fill none).
  void cache_blocks(RequestKvState& kv, const PromptContent& c, uint32_t tokens) {
    if (prefix_caching_ && append_fills_block(kv, tokens, block_size_)) cache_full_blocks(kv, c, tokens);
  }
  void cache_full_blocks(RequestKvState& kv, const PromptContent& c, uint32_t tokens);
  uint32_t blocks_for(uint32_t tokens) const { return (tokens + block_size_ - 1) / block_size_; }
  // Admission bookkeeping shared by allocate_slots and start_load: takes the GPU hits.
  void admit_hits(RequestKvState& kv, const KvTokens& t, const PrefixHit* hit, uint32_t extra_cached_blocks,
                  SimTime now);
  // Hit blocks that are free now (they leave the free set when touched).
  uint32_t free_hits(const PrefixHit* hit) const;
  // Blocks a request keeps under the token budget once `total_tokens` are computed.
  uint32_t budget_blocks(const KvTokens& t, uint32_t total_tokens) const {
    return blocks_for(budget_.held(t.spec.prompt_tokens, total_tokens));
  }
  BlockPool pool_;
  uint32_t block_size_;
  bool prefix_caching_;
  PrivateTail private_tail_{pool_, block_size_};

  TokenBudget budget_;
  PrefillTime prefill_time_;
  std::unique_ptr<KvOffloader> offloader_;
  struct Loading {
    RequestKvState* kv;
    std::vector<BlockHash> hashes;  // the loaded blocks, in order after the GPU hits
  };
  std::unordered_map<uint64_t, Loading> loading_;  // by wake-up token
};

class ContiguousKvCacheManager final : public KvCacheManager {
 public:
  // Each admitted request reserves `reserve_tokens` tokens (the max model length), rounded up
  // to blocks, in one contiguous extent found first-fit.
  ContiguousKvCacheManager(uint32_t num_blocks, uint32_t block_size, uint32_t reserve_tokens);
  void get_computed_blocks(const RequestKvState&, const KvTokens&, SimTime, PrefixHit& hit) override { hit.clear(); }
  bool allocate_slots(RequestKvState& kv, const KvTokens& t, uint32_t num_new_tokens, SimTime now,
                      const PrefixHit* hit = nullptr) override;
  void on_computed(RequestKvState&, const KvTokens&) override {}
  void free(RequestKvState& kv, const KvTokens& t, FreeReason why, SimTime now) override;
  uint64_t total_block_refs() const override { return used_blocks_; }
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
