// Schedulers decide, before every engine step, which requests run and how many tokens each
// computes. VllmScheduler mirrors vLLM v1's scheduler.py (continuous batching with a token
// budget, chunked prefill, recompute preemption); with chunked prefill off and an unlimited
// budget it is Orca's iteration-level batching. StaticBatchScheduler is request-level batching
// as in FasterTransformer: a batch runs to its longest answer before the next is formed.
#pragma once
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/request.h"
#include "kv/kv_cache_manager.h"
#include "perf/step_model.h"

namespace kvsim {

enum class SchedulingPolicy { kFcfs, kPriority };
// What preemption does with the victim's KV: drop it and recompute (vLLM v1), or copy it to
// host swap space and back (vLLM v0's swap; falls back to recompute when swap space is full).
enum class PreemptionMode { kRecompute, kSwap };

struct SchedulerConfig {
  uint32_t max_num_seqs = 256;
  uint32_t max_num_batched_tokens = 8192;
  bool enable_chunked_prefill = true;
  uint32_t long_prefill_token_threshold = 0;  // 0 = no cap per request per step
  SchedulingPolicy policy = SchedulingPolicy::kFcfs;
  PreemptionMode preemption_mode = PreemptionMode::kRecompute;
  TokenBudget token_budget;  // token-level KV eviction: shortens the context decodes attend over
  // A disaggregated prefill replica (vLLM's kv_role kv_producer): its requests come with one
  // output token to make (the cluster holds the answer's length aside), and a finished request's
  // KV stays in the replica (vLLM's delay_free_blocks) until the decode side has pulled it
  // (Scheduler::release_held_kv).
  bool prefill_only = false;
};

// Where a disaggregated decode replica pulls a request's prompt KV from (the cluster's KV
// transfer network, sim/run/disagg.h). start_pull returns the transfer's token; the replica is
// told of its completion through Replica::on_remote_kv_done.
class RemoteKvSource {
 public:
  virtual ~RemoteKvSource() = default;
  virtual uint64_t start_pull(const Request& req, uint32_t tokens, SimTime now) = 0;
};

struct ScheduledRequest {
  Request* request;
  uint32_t num_new_tokens;
};

// One step's work: who runs, and the batch shape the step model prices.
struct SchedulerOutput {
  std::vector<ScheduledRequest> scheduled;
  BatchShape shape;
  uint32_t num_preempted = 0;
  double kv_transfer_seconds = 0;  // swap copies the step waits for before its forward pass
  void clear() {
    scheduled.clear();
    shape = BatchShape{};
    num_preempted = 0;
    kv_transfer_seconds = 0;
  }
};

// What happened to requests at the end of a step.
struct StepOutcome {
  std::vector<Request*> finished;
  std::vector<Request*> first_tokens;  // produced their first token this step
  uint64_t tokens_generated = 0;
  void clear() {
    finished.clear();
    first_tokens.clear();
    tokens_generated = 0;
  }
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual void add_request(Request* req) = 0;
  // A request whose KV finished loading from a lower tier (it was admitted before the requests
  // now waiting, so it goes first).
  virtual void add_loaded(Request* req) { add_request(req); }
  // The KV load with wake-up token `token` (KvTransfers::start_load) brought `tokens` tokens:
  // they count as computed, and the request is scheduled again.
  void on_load_done(uint64_t token, uint32_t tokens);
  // A remote KV pull (RemoteKvSource::start_pull) completed: the tokens pulled count as
  // computed, and the request is scheduled again.
  void on_remote_load_done(uint64_t token);
  // Disaggregated serving. The decode side: where requests with remote_kv_tokens pull them from.
  void set_remote_kv(RemoteKvSource* source) { remote_ = source; }
  // The prefill side (SchedulerConfig::prefill_only): frees the KV a finished request left
  // held for its transfer.
  virtual void release_held_kv(const Request& /*req*/, SimTime /*now*/) {}
  virtual size_t num_held_kv() const { return 0; }
  // Requests waiting for a KV load (they hold blocks but are neither waiting nor running).
  size_t num_loading() const { return loading_.size(); }
  // Forms the next step. An empty output means there is nothing to run now.
  virtual void schedule(SimTime now, SchedulerOutput& out) = 0;
  // Applies a finished step: advances computed tokens, samples, finishes requests.
  virtual void update_from_output(const SchedulerOutput& out, SimTime now, StepOutcome& outcome) = 0;
  virtual size_t num_running() const = 0;
  virtual size_t num_waiting() const = 0;
  bool has_work() const { return num_running() + num_waiting() > 0; }
  // Sum of the KV tokens computed for the requests now running.
  virtual uint64_t running_kv_tokens() const = 0;
  // The first of the scheduler's invariants that the step just formed (`out`) breaks, or "":
  // the token budget, the sequence cap, and the blocks' reference counts, which must add up to
  // the block tables of the requests holding blocks (as vLLM's scheduler asserts). Debug builds
  // check it at the end of every schedule() and throw std::logic_error on a violation.
  virtual std::string check_invariants(const SchedulerOutput& out) const = 0;
  // Hands every request (running, waiting, loading) to `out` and forgets them: the replica goes
  // away (a spot interruption) and its KV with it.
  virtual void take_all(std::vector<Request*>& out) = 0;

 protected:
  // Checks the reference counts against the block tables of `holders` plus the loading requests.
  std::string check_block_refs(const KvCacheManager& kv, uint64_t table_blocks) const;
  // Throws std::logic_error when check_invariants finds a violation (debug builds only).
  void assert_invariants(const SchedulerOutput& out) const;
  std::unordered_map<uint64_t, Request*> loading_;  // KV loads in flight, by wake-up token
  RemoteKvSource* remote_ = nullptr;
};

class VllmScheduler final : public Scheduler {
 public:
  VllmScheduler(const SchedulerConfig& config, KvCacheManager& kv);
  void add_request(Request* req) override;
  void add_loaded(Request* req) override;
  void schedule(SimTime now, SchedulerOutput& out) override;
  void update_from_output(const SchedulerOutput& out, SimTime now, StepOutcome& outcome) override;
  size_t num_running() const override { return running_.size(); }
  size_t num_waiting() const override { return waiting_.size() + waiting_heap_.size(); }
  uint64_t running_kv_tokens() const override;
  std::string check_invariants(const SchedulerOutput& out) const override;
  void take_all(std::vector<Request*>& out) override;
  void release_held_kv(const Request& req, SimTime now) override;
  size_t num_held_kv() const override { return held_kv_.size(); }
  const std::vector<Request*>& running() const { return running_; }

 private:
  Request* peek_waiting() const;
  void pop_waiting();
  void push_waiting_front(Request* req);  // a preempted request goes back first in line
  Request* choose_victim();
  void preempt(Request* victim, SimTime now);
  inline void add_to_shape(const Request& req, uint32_t num_new_tokens, BatchShape& shape) const;
  uint32_t cap_new_tokens(uint32_t n, uint32_t budget) const;
  [[gnu::noinline, gnu::cold]] void hold_kv(Request* req);  // prefill_only: keep a finished request's KV

  SchedulerConfig config_;
  KvCacheManager& kv_;
  std::vector<Request*> running_;
  std::deque<Request*> waiting_;  // FCFS order; under kPriority kept as a heap in a vector
  std::vector<Request*> waiting_heap_;
  PrefixHit hit_;  // the prefix lookup of the request being admitted (reused: no allocation)
  // prefill_only: the KV of finished requests until their transfer completes, with the token
  // counts the KV manager frees it by.
  struct HeldKv {
    RequestKvState kv;
    RequestSpec spec;
    uint32_t computed = 0, tokens = 0;
  };
  std::unordered_map<const Request*, HeldKv> held_kv_;
};

class StaticBatchScheduler final : public Scheduler {
 public:
  StaticBatchScheduler(const SchedulerConfig& config, KvCacheManager& kv);
  void add_request(Request* req) override { waiting_.push_back(req); }
  void schedule(SimTime now, SchedulerOutput& out) override;
  void update_from_output(const SchedulerOutput& out, SimTime now, StepOutcome& outcome) override;
  size_t num_running() const override { return batch_.size(); }
  size_t num_waiting() const override { return waiting_.size(); }
  uint64_t running_kv_tokens() const override;
  std::string check_invariants(const SchedulerOutput& out) const override;
  void take_all(std::vector<Request*>& out) override;

 private:
  SchedulerConfig config_;
  KvCacheManager& kv_;
  std::deque<Request*> waiting_;
  std::vector<Request*> batch_;
  uint32_t padded_prompt_ = 0;   // every prompt is padded to the longest in the batch
  uint32_t padded_output_ = 0;   // and every answer runs to the longest
  uint32_t steps_done_ = 0;      // 0 = prefill pending
};

}  // namespace kvsim
