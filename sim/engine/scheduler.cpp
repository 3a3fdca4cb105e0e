#include "engine/scheduler.h"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>

namespace kvsim {

namespace {
// Priority order of vLLM: lower priority value first, then earlier arrival.
bool served_before(const Request* a, const Request* b) {
  if (a->spec.priority != b->spec.priority) return a->spec.priority < b->spec.priority;
  if (a->spec.arrival != b->spec.arrival) return a->spec.arrival < b->spec.arrival;
  return a->spec.id < b->spec.id;
}
bool heap_later(const Request* a, const Request* b) { return served_before(b, a); }
}  // namespace

// ---------------------------------------------------------------- common

void Scheduler::on_load_done(uint64_t token, uint32_t tokens) {
  const auto it = loading_.find(token);
  if (it == loading_.end()) throw std::logic_error("KV load completed for no waiting request");
  Request* req = it->second;
  loading_.erase(it);
  req->num_computed_tokens += tokens;
  add_loaded(req);
}

void Scheduler::on_remote_load_done(uint64_t token) {
  const auto it = loading_.find(token);
  if (it == loading_.end()) throw std::logic_error("remote KV pull completed for no waiting request");
  Request* req = it->second;
  loading_.erase(it);
  req->num_computed_tokens += req->remote_kv_tokens;
  req->remote_kv_tokens = 0;
  add_loaded(req);
}

std::string Scheduler::check_block_refs(const KvCacheManager& kv, uint64_t table_blocks) const {
  for (const auto& [token, r] : loading_) table_blocks += r->kv.blocks.size();
  const uint64_t refs = kv.total_block_refs();
  if (refs == table_blocks) return {};
  return "block reference counts add up to " + std::to_string(refs) + " but the block tables of the requests " +
         "holding blocks hold " + std::to_string(table_blocks);
}

void Scheduler::assert_invariants([[maybe_unused]] const SchedulerOutput& out) const {
#ifndef NDEBUG
  const std::string broken = check_invariants(out);
  if (!broken.empty()) throw std::logic_error("scheduler invariant broken: " + broken);
#endif
}

// ---------------------------------------------------------------- vLLM v1

VllmScheduler::VllmScheduler(const SchedulerConfig& config, KvCacheManager& kv) : config_(config), kv_(kv) {}

void VllmScheduler::add_request(Request* req) {
  req->status = RequestStatus::kWaiting;
  if (config_.policy == SchedulingPolicy::kPriority) {
    waiting_heap_.push_back(req);
    std::push_heap(waiting_heap_.begin(), waiting_heap_.end(), heap_later);
  } else {
    waiting_.push_back(req);
  }
}

void VllmScheduler::take_all(std::vector<Request*>& out) {
  out.insert(out.end(), running_.begin(), running_.end());
  out.insert(out.end(), waiting_.begin(), waiting_.end());
  out.insert(out.end(), waiting_heap_.begin(), waiting_heap_.end());
  for (const auto& [token, req] : loading_) out.push_back(req);
  running_.clear();
  waiting_.clear();
  waiting_heap_.clear();
  loading_.clear();
}

Request* VllmScheduler::peek_waiting() const {
  if (config_.policy == SchedulingPolicy::kPriority) return waiting_heap_.empty() ? nullptr : waiting_heap_.front();
  return waiting_.empty() ? nullptr : waiting_.front();
}

void VllmScheduler::pop_waiting() {
  if (config_.policy == SchedulingPolicy::kPriority) {
    std::pop_heap(waiting_heap_.begin(), waiting_heap_.end(), heap_later);
    waiting_heap_.pop_back();
  } else {
    waiting_.pop_front();
  }
}

void VllmScheduler::push_waiting_front(Request* req) {
  if (config_.policy == SchedulingPolicy::kPriority) {
    waiting_heap_.push_back(req);
    std::push_heap(waiting_heap_.begin(), waiting_heap_.end(), heap_later);
  } else {
    waiting_.push_front(req);
  }
}

Request* VllmScheduler::choose_victim() {
  // FCFS: the most recently admitted running request; priority: the lowest-priority one
  // (largest priority value, then latest arrival).
  if (config_.policy == SchedulingPolicy::kFcfs) return running_.back();
  return *std::max_element(running_.begin(), running_.end(), served_before);
}

void VllmScheduler::add_loaded(Request* req) {
  req->status = RequestStatus::kWaiting;
  push_waiting_front(req);
}

void VllmScheduler::preempt(Request* victim, SimTime now) {
  running_.erase(std::find(running_.begin(), running_.end(), victim));
  victim->status = RequestStatus::kPreempted;
  KvTransfers* transfers = kv_.transfers();
  const bool swapped =
      config_.preemption_mode == PreemptionMode::kSwap && transfers && transfers->swap_out(victim->kv, now);
  kv_.free(victim->kv, victim->kv_tokens(), FreeReason::kPreempted, now);
  if (!swapped) victim->num_computed_tokens = 0;  // recompute: the prompt and the output so far
  ++victim->num_preemptions;
  push_waiting_front(victim);
}

uint32_t VllmScheduler::cap_new_tokens(uint32_t n, uint32_t budget) const {
  if (config_.long_prefill_token_threshold > 0) n = std::min(n, config_.long_prefill_token_threshold);
  return std::min(n, budget);
}

void VllmScheduler::add_to_shape(const Request& req, uint32_t q, BatchShape& shape) const {
  const uint32_t c = req.num_computed_tokens;
  const bool samples = c + q == req.num_tokens();
  if (req.num_output_tokens > 0 && q == 1 && samples) {
    ++shape.num_decode_seqs;
    shape.decode_context_tokens += config_.token_budget.held(req.spec.prompt_tokens, c + 1);
  } else {
    ++shape.num_prefill_seqs;
    shape.prefill_tokens += q;
    shape.prefill_attn_pairs += static_cast<double>(q) * c + 0.5 * static_cast<double>(q) * (q + 1);
    shape.prefill_kv_tokens += c + q;
  }
  shape.num_sampled += samples;
}

void VllmScheduler::schedule(SimTime now, SchedulerOutput& out) {
  out.clear();
  uint32_t budget = config_.max_num_batched_tokens;
  // The batch shape is summed as requests are scheduled; a preemption (which can take back a
  // request already scheduled) makes it summed again at the end.
  BatchShape& shape = out.shape;
  // Most steps of most requests are a decode token that fits the request's last block: taken
  // in a few instructions, their shape summed in locals (the same sums add_to_shape makes).
  const KvCacheManager::AppendRule append = kv_.append_rule();
  const bool plain = config_.long_prefill_token_threshold == 0 && !config_.token_budget.active();
  uint32_t plain_decodes = 0;
  uint64_t plain_context = 0;

  // Running requests first, in admission order.
  for (size_t i = 0; i < running_.size() && budget > 0;) {
    Request* req = running_[i];
    const uint32_t c = req->num_computed_tokens;
    if (plain && req->num_tokens() == c + 1 && req->num_output_tokens > 0 && append.fits(req->kv, c, 1)) {
      out.scheduled.push_back({req, 1});
      ++plain_decodes;
      plain_context += c + 1;
      --budget;
      ++i;
      continue;
    }
    const uint32_t q = cap_new_tokens(req->num_tokens() - c, budget);
    if (q == 0) {
      ++i;
      continue;
    }
    bool scheduled = append.fits(req->kv, c, q);
    while (!scheduled) {
      if (kv_.allocate_slots(req->kv, req->kv_tokens(), q, now)) {
        scheduled = true;
        break;
      }
      Request* victim = choose_victim();
      // A victim already scheduled this step gives back its budget.
      for (size_t k = 0; k < out.scheduled.size(); ++k) {
        if (out.scheduled[k].request != victim) continue;
        budget += out.scheduled[k].num_new_tokens;
        out.scheduled.erase(out.scheduled.begin() + static_cast<long>(k));
        break;
      }
      const size_t victim_index = static_cast<size_t>(std::find(running_.begin(), running_.end(), victim) - running_.begin());
      preempt(victim, now);
      ++out.num_preempted;
      if (victim == req) break;
      if (victim_index < i) --i;
    }
    if (!scheduled) break;
    out.scheduled.push_back({req, q});
    add_to_shape(*req, q, shape);
    budget -= q;
    ++i;
  }

  shape.num_decode_seqs += plain_decodes;
  shape.decode_context_tokens += plain_context;
  shape.num_sampled += plain_decodes;

  // Then waiting requests, unless this step had to preempt.
  if (out.num_preempted == 0) {
    while (budget > 0 && running_.size() < config_.max_num_seqs) {
      Request* req = peek_waiting();
      if (req == nullptr) break;
      kv_.get_computed_blocks(req->kv, req->kv_tokens(), now, hit_);
      if (hit_.load_tokens > 0) {  // more of its prefix is in a lower KV tier: load it
        const std::optional<uint64_t> load = kv_.transfers()->start_load(req->kv, req->kv_tokens(), hit_, now);
        if (!load) break;
        pop_waiting();
        loading_.emplace(*load, req);
        req->num_computed_tokens += hit_.tokens;
        if (req->num_preemptions == 0) req->num_cached_tokens = hit_.tokens + hit_.load_tokens;
        req->status = RequestStatus::kWaitingForKv;
        if (req->first_scheduled < 0) req->first_scheduled = now;
        continue;
      }
      if (req->remote_kv_tokens > 0) {  // disaggregated: pull its prompt's KV from the prefill replica
        // Blocks for the whole prompt are taken now and filled by the transfer (vLLM's
        // WAITING_FOR_REMOTE_KVS); a local prefix hit shortens what is pulled.
        const uint32_t pull = req->remote_kv_tokens - std::min(hit_.tokens, req->remote_kv_tokens);
        if (!kv_.allocate_slots(req->kv, req->kv_tokens(), pull, now, &hit_)) break;
        pop_waiting();
        req->num_computed_tokens = hit_.tokens;  // (num_cached_tokens keeps the prefill's hit)
        req->remote_kv_tokens = pull;
        req->status = RequestStatus::kWaitingForKv;
        loading_.emplace(remote_->start_pull(*req, pull, now), req);
        continue;
      }
      uint32_t q = req->num_tokens() - req->num_computed_tokens - hit_.tokens;
      if (!config_.enable_chunked_prefill && q > budget) break;
      q = cap_new_tokens(q, budget);
      if (!kv_.allocate_slots(req->kv, req->kv_tokens(), q, now, &hit_)) break;
      pop_waiting();
      if (req->num_computed_tokens == 0) {  // admitted: the hit counts as computed
        req->num_computed_tokens = hit_.tokens;
        if (req->num_preemptions == 0) req->num_cached_tokens = hit_.tokens;
      }
      req->status = RequestStatus::kRunning;
      if (req->first_scheduled < 0) req->first_scheduled = now;
      running_.push_back(req);
      out.scheduled.push_back({req, q});
      add_to_shape(*req, q, shape);
      budget -= q;
    }
  } else {
    shape = BatchShape{};
    for (const auto& s : out.scheduled) add_to_shape(*s.request, s.num_new_tokens, shape);
  }
  if (KvTransfers* transfers = kv_.transfers()) out.kv_transfer_seconds = transfers->take_step_transfer_seconds(now);
  assert_invariants(out);
}

void VllmScheduler::update_from_output(const SchedulerOutput& out, SimTime now, StepOutcome& outcome) {
  outcome.clear();
  const bool on_computed = kv_.needs_on_computed();
  const size_t n = out.scheduled.size();
  for (size_t k = 0; k < n; ++k) {
    // Other replicas' steps ran since this one was scheduled: fetch requests ahead.
    if (k + 4 < n) __builtin_prefetch(out.scheduled[k + 4].request, 1);
    const ScheduledRequest& s = out.scheduled[k];
    Request* req = s.request;
    req->num_computed_tokens += s.num_new_tokens;
    if (on_computed) kv_.on_computed(req->kv, req->kv_tokens());
    if (req->num_computed_tokens < req->num_tokens()) continue;  // a prefill chunk, no token yet
    ++req->num_output_tokens;
    ++outcome.tokens_generated;
    if (req->num_output_tokens == 1) {  // its first token (kept across preemptions)
      req->first_token = now;
      outcome.first_tokens.push_back(req);
    }
    if (req->num_output_tokens >= req->spec.output_tokens) {
      // The metrics read the request's other fields once the step is applied: fetch them now.
      __builtin_prefetch(reinterpret_cast<const char*>(req) + 64);
      __builtin_prefetch(reinterpret_cast<const char*>(req) + 128);
      req->status = RequestStatus::kFinished;
      req->finished = now;
      if (config_.prefill_only) [[unlikely]]
        hold_kv(req);  // the KV stays until the decode side has pulled it
      else
        kv_.free(req->kv, req->kv_tokens(), FreeReason::kFinished, now);
      outcome.finished.push_back(req);
    }
  }
  if (!outcome.finished.empty()) {
    running_.erase(std::remove_if(running_.begin(), running_.end(),
                                  [](const Request* r) { return r->status == RequestStatus::kFinished; }),
                   running_.end());
  }
}

std::string VllmScheduler::check_invariants(const SchedulerOutput& out) const {
  uint64_t tokens = 0;
  for (const ScheduledRequest& s : out.scheduled) tokens += s.num_new_tokens;
  if (tokens > config_.max_num_batched_tokens)
    return "the step schedules " + std::to_string(tokens) + " tokens, over max_num_batched_tokens " +
           std::to_string(config_.max_num_batched_tokens);
  if (running_.size() > config_.max_num_seqs)
    return std::to_string(running_.size()) + " requests run, over max_num_seqs " + std::to_string(config_.max_num_seqs);
  // Running requests hold blocks, and so do waiting ones whose KV was loaded from a tier (only
  // with KV transfers: without, a waiting request holding blocks shows as a mismatch).
  uint64_t table_blocks = 0;
  for (const Request* r : running_) table_blocks += r->kv.blocks.size();
  for (const auto& [req, h] : held_kv_) table_blocks += h.kv.blocks.size();
  if (kv_.transfers()) {
    for (const Request* r : waiting_) table_blocks += r->kv.blocks.size();
    for (const Request* r : waiting_heap_) table_blocks += r->kv.blocks.size();
  }
  return check_block_refs(kv_, table_blocks);
}

void VllmScheduler::hold_kv(Request* req) {
  HeldKv& h = held_kv_[req];
  h.kv = std::move(req->kv);
  h.spec = req->spec;
  h.computed = req->num_computed_tokens;
  h.tokens = req->num_tokens();
  req->kv.reset();
}

void VllmScheduler::release_held_kv(const Request& req, SimTime now) {
  const auto it = held_kv_.find(&req);
  if (it == held_kv_.end()) throw std::logic_error("no KV is held for the request released");
  HeldKv& h = it->second;
  kv_.free(h.kv, KvTokens{h.spec, h.computed, h.tokens}, FreeReason::kFinished, now);
  held_kv_.erase(it);
}

uint64_t VllmScheduler::running_kv_tokens() const {
  uint64_t sum = 0;
  for (const Request* r : running_) sum += r->num_computed_tokens;
  return sum;
}

// ---------------------------------------------------------------- static batching

StaticBatchScheduler::StaticBatchScheduler(const SchedulerConfig& config, KvCacheManager& kv)
    : config_(config), kv_(kv) {}

void StaticBatchScheduler::take_all(std::vector<Request*>& out) {
  out.insert(out.end(), batch_.begin(), batch_.end());
  out.insert(out.end(), waiting_.begin(), waiting_.end());
  for (const auto& [token, req] : loading_) out.push_back(req);
  batch_.clear();
  waiting_.clear();
  loading_.clear();
  padded_prompt_ = padded_output_ = steps_done_ = 0;
}

void StaticBatchScheduler::schedule(SimTime now, SchedulerOutput& out) {
  out.clear();
  if (batch_.empty()) {
    // Form a batch: FCFS, as many as fit by count and by KV for prompt and full answer.
    while (!waiting_.empty() && batch_.size() < config_.max_num_seqs) {
      Request* req = waiting_.front();
      if (!kv_.allocate_slots(req->kv, req->kv_tokens(), req->spec.prompt_tokens + req->spec.output_tokens, now)) break;
      waiting_.pop_front();
      req->status = RequestStatus::kRunning;
      req->first_scheduled = now;
      batch_.push_back(req);
    }
    if (batch_.empty()) return;
    padded_prompt_ = padded_output_ = 0;
    for (const Request* r : batch_) {
      padded_prompt_ = std::max(padded_prompt_, r->spec.prompt_tokens);
      padded_output_ = std::max(padded_output_, r->spec.output_tokens);
    }
    steps_done_ = 0;
  }
  const uint64_t b = batch_.size();
  for (Request* r : batch_) out.scheduled.push_back({r, steps_done_ == 0 ? r->spec.prompt_tokens : 1u});
  if (steps_done_ == 0) {
    out.shape.num_prefill_seqs = static_cast<uint32_t>(b);
    out.shape.prefill_tokens = b * padded_prompt_;
    out.shape.prefill_attn_pairs = static_cast<double>(b) * 0.5 * padded_prompt_ * (padded_prompt_ + 1.0);
    out.shape.prefill_kv_tokens = b * padded_prompt_;
  } else {
    out.shape.num_decode_seqs = static_cast<uint32_t>(b);
    out.shape.decode_context_tokens = b * (padded_prompt_ + steps_done_);
  }
  out.shape.num_sampled = static_cast<uint32_t>(b);
  assert_invariants(out);
}

void StaticBatchScheduler::update_from_output(const SchedulerOutput&, SimTime now, StepOutcome& outcome) {
  outcome.clear();
  ++steps_done_;
  for (Request* r : batch_) {
    if (r->num_output_tokens >= r->spec.output_tokens) continue;  // padding: runs, produces nothing
    r->num_computed_tokens = r->num_tokens();
    ++r->num_output_tokens;
    ++outcome.tokens_generated;
    if (r->first_token < 0) {
      r->first_token = now;
      outcome.first_tokens.push_back(r);
    }
  }
  if (steps_done_ < padded_output_) return;
  // The whole batch returns together when its longest answer is done.
  for (Request* r : batch_) {
    r->status = RequestStatus::kFinished;
    r->finished = now;
    kv_.free(r->kv, r->kv_tokens(), FreeReason::kFinished, now);
    outcome.finished.push_back(r);
  }
  batch_.clear();
}

std::string StaticBatchScheduler::check_invariants(const SchedulerOutput&) const {
  if (batch_.size() > config_.max_num_seqs)
    return std::to_string(batch_.size()) + " requests run, over max_num_seqs " + std::to_string(config_.max_num_seqs);
  uint64_t table_blocks = 0;
  for (const Request* r : batch_) table_blocks += r->kv.blocks.size();
  return check_block_refs(kv_, table_blocks);
}

uint64_t StaticBatchScheduler::running_kv_tokens() const {
  uint64_t sum = 0;
  for (const Request* r : batch_) sum += r->num_computed_tokens;
  return sum;
}

}  // namespace kvsim
