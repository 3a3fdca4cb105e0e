// Whole runs with the KV features of kv_cache: tiers below HBM with their costs, loads counted
// in TTFT, swap preemption, TTL, the radix index, token budgets, and scenario validation.
#include <catch2/catch.hpp>

#include "core/error.h"
#include "run/simulation.h"
#include "scenario/scenario.h"

using namespace kvsim;

namespace {

// Sessions that come back after their GPU copy expired: their prefix is in the CPU tier.
nlohmann::json sessions_scenario() {
  return nlohmann::json::parse(R"({
    "name": "tiers", "model": "Llama-3-8B", "gpu": "H100-SXM", "seed": 5,
    "engine": {"num_gpu_blocks_override": 3000, "max_num_seqs": 64},
    "perf_model": {"kind": "roofline"},
    "kv_cache": {"ttl_s": 2,
                 "tiers": [{"kind": "cpu", "capacity_gib": 20, "usd_per_gb_month": 50, "usd_per_gb_read": 0.01}]},
    "workload": {"synthetic": {"seed": 9, "num_requests": 400, "arrivals": {"process": "poisson", "rate": 4},
      "prompt_tokens": {"dist": "uniform", "min": 500, "max": 3000},
      "output_tokens": {"dist": "uniform", "min": 10, "max": 60},
      "sessions": {"fraction": 0.8, "turns": 4, "think_time_s": 8, "user_tokens": 100}}}
  })");
}

Scenario parse(const nlohmann::json& j) { return parse_scenario(j, "", Catalog::open_default()); }

RunResult run(const nlohmann::json& j) {
  RunOptions o;
  o.keep_samples = true;
  return run_scenario(parse(j), o);
}

}  // namespace

TEST_CASE("a run with a CPU tier loads expired sessions back, bills storage and reads, and leaks no block") {
  const RunResult r = run(sessions_scenario());
  const auto& s = r.summary;
  REQUIRE(s.requests.completed == 400);
  REQUIRE(s.kv_tiers);
  const KvTiersSummary& t = *s.kv_tiers;
  REQUIRE(t.tiers.size() == 1);
  REQUIRE(t.tiers[0].writes > 0);
  REQUIRE(t.loads > 0);
  REQUIRE(t.block_hit_rate_reused > t.block_hit_rate_gpu);
  REQUIRE(s.cost.usd_storage > 0);
  REQUIRE(s.cost.usd_transfer > 0);
  REQUIRE(s.cost.usd_total ==
          Approx(s.cost.usd_gpu + s.cost.usd_storage +
                 s.cost.usd_transfer));
  REQUIRE(s.cost.reuse.gpu_seconds_saved > 0);
  // run_scenario checks at the end that every GPU block is free and every tier consistent.
}

TEST_CASE("the load time is part of TTFT: a slow tier that is always loaded from delays first tokens") {
  nlohmann::json fast = sessions_scenario(), slow = sessions_scenario();
  fast["kv_cache"]["load_policy"] = "always";
  slow["kv_cache"]["load_policy"] = "always";
  slow["kv_cache"]["tiers"][0]["latency_s"] = 3.0;  // every load waits 3 s more
  const RunResult a = run(fast), b = run(slow);
  REQUIRE(b.summary.kv_tiers->loads > 20);
  REQUIRE(b.summary.kv_tiers->mean_load_s >= 3.0);
  REQUIRE(b.summary.ttft_s.p99 > a.summary.ttft_s.p99 + 2.5);
  // With the faster policy, the replica recomputes rather than wait 3 s.
  slow["kv_cache"]["load_policy"] = "faster";
  const RunResult c = run(slow);
  REQUIRE(c.summary.kv_tiers->loads == 0);
  REQUIRE(c.summary.kv_tiers->declined_blocks > 0);
}

TEST_CASE("a shared tier lets one replica reuse what another stored") {
  nlohmann::json j = sessions_scenario();
  j["cluster"] = {{"replicas", 3}, {"router", "round_robin"}};
  j["kv_cache"]["tiers"] = nlohmann::json::parse(R"([{"name": "pool", "kind": "remote", "capacity_gib": 50, "shared": true}])");
  const RunResult shared = run(j);
  j["kv_cache"]["tiers"][0]["shared"] = false;
  const RunResult own = run(j);
  REQUIRE(shared.summary.kv_tiers->tiers.at(0).stores == 1);
  REQUIRE(own.summary.kv_tiers->tiers.at(0).stores == 3);
  REQUIRE(shared.summary.kv_tiers->block_hit_rate_found >
          own.summary.kv_tiers->block_hit_rate_found);
}

TEST_CASE("swap preemption moves KV to host memory and back under memory pressure") {
  nlohmann::json j = nlohmann::json::parse(R"({
    "name": "swap", "model": "Llama-3-8B", "gpu": "H100-SXM", "seed": 2,
    "engine": {"num_gpu_blocks_override": 300, "max_num_seqs": 64, "preemption_mode": "swap"},
    "kv_cache": {"enable_prefix_caching": false, "swap_space_gib": 8},
    "perf_model": {"kind": "roofline"},
    "workload": {"synthetic": {"seed": 4, "num_requests": 120, "arrivals": {"process": "poisson", "rate": 50},
      "prompt_tokens": {"dist": "uniform", "min": 100, "max": 800},
      "output_tokens": {"dist": "uniform", "min": 100, "max": 600}}}
  })");
  const RunResult swap = run(j);
  REQUIRE(swap.summary.requests.completed == 120);
  REQUIRE(swap.summary.requests.preemptions > 0);
  REQUIRE(swap.summary.kv_tiers->swap.outs > 0);
  REQUIRE(swap.summary.kv_tiers->swap.ins == swap.summary.kv_tiers->swap.outs);
  REQUIRE(swap.summary.kv_tiers->swap.step_seconds_added > 0);
  j["engine"]["preemption_mode"] = "recompute";
  const RunResult recompute = run(j);
  // Recomputing preempted requests computes more prompt tokens than swapping them back.
  REQUIRE(recompute.summary.engine.prefill_tokens_computed >
          swap.summary.engine.prefill_tokens_computed);
}

TEST_CASE("the radix index, a ttl and every policy run a whole scenario without leaking blocks") {
  for (const char* policy : {"lru", "fifo", "lfu", "slru", "arc", "s3fifo", "gdsf"}) {
    for (const char* index : {"hash", "radix"}) {
      nlohmann::json j = sessions_scenario();
      j["workload"]["synthetic"]["num_requests"] = 150;
      j["engine"]["num_gpu_blocks_override"] = 800;
      j["kv_cache"]["eviction_policy"] = policy;
      j["kv_cache"]["prefix_index"] = index;
      const RunResult r = run(j);
      INFO(policy << " " << index);
      REQUIRE(r.summary.requests.completed == 150);
      REQUIRE(r.summary.prefix_cache.hit_blocks > 0);
    }
  }
}

TEST_CASE("a token budget shortens decode attention and frees memory; fp8 KV doubles the blocks") {
  nlohmann::json j = nlohmann::json::parse(R"({
    "name": "budget", "model": "Llama-3-8B", "gpu": "H100-SXM", "seed": 2,
    "engine": {"max_num_seqs": 16},
    "kv_cache": {"enable_prefix_caching": false},
    "perf_model": {"kind": "roofline"},
    "workload": {"synthetic": {"seed": 4, "num_requests": 200, "arrivals": {"process": "poisson", "rate": 20},
      "prompt_tokens": 6000, "output_tokens": 200}}
  })");
  const RunResult full = run(j);
  j["kv_cache"]["token_budget"] = {{"mode", "window"}, {"sink_tokens", 4}, {"window_tokens", 508}};
  const RunResult window = run(j);
  REQUIRE(window.summary.tpot_s.mean < full.summary.tpot_s.mean);
  REQUIRE(window.summary.kv.mean_utilization < full.summary.kv.mean_utilization);
  j.erase("kv_cache");
  j["kv_cache"] = {{"enable_prefix_caching", false}};
  j["deployment"] = {{"kv_dtype", "fp8"}};
  const RunResult fp8 = run(j);
  REQUIRE(fp8.summary.kv.blocks_total > full.summary.kv.blocks_total * 19 / 10);
}

TEST_CASE("kv_cache errors name their JSON pointer") {
  nlohmann::json j = sessions_scenario();
  j["kv_cache"]["tiers"][0]["capacity_gb"] = 4;
  REQUIRE_THROWS_WITH(parse(j), Catch::Contains("/kv_cache/tiers/0/capacity_gb"));
  j = sessions_scenario();
  j["kv_cache"]["tiers"][0].erase("capacity_gib");
  REQUIRE_THROWS_WITH(parse(j), Catch::Contains("/kv_cache/tiers/0/capacity_gib"));
  j = sessions_scenario();
  j["kv_cache"]["enable_prefix_caching"] = false;
  REQUIRE_THROWS_WITH(parse(j), Catch::Contains("/kv_cache/tiers"));
  j = sessions_scenario();
  j["kv_cache"]["token_budget"] = {{"mode", "window"}};
  REQUIRE_THROWS_WITH(parse(j), Catch::Contains("/kv_cache/token_budget"));
  j = sessions_scenario();
  j["kv_cache"]["token_budget"] = {{"mode", "snap"}};
  REQUIRE_THROWS_WITH(parse(j), Catch::Contains("/kv_cache/token_budget/mode"));
  j = sessions_scenario();
  j["kv_cache"]["eviction_policy"] = "s3fifo";
  j["kv_cache"]["eviction_params"] = {{"small_fraction", 2}};
  REQUIRE_THROWS_WITH(parse(j), Catch::Contains("/kv_cache/eviction_params/small_fraction"));
  j = sessions_scenario();
  j["kv_cache"]["tiers"] = nlohmann::json::parse(R"([{"name": "pool", "kind": "remote", "capacity_gib": 5, "shared": true},
                                                     {"name": "disk", "kind": "nvme", "capacity_gib": 50}])");
  REQUIRE_THROWS_WITH(parse(j), Catch::Contains("/kv_cache/tiers/1/shared"));
  j = sessions_scenario();
  j["kv_cache"]["prefix_index"] = "trie";
  REQUIRE_THROWS_WITH(parse(j), Catch::Contains("/kv_cache/prefix_index"));
}
