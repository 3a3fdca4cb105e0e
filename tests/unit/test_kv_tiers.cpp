// KV tiers below the GPU: storage accounting, links that queue transfers, offload (write-back
// and write-through) that neither loses nor duplicates blocks, promotion with the
// load-versus-recompute decision, swap preemption, and token-level eviction budgets.
#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <set>

#include "core/rng.h"
#include "cost/cost.h"
#include "engine/scheduler.h"
#include "kv/eviction_registry.h"
#include "kv/kv_cache_manager.h"
#include "kv/tiers/kv_offloader.h"
#include "kv/tiers/link.h"
#include "kv/tiers/tier_store.h"
#include "kv/token_budget.h"
#include "test_kv_util.h"

using namespace kvsim;
using namespace kvsim::testing;

namespace {

constexpr double kBlockBytes = 1e6;  // one block of replica KV in these tests: 1 MB

TierSpec cpu_tier(double capacity_blocks, double gb_per_s = 10) {
  TierSpec s;
  s.name = "cpu";
  s.kind = "cpu";
  s.capacity_bytes = capacity_blocks * kBlockBytes;
  s.read_bytes_per_s = s.write_bytes_per_s = gb_per_s * 1e9;
  s.latency_s = 0;
  s.link = "pcie";
  return s;
}

KvTiersConfig tiers_config(std::vector<TierSpec> tiers) {
  KvTiersConfig c;
  c.tiers = std::move(tiers);
  c.block_bytes = c.block_bytes_per_gpu = kBlockBytes;
  c.swap_space_bytes = 64 * kBlockBytes;
  c.swap_bytes_per_s = 10e9;
  c.num_gpus = 1;
  c.usd_per_gpu_hour = 3.6;  // $0.001 per GPU-second
  return c;
}

std::shared_ptr<TierStore> store_for(const TierSpec& s) {
  const double blocks = std::floor(s.capacity_bytes / kBlockBytes);
  return std::make_shared<TierStore>(s, std::isinf(blocks) ? 0 : static_cast<uint64_t>(blocks), kBlockBytes);
}

// 1 ms per 1000 prompt tokens, linear: recomputing is cheap to reason about.
double linear_prefill(uint32_t n, uint32_t) { return n * 1e-6; }

// A manager of `gpu_blocks` 16-token blocks over `tiers`.
std::unique_ptr<PagedKvCacheManager> tiered_manager(uint32_t gpu_blocks, const KvTiersConfig& config,
                                                    PrefillTime prefill = linear_prefill) {
  auto kv = std::make_unique<PagedKvCacheManager>(gpu_blocks, 16, true, make_eviction_policy("lru", nullptr));
  std::vector<std::shared_ptr<TierStore>> stores;
  for (const TierSpec& s : config.tiers) stores.push_back(store_for(s));
  kv->attach_offloader(std::make_unique<KvOffloader>(config, stores, 16, prefill));
  kv->set_prefill_time(prefill);
  return kv;
}

Request request(uint64_t id, uint32_t prompt, uint64_t stream, uint32_t output = 4) {
  Request r;
  r.spec.id = id;
  r.spec.prompt_tokens = prompt;
  r.spec.output_tokens = output;
  r.spec.content.own_stream = stream;
  return r;
}

// Runs a request through the manager as the scheduler would (load or allocate, compute, free).
// Transfers complete in time order; returns the time the request's prompt was computed.
struct Driver {
  explicit Driver(PagedKvCacheManager& kv) : kv(kv) {}
  // Starts loading the lower-tier part of `r`'s prefix, as the scheduler does.
  void start_load(Request& r, const PrefixHit& hit, SimTime now) {
    const std::optional<uint64_t> token = kv.transfers()->start_load(r.kv, r.kv_tokens(), hit, now);
    REQUIRE(token.has_value());
    loads[*token] = &r;
    r.num_computed_tokens += hit.tokens;
    if (r.num_preemptions == 0) r.num_cached_tokens = hit.tokens + hit.load_tokens;
  }
  SimTime serve(Request& r, SimTime now) {
    complete_until(now);
    PrefixHit hit;
    const uint32_t cached = lookup(kv, r, now, hit);
    if (hit.load_tokens > 0) {
      start_load(r, hit, now);
      kv.transfers()->flush_transfers(now, true);
      collect();
      // Wait for this request's load.
      while (r.num_computed_tokens == cached) {
        REQUIRE(!pending.empty());
        now = std::max(now, pop_one());
      }
    } else {
      REQUIRE(allocate(kv, r, r.num_tokens() - cached, now, &hit));
    }
    REQUIRE(allocate(kv, r, r.num_tokens() - r.num_computed_tokens, now));
    r.num_computed_tokens = r.num_tokens();
    on_computed(kv, r);
    release(kv, r, now);
    kv.transfers()->flush_transfers(now, true);
    collect();
    return now;
  }
  // Serves a 30-block prompt of stream 77 at time 0, then three others at 1 s that push its
  // blocks out of a 40-block GPU into the tier below.
  void serve_then_push_out() {
    Request a = request(1, 16 * 30 + 1, 77);
    serve(a, 0);
    for (uint64_t i = 0; i < 3; ++i) {
      Request other = request(10 + i, 16 * 30 + 1, 500 + i);
      serve(other, from_seconds(1));
    }
    drain();
  }
  void collect() {
    std::vector<Wakeup>& w = kv.transfers()->wakeups();
    for (const Wakeup& x : w) pending.push_back(x);
    w.clear();
    std::stable_sort(pending.begin(), pending.end(), [](const Wakeup& a, const Wakeup& b) { return a.time < b.time; });
  }
  SimTime pop_one() {
    const Wakeup w = pending.front();
    pending.pop_front();
    if (const std::optional<uint32_t> loaded = kv.transfers()->on_transfer_done(w.token, w.time)) {
      const auto it = loads.find(w.token);
      REQUIRE(it != loads.end());
      it->second->num_computed_tokens += *loaded;
      loads.erase(it);
    }
    kv.transfers()->flush_transfers(w.time, false);
    collect();
    return w.time;
  }
  void complete_until(SimTime t) {
    while (!pending.empty() && pending.front().time <= t) pop_one();
  }
  void drain() {
    while (!pending.empty()) pop_one();
  }
  PagedKvCacheManager& kv;
  std::deque<Wakeup> pending;
  std::map<uint64_t, Request*> loads;  // by wake-up token
};

}  // namespace

TEST_CASE("a tier bills the block-seconds it holds, expiries at their deadlines") {
  TierSpec spec = cpu_tier(2);
  spec.usd_per_gb_month = 1.0;
  TierStore tier(spec, 2, kBlockBytes);
  tier.write(1, 0, nullptr);
  tier.write(2, 0, nullptr);
  tier.write(3, from_seconds(10), nullptr);  // LRU evicts 1 at t = 10
  tier.finish(from_seconds(20));
  REQUIRE(tier.stats().evictions == 1);
  REQUIRE(tier.stats().block_seconds == Approx(2 * 10 + 2 * 10));
  REQUIRE(tier.storage_usd() == Approx(40 * kBlockBytes / 1e9 / kSecondsPerMonth));

  TierSpec infinite = cpu_tier(1);
  infinite.capacity_bytes = INFINITY;
  infinite.ttl_s = 5;
  TierStore forever(infinite, 0, kBlockBytes);
  forever.write(7, from_seconds(1), nullptr);
  forever.read(7, from_seconds(3));  // a read restarts the clock: expires at 8
  forever.write(8, from_seconds(4), nullptr);  // expires at 9
  forever.finish(from_seconds(100));
  REQUIRE(forever.stats().expirations == 2);
  REQUIRE(forever.stats().block_seconds == Approx((8 - 1) + (9 - 4)));
  REQUIRE_FALSE(forever.contains(7, from_seconds(100)));
  forever.check_conservation();
}

TEST_CASE("a bounded tier's ttl is billed to the deadline too") {
  TierSpec spec = cpu_tier(4);
  spec.ttl_s = 2;
  TierStore tier(spec, 4, kBlockBytes);
  tier.write(1, 0, nullptr);
  tier.finish(from_seconds(50));
  REQUIRE(tier.stats().expirations == 1);
  REQUIRE(tier.stats().block_seconds == Approx(2));
}

TEST_CASE("a link carries one transfer at a time per direction; latency does not hold it") {
  Link link("pcie");
  const SimTime a = link.submit(0, 1e9, 1e9, 0.5, LinkDirection::kToGpu);  // 1 s of data
  const SimTime b = link.submit(0, 1e9, 1e9, 0.5, LinkDirection::kToGpu);
  const SimTime c = link.submit(0, 1e9, 1e9, 0.5, LinkDirection::kFromGpu);  // the other direction is free
  REQUIRE(to_seconds(a) == Approx(1.5));
  REQUIRE(to_seconds(b) == Approx(2.5));
  REQUIRE(to_seconds(c) == Approx(1.5));
  REQUIRE(link.waited_seconds(LinkDirection::kToGpu) == Approx(1.0));
  REQUIRE(to_seconds(link.estimate(0, 1e9, 1e9, 0, LinkDirection::kToGpu)) == Approx(3.0));
}

TEST_CASE("write-back offload loses nothing and duplicates nothing") {
  TierSpec cpu = cpu_tier(1);
  cpu.capacity_bytes = INFINITY;
  auto kv = tiered_manager(24, tiers_config({cpu}));
  Driver d(*kv);
  Rng rng(5);
  std::set<BlockHash> ever_cached;
  SimTime now = 0;
  for (uint64_t i = 0; i < 300; ++i) {
    Request r = request(i, 16 * (1 + static_cast<uint32_t>(rng.uniform_int(0, 12))), 100 + rng.uniform_int(0, 30));
    now = d.serve(r, now + from_seconds(0.01));
    BlockHash h = 0;
    for (uint32_t k = 0; k < (r.num_tokens() - 1) / 16; ++k) ever_cached.insert(h = chain_block_hash(h, r.spec.content, k * 16, 16));
  }
  d.drain();
  const TierStore& tier = *kv->offloader()->tiers()[0];
  REQUIRE(tier.stats().writes > 0);
  for (BlockHash h : ever_cached) {
    const bool in_gpu = kv->pool().lookup(h) != kNoBlock;
    const bool in_cpu = const_cast<TierStore&>(tier).contains(h, now);
    REQUIRE((in_gpu || in_cpu));
  }
  REQUIRE(tier.blocks_held() == tier.stats().writes);  // each hash written once
  tier.check_conservation();
  REQUIRE(kv->pool().num_free_blocks() == kv->pool().num_blocks());
}

TEST_CASE("write-through copies every cached block at once; a bounded tier cascades its evictions down") {
  TierSpec cpu = cpu_tier(10), disk = cpu_tier(1000, 2);
  disk.name = "disk";
  disk.kind = "nvme";
  disk.link = "nvme";
  SECTION("write-through") {
    KvTiersConfig c = tiers_config({cpu});
    c.write_through = true;
    auto kv = tiered_manager(64, c);
    Driver d(*kv);
    Request r = request(1, 16 * 5 + 1, 9);
    d.serve(r, 0);
    d.drain();
    REQUIRE(kv->offloader()->tiers()[0]->stats().writes == 5);  // before any GPU eviction
  }
  SECTION("write-back cascade") {
    auto kv = tiered_manager(12, tiers_config({cpu, disk}));
    Driver d(*kv);
    SimTime now = 0;
    for (uint64_t i = 0; i < 40; ++i) {
      Request r = request(i, 16 * 8 + 1, 1000 + i);
      now = d.serve(r, now + from_seconds(0.001));
    }
    d.drain();
    const auto& tiers = kv->offloader()->tiers();
    REQUIRE(tiers[0]->stats().evictions > 0);
    REQUIRE(tiers[1]->stats().writes == tiers[0]->stats().evictions);
    REQUIRE(tiers[0]->blocks_held() == 10);
  }
}

TEST_CASE("a prefix found in a lower tier is loaded when that beats recomputing it, and the request waits for it") {
  TierSpec cpu = cpu_tier(1000, 10);  // 1 MB blocks at 10 GB/s: 0.1 ms a block
  SECTION("fast link: load") {
    auto kv = tiered_manager(40, tiers_config({cpu}), [](uint32_t n, uint32_t) { return n * 1e-4; });  // 1.6 ms a block
    Driver d(*kv);
    d.serve_then_push_out();
    Request again = request(2, 16 * 30 + 1, 77);
    const SimTime start = from_seconds(2);
    PrefixHit hit;
    const uint32_t gpu = lookup(*kv, again, start, hit);
    REQUIRE(hit.load_tokens + gpu == 16 * 30);
    const SimTime ready = d.serve(again, start);
    REQUIRE(ready > start);  // the load took time on the link
    REQUIRE(again.num_cached_tokens == 16 * 30);
    REQUIRE(kv->offloader()->stats().loads == 1);
    REQUIRE(kv->prefix_stats().reuse_seconds_saved > 0);
  }
  SECTION("slow link: recompute") {
    TierSpec slow = cpu_tier(1000, 0.001);  // 1 s a block
    auto kv = tiered_manager(40, tiers_config({slow}), [](uint32_t n, uint32_t) { return n * 1e-4; });
    Driver d(*kv);
    d.serve_then_push_out();
    Request again = request(2, 16 * 30 + 1, 77);
    PrefixHit hit;
    lookup(*kv, again, from_seconds(10000), hit);
    REQUIRE(hit.load.hashes.size() > 0);  // found in the tier...
    REQUIRE(hit.load_tokens == 0);        // ...and not worth loading
    d.serve(again, from_seconds(10000));
    REQUIRE(kv->offloader()->stats().declined_blocks > 0);
    REQUIRE(kv->offloader()->stats().loads == 0);
  }
}

TEST_CASE("load policy cheaper weighs transfer dollars against GPU dollars") {
  // The same prefix in the same tier, once with reads dearer than the GPU time they save and once
  // with reads that cost nothing: recompute in the first case, load in the second.
  const auto decide = [](double usd_per_gb_read) {
    TierSpec s3 = cpu_tier(1000, 10);
    s3.usd_per_gb_read = usd_per_gb_read;
    KvTiersConfig c = tiers_config({s3});
    c.load_policy = LoadPolicy::kCheaper;
    auto kv = tiered_manager(40, c, [](uint32_t n, uint32_t) { return n * 1e-4; });
    Driver d(*kv);
    d.serve_then_push_out();
    Request again = request(2, 16 * 30 + 1, 77);
    PrefixHit hit;
    lookup(*kv, again, from_seconds(5), hit);
    REQUIRE(hit.load.hashes.size() + hit.tokens / 16 == 30);  // the whole prefix, mostly in the tier
    const uint32_t load_tokens = hit.load_tokens;
    d.serve(again, from_seconds(5));
    REQUIRE(kv->pool().num_free_blocks() == kv->pool().num_blocks());
    return std::make_pair(load_tokens, kv->offloader()->stats().loads);
  };
  // 1 MB a block at $100 per GB is $0.1 a block; recomputing it takes 1.6 ms of a $0.001/s GPU.
  const auto [dear_tokens, dear_loads] = decide(100.0);
  REQUIRE(dear_tokens == 0);
  REQUIRE(dear_loads == 0);
  // Free reads: any load saves GPU dollars.
  const auto [free_tokens, free_loads] = decide(0.0);
  REQUIRE(free_tokens > 0);
  REQUIRE(free_loads == 1);
}

TEST_CASE("a busy link delays a load behind the transfers queued on it") {
  TierSpec cpu = cpu_tier(10000, 1);  // 1 ms a block
  auto time_load = [&](bool busy) {
    auto kv = tiered_manager(40, tiers_config({cpu}), [](uint32_t n, uint32_t) { return n * 1e-3; });
    Driver d(*kv);
    for (uint64_t s : {77, 78}) {  // two prompts of 10 blocks, then others push them to the tier
      Request a = request(s, 16 * 10 + 1, s);
      d.serve(a, 0);
    }
    for (uint64_t i = 0; i < 6; ++i) {
      Request other = request(10 + i, 16 * 10 + 1, 500 + i);
      d.serve(other, from_seconds(1));
    }
    d.drain();
    const SimTime start = from_seconds(2);
    Request first = request(3, 16 * 10 + 1, 78);
    if (busy) {  // the other prompt's load goes first on the same PCIe direction
      PrefixHit hit;
      lookup(*kv, first, start, hit);
      REQUIRE(hit.load_tokens == 160);
      d.start_load(first, hit, start);
      d.collect();
    }
    Request again = request(2, 16 * 10 + 1, 77);
    const double waited = to_seconds(d.serve(again, start) - start);
    d.drain();
    if (busy) release(*kv, first, from_seconds(3));
    REQUIRE(kv->pool().num_free_blocks() == kv->pool().num_blocks());
    return waited;
  };
  const double idle = time_load(false), queued = time_load(true);
  REQUIRE(idle == Approx(0.010).margin(1e-6));
  REQUIRE(queued == Approx(0.020).margin(1e-6));
}

TEST_CASE("swap preemption keeps the victim's computed tokens and charges the copies to the steps") {
  SchedulerConfig cfg;
  cfg.preemption_mode = PreemptionMode::kSwap;
  cfg.max_num_batched_tokens = 4096;
  PagedKvCacheManager kv(20, 16, false, make_eviction_policy("lru", nullptr));
  kv.attach_offloader(std::make_unique<KvOffloader>(tiers_config({}), std::vector<std::shared_ptr<TierStore>>{}, 16, linear_prefill));
  VllmScheduler sched(cfg, kv);
  std::deque<Request> reqs;
  for (uint64_t i = 0; i < 2; ++i) {
    reqs.push_back(request(i, 16 * 8, 200, 100 + i));
    sched.add_request(&reqs.back());
  }
  SchedulerOutput out;
  StepOutcome outcome;
  bool swapped = false;
  for (SimTime t = 0; t < 400 && !swapped; ++t) {
    sched.schedule(t, out);
    if (out.num_preempted > 0) {
      swapped = true;
      REQUIRE(out.kv_transfer_seconds > 0);
      const Request& victim = reqs[1];
      REQUIRE(victim.status == RequestStatus::kPreempted);
      REQUIRE(victim.kv.swapped_blocks > 0);
      REQUIRE(victim.num_computed_tokens > 0);  // kept, not recomputed
    }
    sched.update_from_output(out, t + 1, outcome);
  }
  REQUIRE(swapped);
  for (SimTime t = 400; t < 2000 && sched.has_work(); ++t) {
    sched.schedule(t, out);
    sched.update_from_output(out, t + 1, outcome);
  }
  REQUIRE_FALSE(sched.has_work());
  REQUIRE(kv.offloader()->stats().swap_ins == kv.offloader()->stats().swap_outs);
  REQUIRE(kv.pool().num_free_blocks() == 20);
}

TEST_CASE("swap space that cannot take the victim falls back to recompute") {
  SchedulerConfig cfg;
  cfg.preemption_mode = PreemptionMode::kSwap;
  PagedKvCacheManager kv(20, 16, false, make_eviction_policy("lru", nullptr));
  KvTiersConfig c = tiers_config({});
  c.swap_space_bytes = 2 * kBlockBytes;  // two blocks only
  kv.attach_offloader(std::make_unique<KvOffloader>(c, std::vector<std::shared_ptr<TierStore>>{}, 16, linear_prefill));
  VllmScheduler sched(cfg, kv);
  std::deque<Request> reqs;
  for (uint64_t i = 0; i < 2; ++i) {
    reqs.push_back(request(i, 16 * 8, 200, 100 + i));
    sched.add_request(&reqs.back());
  }
  SchedulerOutput out;
  StepOutcome outcome;
  for (SimTime t = 0; t < 3000 && sched.has_work(); ++t) {
    sched.schedule(t, out);
    if (out.num_preempted > 0) REQUIRE(reqs[1].num_computed_tokens == 0);
    sched.update_from_output(out, t + 1, outcome);
  }
  REQUIRE(kv.offloader()->stats().swap_refused > 0);
  REQUIRE(kv.offloader()->stats().swap_outs == 0);
}

TEST_CASE("token budgets: how many KV tokens a sequence keeps") {
  TokenBudget none;
  REQUIRE(none.held(100, 150) == 150);
  TokenBudget window;
  window.mode = TokenBudget::Mode::kWindow;
  window.sink_tokens = 4;
  window.window_tokens = 60;
  REQUIRE(window.held(100, 100) == 100);  // the whole prompt during prefill
  REQUIRE(window.held(100, 101) == 64);
  REQUIRE(window.held(30, 40) == 40);
  TokenBudget fraction;
  fraction.mode = TokenBudget::Mode::kFraction;
  fraction.fraction = 0.25;
  fraction.min_tokens = 30;
  REQUIRE(fraction.held(100, 200) == 50);
  REQUIRE(fraction.held(100, 101) == 30);
  TokenBudget snap;
  snap.mode = TokenBudget::Mode::kSnapKv;
  snap.prompt_budget_tokens = 64;
  REQUIRE(snap.held(1000, 1010) == 74);
  TokenBudget h2o;
  h2o.mode = TokenBudget::Mode::kH2o;
  h2o.heavy_tokens = h2o.recent_tokens = 32;
  REQUIRE(h2o.held(1000, 1001) == 64);
}

TEST_CASE("a token budget frees blocks after prefill and shortens the context decodes attend over") {
  SchedulerConfig cfg;
  cfg.token_budget.mode = TokenBudget::Mode::kWindow;
  cfg.token_budget.sink_tokens = 0;
  cfg.token_budget.window_tokens = 64;
  PagedKvCacheManager kv(100, 16, false, make_eviction_policy("lru", nullptr));
  kv.set_token_budget(cfg.token_budget);
  VllmScheduler sched(cfg, kv);
  Request r = request(1, 800, 20, 5);
  sched.add_request(&r);
  SchedulerOutput out;
  StepOutcome outcome;
  sched.schedule(0, out);  // the whole prompt: 50 blocks
  REQUIRE(r.kv.blocks.size() == 50);
  sched.update_from_output(out, 1, outcome);
  sched.schedule(1, out);  // the first decode: the window's 4 blocks (65 tokens -> 64 kept)
  REQUIRE(r.kv.blocks.size() == 4);
  REQUIRE(out.shape.decode_context_tokens == 64);
  REQUIRE(kv.pool().num_free_blocks() == 96);
  sched.update_from_output(out, 2, outcome);
  for (SimTime t = 2; t < 100 && sched.has_work(); ++t) {
    sched.schedule(t, out);
    sched.update_from_output(out, t + 1, outcome);
  }
  REQUIRE(kv.pool().num_free_blocks() == 100);
}
