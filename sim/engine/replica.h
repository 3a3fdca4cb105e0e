// A replica: one model instance (TP x PP GPUs) with its scheduler, KV cache and step model.
// It runs one step at a time: begin_step forms a batch and prices it, end_step applies it.
#pragma once
#include <cstdint>
#include <memory>

#include "engine/scheduler.h"
#include "kv/kv_cache_manager.h"
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
  Replica(uint32_t id, const ReplicaConfig& config, const StepModel& step_model, ReplicaObserver& observer);
  uint32_t id() const { return id_; }
  // Queues a request (or drops it, telling the observer, if it can never be served).
  void add_request(Request* req);
  // Starts the next step at `now`; returns when it ends, or kNever if there is nothing to run.
  SimTime begin_step(SimTime now);
  // Ends the step begun last, at `now`.
  void end_step(SimTime now);
  bool busy() const { return busy_; }
  size_t outstanding() const { return scheduler_->num_running() + scheduler_->num_waiting(); }
  size_t num_running() const { return scheduler_->num_running(); }
  size_t num_waiting() const { return scheduler_->num_waiting(); }
  uint64_t running_kv_tokens() const { return scheduler_->running_kv_tokens(); }
  KvUsage kv_usage() const { return kv_->usage(); }
  const PrefixCacheStats& prefix_stats() const { return kv_->prefix_stats(); }

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
};

}  // namespace kvsim
