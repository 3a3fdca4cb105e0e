#include <catch2/catch.hpp>

#include "engine/scheduler.h"
#include "kv/kv_cache_manager.h"

#include <algorithm>
#include <deque>

using namespace kvsim;

namespace {

struct Fixture {
  explicit Fixture(uint32_t blocks, SchedulerConfig cfg = {}, bool prefix_caching = false)
      : kv(blocks, 16, prefix_caching), sched(cfg, kv) {}
  Request& add(uint32_t prompt, uint32_t output, int32_t priority = 0, SimTime arrival = -1) {
    requests.emplace_back();
    Request& r = requests.back();
    r.spec.id = requests.size() - 1;
    r.spec.prompt_tokens = prompt;
    r.spec.output_tokens = output;
    r.spec.priority = priority;
    r.spec.arrival = arrival >= 0 ? arrival : static_cast<SimTime>(requests.size());
    r.spec.content.own_stream = 100 + requests.size();
    sched.add_request(&r);
    return r;
  }
  // One engine step at time `now`.
  SchedulerOutput& step(SimTime now) {
    sched.schedule(now, out);
    sched.update_from_output(out, now + 1, outcome);
    return out;
  }
  uint32_t scheduled_tokens(const Request& r) const {
    for (const auto& s : out.scheduled)
      if (s.request == &r) return s.num_new_tokens;
    return 0;
  }
  PagedKvCacheManager kv;
  VllmScheduler sched;
  std::deque<Request> requests;
  SchedulerOutput out;
  StepOutcome outcome;
};

}  // namespace

TEST_CASE("a step never schedules more tokens than max_num_batched_tokens") {
  SchedulerConfig cfg;
  cfg.max_num_batched_tokens = 100;
  Fixture f(1000, cfg);
  f.add(70, 5);
  f.add(70, 5);
  auto& out = f.step(0);
  REQUIRE(out.shape.total_tokens() == 100);
  REQUIRE(out.scheduled.size() == 2);
  REQUIRE(out.scheduled[1].num_new_tokens == 30);  // the second prompt is chunked
}

TEST_CASE("chunked prefill spreads a long prompt over steps and samples only at its end") {
  SchedulerConfig cfg;
  cfg.max_num_batched_tokens = 64;
  Fixture f(1000, cfg);
  Request& r = f.add(150, 3);
  f.step(0);
  REQUIRE(r.num_computed_tokens == 64);
  REQUIRE(r.num_output_tokens == 0);
  f.step(10);
  REQUIRE(r.num_computed_tokens == 128);
  REQUIRE(f.out.shape.prefill_attn_pairs == Approx(64.0 * 64 + 64.0 * 65 / 2));
  f.step(20);
  REQUIRE(r.num_computed_tokens == 150);
  REQUIRE(r.num_output_tokens == 1);
  REQUIRE(r.first_token == 21);
  f.step(30);  // a decode
  REQUIRE(f.out.shape.num_decode_seqs == 1);
  REQUIRE(f.out.shape.decode_context_tokens == 151);
  f.step(40);
  REQUIRE(r.status == RequestStatus::kFinished);
  REQUIRE(r.num_output_tokens == 3);
  REQUIRE(f.kv.pool().num_free_blocks() == 1000);
}

TEST_CASE("without chunked prefill a prompt that does not fit the remaining budget waits") {
  SchedulerConfig cfg;
  cfg.max_num_batched_tokens = 100;
  cfg.enable_chunked_prefill = false;
  Fixture f(1000, cfg);
  Request& a = f.add(60, 5);
  Request& b = f.add(60, 5);
  f.step(0);
  REQUIRE(f.scheduled_tokens(a) == 60);
  REQUIRE(f.scheduled_tokens(b) == 0);
  f.step(10);  // a decodes (1 token), b's 60 fit now
  REQUIRE(f.scheduled_tokens(b) == 60);
}

TEST_CASE("running requests are scheduled before waiting ones") {
  SchedulerConfig cfg;
  cfg.max_num_batched_tokens = 10;
  Fixture f(1000, cfg);
  Request& a = f.add(10, 5);
  f.step(0);
  Request& b = f.add(50, 5);
  f.step(10);
  REQUIRE(f.out.scheduled.front().request == &a);
  REQUIRE(f.scheduled_tokens(b) == 9);
}

TEST_CASE("max_num_seqs bounds the running requests") {
  SchedulerConfig cfg;
  cfg.max_num_seqs = 2;
  Fixture f(1000, cfg);
  for (int i = 0; i < 5; ++i) f.add(10, 50);
  f.step(0);
  REQUIRE(f.sched.num_running() == 2);
  REQUIRE(f.sched.num_waiting() == 3);
}

TEST_CASE("when blocks run out the most recently admitted request is preempted and recomputes") {
  // 10 blocks of 16 tokens; three requests of 48-token prompts fill 9 blocks, decodes need more.
  Fixture f(10);
  Request& a = f.add(48, 40, 0, 1);
  Request& b = f.add(48, 40, 0, 2);
  Request& c = f.add(48, 40, 0, 3);
  f.step(0);
  REQUIRE(f.sched.num_running() == 3);
  bool preempted = false;
  for (int s = 1; s < 40 && !preempted; ++s) {
    f.step(s * 10);
    preempted = f.out.num_preempted > 0;
  }
  REQUIRE(preempted);
  REQUIRE(c.status == RequestStatus::kPreempted);
  REQUIRE(c.num_preemptions == 1);
  REQUIRE(c.num_computed_tokens == 0);
  REQUIRE(c.kv.blocks.empty());
  REQUIRE(c.spec.arrival == 3);  // keeps its arrival time
  REQUIRE(a.num_preemptions == 0);
  REQUIRE(b.num_preemptions == 0);
  // The preempted request is first in line again and finishes after recomputing.
  const auto all_done = [&] {
    return a.status == RequestStatus::kFinished && b.status == RequestStatus::kFinished &&
           c.status == RequestStatus::kFinished;
  };
  for (int s = 0; s < 1000 && !all_done(); ++s) f.step(1000 + s * 10);
  REQUIRE(a.status == RequestStatus::kFinished);
  REQUIRE(b.status == RequestStatus::kFinished);
  REQUIRE(c.status == RequestStatus::kFinished);
  REQUIRE(c.num_output_tokens == 40);
  REQUIRE(f.kv.pool().num_free_blocks() == 10);
}

TEST_CASE("under the priority policy the lowest-priority running request is the victim") {
  SchedulerConfig cfg;
  cfg.policy = SchedulingPolicy::kPriority;
  Fixture f(10, cfg);
  Request& low = f.add(48, 40, 5, 1);   // admitted first but least important
  Request& high = f.add(48, 40, 0, 2);
  Request& mid = f.add(48, 40, 1, 3);
  f.step(0);
  bool preempted = false;
  for (int s = 1; s < 40 && !preempted; ++s) {
    f.step(s * 10);
    preempted = f.out.num_preempted > 0;
  }
  REQUIRE(preempted);
  REQUIRE(low.num_preemptions == 1);
  REQUIRE(high.num_preemptions == 0);
  REQUIRE(mid.num_preemptions == 0);
}

TEST_CASE("the priority policy admits waiting requests by priority, then arrival") {
  SchedulerConfig cfg;
  cfg.policy = SchedulingPolicy::kPriority;
  cfg.max_num_seqs = 1;
  Fixture f(100, cfg);
  // Queued in an order that is neither: equal priorities must fall back to arrival (and, at
  // equal arrival, to the request id), whatever order they were queued in.
  Request& late = f.add(16, 1, 0, 30);
  Request& lax = f.add(16, 1, 3, 1);
  Request& early = f.add(16, 1, 0, 20);
  Request& tied_second = f.add(16, 1, 0, 25);
  Request& tied_first = f.add(16, 1, 0, 25);
  std::swap(tied_first.spec.id, tied_second.spec.id);  // same arrival: the lower id goes first
  std::vector<const Request*> order;
  for (SimTime t = 0; t < 5; ++t) {
    f.step(t * 10);
    REQUIRE(f.out.scheduled.size() == 1);
    order.push_back(f.out.scheduled.front().request);
  }
  REQUIRE(order == std::vector<const Request*>{&early, &tied_first, &tied_second, &late, &lax});
}

TEST_CASE("a cached prefix is not recomputed and at least one token always is") {
  Fixture f(100, {}, true);
  Request& a = f.add(64, 2);
  f.step(0);
  f.step(10);
  REQUIRE(a.status == RequestStatus::kFinished);
  Request& b = f.add(64, 2);
  b.spec.content = a.spec.content;  // identical prompt
  f.step(20);
  REQUIRE(b.num_cached_tokens == 48);  // 4 full blocks, but the last one holds the token to sample from
  REQUIRE(f.scheduled_tokens(b) == 16);
}

TEST_CASE("static batching runs a batch to its longest answer before admitting more") {
  SchedulerConfig cfg;
  cfg.max_num_seqs = 2;
  ContiguousKvCacheManager kv(100, 16, 256);
  StaticBatchScheduler sched(cfg, kv);
  std::deque<Request> reqs(3);
  uint32_t outputs[3] = {2, 5, 1};
  for (int i = 0; i < 3; ++i) {
    reqs[i].spec.id = i;
    reqs[i].spec.prompt_tokens = 10 + 10 * i;
    reqs[i].spec.output_tokens = outputs[i];
    sched.add_request(&reqs[i]);
  }
  SchedulerOutput out;
  StepOutcome outcome;
  sched.schedule(0, out);
  REQUIRE(out.shape.prefill_tokens == 2 * 20);  // both padded to the longest prompt
  sched.update_from_output(out, 1, outcome);
  int steps = 1;
  while (outcome.finished.empty()) {
    sched.schedule(steps, out);
    REQUIRE(out.shape.num_decode_seqs == 2);
    sched.update_from_output(out, steps + 1, outcome);
    ++steps;
  }
  REQUIRE(steps == 5);  // the longest answer is 5 tokens
  REQUIRE(reqs[0].finished == reqs[1].finished);
  REQUIRE(reqs[0].num_output_tokens == 2);
  REQUIRE(reqs[2].first_scheduled < 0);  // waited for the next batch
}

TEST_CASE("the scheduler's invariants hold after every step, and a broken one is named") {
  SchedulerConfig cfg;
  cfg.max_num_batched_tokens = 64;
  cfg.max_num_seqs = 3;
  Fixture f(12, cfg, true);
  for (int i = 0; i < 6; ++i) f.add(40, 30);
  for (SimTime t = 0; t < 200 && f.sched.has_work(); ++t) {
    f.sched.schedule(t * 10, f.out);
    REQUIRE(f.sched.check_invariants(f.out) == "");
    f.sched.update_from_output(f.out, t * 10 + 1, f.outcome);
  }
  REQUIRE_FALSE(f.sched.has_work());
  REQUIRE(std::any_of(f.requests.begin(), f.requests.end(), [](const Request& r) { return r.num_preemptions > 0; }));

  SECTION("block references that the block tables do not account for") {
    Fixture g(12, cfg, true);
    Request& r = g.add(40, 30);
    g.step(0);
    REQUIRE(g.sched.check_invariants(g.out) == "");
    r.kv.blocks.pop_back();  // a table that lost a block its reference count still holds
    REQUIRE_THAT(g.sched.check_invariants(g.out), Catch::Contains("block reference counts add up to 3") &&
                                                      Catch::Contains("hold 2"));
#ifndef NDEBUG
    // Debug builds check at the end of every schedule().
    REQUIRE_THROWS_WITH(g.sched.schedule(10, g.out), Catch::Contains("scheduler invariant broken"));
#endif
  }
  SECTION("a step over the token budget") {
    Fixture g(12, cfg, true);
    Request& r = g.add(40, 30);
    g.step(0);
    g.out.scheduled.push_back({&r, 60});
    REQUIRE_THAT(g.sched.check_invariants(g.out), Catch::Contains("over max_num_batched_tokens 64"));
  }
}
