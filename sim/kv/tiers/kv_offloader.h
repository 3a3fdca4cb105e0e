// KvOffloader: one replica's way to the KV tiers below its GPU (tier_spec.h), in the spirit of
// vLLM's KV connectors (LMCache, the CPU offloading connector) and Mooncake's store:
//   - offload: a block the GPU evicts (write-back), or every block the GPU caches
//     (write-through), is copied to the first tier; a bounded tier's own evictions cascade to
//     the next tier (write-back). Copies are batched per engine step into one transfer per tier;
//     a block becomes visible in its tier when its transfer completes;
//   - lookup: after the GPU's cached prefix ends, the prefix walk goes on through the tiers
//     (plan_load); the replica then loads the found blocks only when that beats recomputing
//     them (LoadPolicy: faster in seconds, cheaper in dollars, always, never), and the request
//     waits for its load (vLLM's WAITING_FOR_REMOTE_KVS) while others run;
//   - swap preemption: a preempted request's KV is copied to host swap space and back, the
//     copies adding to the steps that issue them, as vLLM v0's swap_in/swap_out did.
// Every transfer crosses a Link shared with the replica's other transfers, so a busy link
// delays it. Completion times are known at submission; the replica hands them to the event loop
// as wake-ups (time, token) and calls on_transfer_done when they fire.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kv/block_pool.h"
#include "kv/prefill_time.h"
#include "kv/tiers/link.h"
#include "kv/tiers/tier_spec.h"
#include "kv/tiers/tier_store.h"
#include "workload/request_spec.h"

namespace kvsim {

// The lower-tier part of a request's cached prefix, and what the replica decided to load.
struct LoadPlan {
  std::vector<BlockHash> hashes;  // found, in prefix order after the GPU's hits
  std::vector<uint8_t> tiers;     // the tier holding each
  uint32_t load_blocks = 0;       // the first load_blocks of them are to be loaded
  double load_seconds = 0;        // estimated, for load_blocks
  double recompute_seconds = 0;   // estimated prefill time the load saves
  void clear() {
    hashes.clear();
    tiers.clear();
    load_blocks = 0;
    load_seconds = recompute_seconds = 0;
  }
};

struct Wakeup {
  SimTime time;
  uint64_t token;
};

struct OffloadStats {
  uint64_t loads = 0;              // requests that loaded KV from a tier
  uint64_t loaded_blocks = 0;
  uint64_t declined_blocks = 0;    // found in a tier but recomputed (loading was not worth it)
  double load_wait_seconds = 0;    // submission to completion, summed over loads
  double recompute_seconds_saved = 0;  // estimated prefill time the loads saved
  uint64_t offload_batches = 0;
  uint64_t offloaded_blocks = 0;   // blocks copied to a tier (after refreshes are filtered)
  uint64_t swap_outs = 0, swap_ins = 0;
  uint64_t swapped_blocks = 0;
  uint64_t swap_refused = 0;       // swap space full: recomputed instead
  double swap_seconds = 0;         // added to steps by swap copies
};

class KvOffloader final : public EvictionListener {
 public:
  // `tiers` holds one store per configured tier, in order (shared stores are passed to every
  // replica's offloader). `config.block_bytes*` must be set.
  KvOffloader(const KvTiersConfig& config, std::vector<std::shared_ptr<TierStore>> tiers, uint32_t block_size,
              PrefillTime prefill_time);

  // GPU evictions (write-back), from the GPU BlockPool; KV the GPU's TTL drops is written back
  // too (it leaves HBM), when the expiry is applied.
  void on_block_evicted(BlockHash hash, uint32_t position, uint64_t now_ns) override;
  void on_block_expired(BlockHash hash, uint64_t expired_at_ns) override;
  // The GPU cached a block others can look up (write-through). Blocks are cached when the step
  // that computes them is scheduled; they are written once that step is done.
  void on_gpu_cached(BlockHash hash);
  void on_step_computed();
  bool write_back() const { return !config_.write_through && !tiers_.empty(); }

  // Walks the tiers for a request of `total_tokens` tokens whose first `first_block` blocks
  // the GPU holds (the last of them hashing to `parent`), up to (total_tokens - 1) / block_size
  // blocks, and decides how much to load.
  void plan_load(const RequestSpec& spec, uint32_t total_tokens, uint32_t first_block, BlockHash parent,
                 SimTime now, LoadPlan& plan);
  // An admitted request's lookup is final: counts its tier hits and the blocks it recomputes.
  void count_admission(const LoadPlan& plan);
  // Submits the loads of `plan` (its first load_blocks blocks); returns the wake-up token. The
  // completion is queued as a wake-up.
  uint64_t submit_load(const LoadPlan& plan, SimTime now);
  // Swap preemption: false when the swap space cannot take `blocks` blocks.
  bool swap_out(uint32_t blocks, SimTime now);
  void swap_in(uint32_t blocks, SimTime now);
  // Seconds the swap copies issued since the last call add to the step starting at `now`.
  double take_swap_seconds(SimTime now);

  // Sends the offloads queued since the last call, one transfer per tier.
  void flush(SimTime now);
  // A transfer completed. Returns true for a load (the caller finishes the request), false for
  // an offload (the blocks are written into their tier here).
  bool on_transfer_done(uint64_t token, SimTime now);
  std::vector<Wakeup>& wakeups() { return wakeups_; }

  // Integrates the storage of the tiers this replica alone owns up to `end`.
  void finish(SimTime end);
  const OffloadStats& stats() const { return stats_; }
  const std::vector<std::shared_ptr<TierStore>>& tiers() const { return tiers_; }
  // Each link of this replica by name (its traffic per direction: Link's counters).
  const std::map<std::string, std::unique_ptr<Link>>& links() const { return links_; }
  double gpu_usd_per_second() const { return config_.num_gpus * config_.usd_per_gpu_hour / 3600.0; }
  const PrefillTime& prefill_time() const { return prefill_time_; }

 private:
  static constexpr uint64_t kLoadToken = uint64_t{1} << 63;
  // Forwards a tier's evictions to the next tier's offload queue.
  class Spill final : public EvictionListener {
   public:
    Spill(KvOffloader& o, size_t below) : offloader_(o), below_(below) {}
    void on_block_evicted(BlockHash hash, uint32_t, uint64_t) override { offloader_.pending_[below_].push_back(hash); }

   private:
    KvOffloader& offloader_;
    size_t below_;
  };
  struct Batch {
    size_t tier;
    std::vector<BlockHash> hashes;
  };
  Link& link(const std::string& name);
  // Dollars (transfer) and seconds (until the last block arrives) of loading the first n blocks.
  double load_cost(const LoadPlan& plan, uint32_t n, SimTime now, double& seconds) const;

  KvTiersConfig config_;
  std::vector<std::shared_ptr<TierStore>> tiers_;
  std::vector<std::unique_ptr<Spill>> spills_;  // spills_[t]: tier t's evictions into tier t+1
  uint32_t block_size_;
  PrefillTime prefill_time_;
  std::map<std::string, std::unique_ptr<Link>> links_;
  std::vector<Link*> tier_links_;
  Link* swap_link_ = nullptr;
  std::vector<std::vector<BlockHash>> pending_;  // per tier, blocks waiting to be offloaded
  std::vector<BlockHash> computing_;             // write-through blocks the running step computes
  std::vector<Batch> batches_;                   // in flight, by slot
  std::vector<uint32_t> free_batches_;
  std::vector<Wakeup> wakeups_;
  uint64_t next_load_ = 0;
  double swap_capacity_blocks_ = 0, swap_used_blocks_ = 0;
  SimTime swap_done_ = 0;                        // latest swap copy completion not yet charged
  OffloadStats stats_;
};

}  // namespace kvsim
