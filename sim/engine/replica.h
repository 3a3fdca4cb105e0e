// A replica: one model instance (TP x PP GPUs) with its scheduler, KV cache and step model.
// It runs one step at a time: begin_step forms a batch and prices it, end_step applies it.
#pragma once
#include <cstdint>
#include <memory>

#include "engine/scheduler.h"
#include "kv/kv_cache_manager.h"
#include "kv/tiers/tier_spec.h"
#include "kv/tiers/tier_store.h"
#include "perf/step_model.h"

namespace kvsim {

enum class Batching { kContinuous, kOrca, kStatic };
enum class KvLayout { kPaged, kContiguous };

struct ReplicaConfig {
  Batching batching = Batching::kContinuous;
  SchedulerConfig scheduler;
  KvLayout kv_layout = KvLayout::kPaged;
  uint32_t block_size = 16;
  uint32_t num_gpu_blocks = 0;
  uint32_t max_model_len = 8192;
  bool enable_prefix_caching = true;
  std::string eviction_policy = "lru";
  nlohmann::json eviction_params;
  bool radix_tree = false;      // prefix index: SGLang's radix tree instead of chained hashes
  double kv_ttl_s = 0;          // drop GPU KV left unused this long (0 = never)
  KvTiersConfig kv_tiers;       // tiers below HBM and swap space (kv/tiers/tier_spec.h)
  // Async scheduling (vLLM >= 0.14's default): the batch of step n+1 is decided when step n starts,
  // so a request that arrives while a step runs joins the step after the next one.
  bool schedule_ahead = false;
};

// Receives what happens to requests and steps; the metrics implement it.
class ReplicaObserver {
 public:
  virtual ~ReplicaObserver() = default;
  virtual void on_step(uint32_t replica, const SchedulerOutput& out, SimTime start, SimTime end) = 0;
  virtual void on_finished(Request& req) = 0;
  virtual void on_dropped(Request& req, const char* reason) = 0;
};

class Replica {
 public:
  // `shared_tiers[t]` is the cluster's store for tier t when that tier is shared (see
  // make_shared_tier_stores); private tiers are created here.
  Replica(uint32_t id, const ReplicaConfig& config, const StepModel& step_model, ReplicaObserver& observer,
          const std::vector<std::shared_ptr<TierStore>>& shared_tiers = {});
  uint32_t id() const { return id_; }
  // Queues a request (or drops it, telling the observer, if it can never be served).
  void add_request(Request* req);
  // Starts the next step at `now`; returns when it ends, or kNever if there is nothing to run.
  SimTime begin_step(SimTime now);
  // Ends the step begun last, at `now`.
  void end_step(SimTime now);
  bool busy() const { return busy_; }
  // Whether the router may send requests here (an elastic fleet's replica that is provisioning,
  // draining or under a spot notice does not take new requests).
  bool accepting() const { return accepting_; }
  void set_accepting(bool a) { accepting_ = a; }
  // The replica goes away with its KV (a spot interruption): every request it holds is handed to
  // `out` ready to be recomputed elsewhere (no computed tokens, no blocks; the output so far is
  // kept, as after a recompute preemption). A step in flight is abandoned. Returns the tokens
  // whose KV was lost.
  uint64_t evict_all(std::vector<Request*>& out, SimTime now);
  // A KV transfer this replica asked to be woken for completed (a load or an offload).
  void on_transfer_done(uint64_t token, SimTime now);
  // Completion times of the KV transfers started since the last call, for the event loop to
  // wake the replica at (null without KV tiers or swapping); the caller clears it.
  std::vector<Wakeup>* wakeups() {
    KvTransfers* t = kv_->transfers();
    return t ? &t->wakeups() : nullptr;
  }
  // Disaggregated serving (sim/run/disagg.h). A decode replica pulls requests' prompt KV from
  // `source` and is told when a pull completed; a prefill replica (prefill_only) frees the KV
  // a finished request left held once its transfer completed.
  void set_remote_kv(RemoteKvSource* source) { scheduler_->set_remote_kv(source); }
  void on_remote_kv_done(uint64_t token) { scheduler_->on_remote_load_done(token); }
  void release_held_kv(const Request& req, SimTime now) { scheduler_->release_held_kv(req, now); }
  size_t num_held_kv() const { return scheduler_->num_held_kv(); }
  // Integrates the storage of the replica's private KV tiers up to the end of the run.
  void finish_kv(SimTime end);
  // The replica's way to its KV tiers, or null.
  const KvOffloader* offloader() const;
  size_t num_loading() const { return scheduler_->num_loading(); }
  size_t outstanding() const {
    return scheduler_->num_running() + scheduler_->num_waiting() + held_.size() + scheduler_->num_loading();
  }
  size_t num_running() const { return scheduler_->num_running(); }
  size_t num_waiting() const { return scheduler_->num_waiting() + held_.size(); }
  uint64_t running_kv_tokens() const { return scheduler_->running_kv_tokens(); }
  KvUsage kv_usage() const { return kv_->usage(); }
  uint64_t kv_block_records() const { return kv_->block_records(); }
  const PrefixCacheStats& prefix_stats() const { return kv_->prefix_stats(); }
  // For routers (const, no side effects): the leading blocks of `chain[0..n)` the GPU prefix
  // cache holds now, and every block hash it can hit now (appended to `out`).
  uint32_t cached_prefix_blocks(const BlockHash* chain, uint32_t n) const { return kv_->cached_prefix_blocks(chain, n); }
  void cached_block_hashes(std::vector<BlockHash>& out) const { kv_->cached_block_hashes(out); }

 private:
  uint32_t id_;
  ReplicaConfig config_;
  const StepModel& step_model_;
  ReplicaObserver& observer_;
  std::unique_ptr<KvCacheManager> kv_;
  std::unique_ptr<Scheduler> scheduler_;
  SchedulerOutput current_;
  StepOutcome outcome_;
  SimTime step_start_ = 0;
  bool busy_ = false;
  bool accepting_ = true;
  // Requests that arrived while a step ran under schedule_ahead: the scheduler sees them after it
  // has formed the next step.
  std::vector<Request*> held_;
};

}  // namespace kvsim
