#include "engine/replica.h"

#include <stdexcept>

#include "kv/eviction_registry.h"

namespace kvsim {

Replica::Replica(uint32_t id, const ReplicaConfig& config, const StepModel& step_model, ReplicaObserver& observer)
    : id_(id), config_(config), step_model_(step_model), observer_(observer) {
  if (config.kv_layout == KvLayout::kContiguous) {
    kv_ = std::make_unique<ContiguousKvCacheManager>(config.num_gpu_blocks, config.block_size, config.max_model_len);
  } else {
    kv_ = std::make_unique<PagedKvCacheManager>(config.num_gpu_blocks, config.block_size, config.enable_prefix_caching,
                                                make_eviction_policy(config.eviction_policy, config.eviction_params));
  }
  if (config.batching == Batching::kStatic) {
    scheduler_ = std::make_unique<StaticBatchScheduler>(config.scheduler, *kv_);
  } else {
    scheduler_ = std::make_unique<VllmScheduler>(config.scheduler, *kv_);
  }
  current_.scheduled.reserve(config.scheduler.max_num_seqs);
}

void Replica::add_request(Request* req) {
  req->replica = id_;
  const uint32_t total = req->spec.prompt_tokens + req->spec.output_tokens;
  if (req->spec.prompt_tokens == 0 || req->spec.output_tokens == 0) {
    observer_.on_dropped(*req, "empty_prompt_or_output");
  } else if (total > config_.max_model_len) {
    observer_.on_dropped(*req, "exceeds_max_model_len");
  } else if (!kv_->can_ever_fit(total)) {
    observer_.on_dropped(*req, "exceeds_kv_capacity");
  } else {
    scheduler_->add_request(req);
  }
}

SimTime Replica::begin_step(SimTime now) {
  if (busy_) throw std::logic_error("Replica::begin_step while a step is running");
  scheduler_->schedule(now, current_);
  if (current_.scheduled.empty()) {
    if (scheduler_->num_running() == 0 && scheduler_->num_waiting() > 0)
      throw std::logic_error("replica stalled: waiting requests but nothing can be scheduled");
    return kNever;
  }
  busy_ = true;
  step_start_ = now;
  return now + std::max<SimTime>(1, from_seconds(step_model_.step_seconds(current_.shape)));
}

void Replica::end_step(SimTime now) {
  busy_ = false;
  scheduler_->update_from_output(current_, now, outcome_);
  observer_.on_step(id_, current_, step_start_, now);
  for (Request* r : outcome_.finished) observer_.on_finished(*r);
}

}  // namespace kvsim
