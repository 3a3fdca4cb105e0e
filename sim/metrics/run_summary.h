// The typed summary of a run: what summary.json holds, as fields. The metrics produce it
// (MetricsCollector::finish), run_scenario adds the KV tiers, the cost and what describes the
// run (perf model, workload, scenario), and it is serialised in one place (to_json,
// write_summary_json), key for key and number for number as summary.json has always been written.
// Front ends read the fields; a results folder read back from disk becomes one with
// summary_from_json.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cost/cost.h"
#include "metrics/percentiles.h"
#include "metrics/stage_metrics.h"

namespace kvsim {

struct SloConfig {
  double ttft_s = 0;  // 0 = no SLO on this metric
  double tpot_s = 0;
  double e2e_s = 0;
};

struct RequestCounts {
  uint64_t arrived = 0, completed = 0, dropped = 0;
  std::map<std::string, uint64_t> dropped_by_reason;
  uint64_t preempted = 0;    // requests preempted at least once
  uint64_t preemptions = 0;  // preemptions in all
};

struct ThroughputSummary {
  double requests_per_s = 0, input_tokens_per_s = 0, output_tokens_per_s = 0, tokens_per_s = 0;
};

struct GoodputSummary {
  SloConfig slo;
  uint64_t requests_meeting_slo = 0;
  double fraction = 0;  // of completed and dropped requests
  double requests_per_s = 0;
};

struct PrefixCacheSummary {
  uint64_t admissions = 0, query_blocks = 0, hit_blocks = 0;
  double block_hit_rate = 0;
  uint64_t query_tokens = 0, hit_tokens = 0;
  double token_hit_rate = 0;
  uint64_t evictions = 0;
  uint64_t cached_tokens_of_completed = 0;
};

struct KvSummary {
  uint64_t blocks_total = 0, blocks_per_replica = 0;
  double mean_utilization = 0, peak_utilization = 0;
  nlohmann::json memory_plan;  // how num_gpu_blocks was derived (MemoryPlan::to_json); null: not known
};

struct EngineSummary {
  uint64_t steps = 0, request_steps = 0;
  double mean_tokens_per_step = 0;
  uint64_t prefill_tokens_computed = 0;
  double busy_fraction = 0;  // of the replicas' time
};

struct RunSummary {
  RequestCounts requests;
  Distribution ttft_s, tpot_s, e2e_s, queue_s;
  double itl_mean_s = 0;  // token-weighted, as benchmark clients report ITL
  bool has_stages = false;
  std::vector<StageResult> stages;  // when has_stages
  ThroughputSummary throughput;
  GoodputSummary goodput;
  PrefixCacheSummary prefix_cache;
  KvSummary kv;
  EngineSummary engine;
  double simulated_seconds = 0;
  CostSummary cost;
  // The KV tiers' report (sim/engine/kv_tier_report.h writes it as JSON); null when the run has
  // no tiers and no swapping.
  nlohmann::json kv_tiers;
  // The response cache's report (ResponseCache::summary); null when the run has none.
  nlohmann::json response_cache;
  nlohmann::json fleet;  // the elastic fleet's replicas, dollars by price class and spot events (null: a fixed fleet)
  // Disaggregated prefill/decode pools: each pool's figures, the KV transfers, the TTFT split
  // (sim/run/disagg.h; null: none).
  nlohmann::json disaggregation;
  nlohmann::json perf_model;    // the step model's own description (StepModel::describe)
  std::string workload_source;  // RequestSource::describe
  nlohmann::json scenario;      // as run; null: not known
  std::string kvsim_version;
};

// summary.json's object (keys sorted, as nlohmann::json keeps them).
nlohmann::json to_json(const RunSummary& s);
// Writes summary.json: to_json, with its "scenario" member in `scenario_in_order`'s key order
// when that is an object (the scenario as the user wrote it). Throws IoError on a write error.
void write_summary_json(const std::string& path, const RunSummary& s, const nlohmann::ordered_json& scenario_in_order);
// A summary.json read from a results folder. Missing or mistyped members read as 0 (empty, null),
// so a summary from an older or newer kvsim still shows.
RunSummary summary_from_json(const nlohmann::json& j);

}  // namespace kvsim
