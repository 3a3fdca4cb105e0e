#include "engine/replica.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "core/error.h"
#include "kv/eviction_registry.h"
#include "workload/text_number.h"

namespace kvsim {

namespace {

// Seconds to prefill `n` tokens after `context` cached ones, alone, in chunks of the step's token
// budget: what recomputing them costs this replica.
double prefill_seconds(const StepModel& model, uint32_t chunk, uint32_t n, uint32_t context) {
  double s = 0;
  while (n > 0) {
    const uint32_t q = std::min(n, std::max<uint32_t>(chunk, 1));
    BatchShape b;
    b.num_prefill_seqs = 1;
    b.prefill_tokens = q;
    b.prefill_attn_pairs = static_cast<double>(q) * context + 0.5 * static_cast<double>(q) * (q + 1);
    b.prefill_kv_tokens = context + q;
    b.num_sampled = q == n ? 1 : 0;
    s += model.step_seconds(b);
    n -= q;
    context += q;
  }
  return s;
}

}  // namespace

Replica::Replica(uint32_t id, const ReplicaConfig& config, const StepModel& step_model, ReplicaObserver& observer,
                 const std::vector<std::shared_ptr<TierStore>>& shared_tiers)
    : id_(id), config_(config), step_model_(step_model), observer_(observer) {
  if (config.kv_layout == KvLayout::kContiguous) {
    kv_ = std::make_unique<ContiguousKvCacheManager>(config.num_gpu_blocks, config.block_size, config.max_model_len);
  } else {
    // Policies that weigh recompute costs price them with one unchunked prefill.
    const PrefillTime unchunked = [&step_model](uint32_t n, uint32_t context) {
      return prefill_seconds(step_model, 1u << 30, n, context);
    };
    auto paged = std::make_unique<PagedKvCacheManager>(
        config.num_gpu_blocks, config.block_size, config.enable_prefix_caching,
        make_eviction_policy(config.eviction_policy,
                             resolve_policy_params(config.eviction_policy, config.eviction_params, config.block_size,
                                                   unchunked),
                             config.radix_tree));
    if (config.radix_tree) paged->pool().enable_radix_tree();
    if (config.kv_ttl_s > 0) paged->pool().set_ttl(static_cast<uint64_t>(from_seconds(config.kv_ttl_s)));
    paged->set_token_budget(config.scheduler.token_budget);
    const uint32_t chunk = config.scheduler.max_num_batched_tokens;
    PrefillTime prefill_time = [&step_model, chunk](uint32_t n, uint32_t context) {
      return prefill_seconds(step_model, chunk, n, context);
    };
    paged->set_prefill_time(prefill_time);
    const KvTiersConfig& tc = config.kv_tiers;
    if (!tc.empty() || config.scheduler.preemption_mode == PreemptionMode::kSwap) {
      std::vector<std::shared_ptr<TierStore>> tiers;
      for (size_t t = 0; t < tc.tiers.size(); ++t) {
        if (t < shared_tiers.size() && shared_tiers[t]) {
          tiers.push_back(shared_tiers[t]);
        } else {
          const double blocks = std::floor(tc.tiers[t].capacity_bytes / tc.block_bytes);
          tiers.push_back(std::make_shared<TierStore>(tc.tiers[t], std::isinf(blocks) ? 0 : static_cast<uint64_t>(blocks),
                                                      tc.block_bytes));
        }
      }
      paged->attach_offloader(std::make_unique<KvOffloader>(tc, std::move(tiers), config.block_size, prefill_time));
    }
    kv_ = std::move(paged);
  }
  if (config.batching == Batching::kStatic) {
    scheduler_ = std::make_unique<StaticBatchScheduler>(config.scheduler, *kv_);
  } else {
    scheduler_ = std::make_unique<VllmScheduler>(config.scheduler, *kv_);
  }
  // (current_.scheduled grows to the largest batch once: an idle replica costs nothing for it.)
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
  } else if (busy_ && config_.schedule_ahead) {
    held_.push_back(req);
  } else {
    scheduler_->add_request(req);
  }
}

SimTime Replica::begin_step(SimTime now) {
  if (busy_) throw std::logic_error("Replica::begin_step while a step is running");
  scheduler_->schedule(now, current_);
  // Under schedule_ahead this step was formed when the last one started: what arrived since
  // waits for the next, unless there is no step to wait for.
  if (!held_.empty()) {
    for (Request* r : held_) scheduler_->add_request(r);
    held_.clear();
    if (current_.scheduled.empty()) scheduler_->schedule(now, current_);
  }
  if (KvTransfers* t = kv_->transfers()) t->flush_transfers(now, false);  // offload what the allocations evicted
  if (current_.scheduled.empty()) {
    // Requests waiting for a KV load hold blocks: the replica wakes when a load completes.
    // So do finished requests of a prefill replica whose KV is still being pulled.
    if (scheduler_->num_running() == 0 && scheduler_->num_waiting() > 0 && scheduler_->num_loading() == 0 &&
        scheduler_->num_held_kv() == 0)
      throw std::logic_error("replica stalled: waiting requests but nothing can be scheduled");
    return kNever;
  }
  busy_ = true;
  step_start_ = now;
  const double seconds = step_model_.step_seconds(current_.shape) + current_.kv_transfer_seconds;
  // A step ends within the simulated-time range (a toy linear model may ask for 1e299 s).
  if (!(seconds <= to_seconds(kMaxSimTime - now)))
    throw InputError("a step at " + format_number(to_seconds(now)) + " s would last " + format_number(seconds) +
                     " s, past the simulated-time limit of 100 years: check the perf_model's figures");
  return now + std::max<SimTime>(1, from_seconds(seconds));
}

void Replica::on_transfer_done(uint64_t token, SimTime now) {
  if (const std::optional<uint32_t> loaded = kv_->transfers()->on_transfer_done(token, now))
    scheduler_->on_load_done(token, *loaded);
}

uint64_t Replica::evict_all(std::vector<Request*>& out, SimTime now) {
  const size_t first = out.size();
  scheduler_->take_all(out);
  out.insert(out.end(), held_.begin(), held_.end());
  held_.clear();
  busy_ = false;
  accepting_ = false;
  current_.clear();
  uint64_t lost = 0;
  for (size_t i = first; i < out.size(); ++i) {
    Request* r = out[i];
    lost += r->num_computed_tokens;
    kv_->free(r->kv, r->kv_tokens(), FreeReason::kFinished, now);  // (the pool goes with the replica)
    r->num_computed_tokens = 0;
    r->kv.reset();
    r->status = RequestStatus::kWaiting;
  }
  return lost;
}

void Replica::finish_kv(SimTime end) {
  if (KvTransfers* t = kv_->transfers()) t->finish(end);
}

const KvOffloader* Replica::offloader() const {
  const KvTransfers* t = kv_->transfers();
  return t ? &t->attached_offloader() : nullptr;
}

void Replica::end_step(SimTime now) {
  busy_ = false;
  scheduler_->update_from_output(current_, now, outcome_);
  if (KvTransfers* t = kv_->transfers()) t->flush_transfers(now, true);  // offload what the step computed (write-through)
  observer_.on_step(id_, current_, step_start_, now);
  for (Request* r : outcome_.finished) observer_.on_finished(*r);
}

}  // namespace kvsim
