// The cluster's parts of the typed run summary (sim/metrics/run_summary.h): the response cache in
// front of the router and disaggregated prefill/decode pools. The run layer fills them (the
// cluster's ResponseCache and run/disagg.h's DisaggCluster keep the counts), run_summary.cpp
// serialises them as summary.json's "response_cache" and "disaggregation" and reads them back.
// Counts are integers and rates, seconds, bytes and dollars doubles, as summary.json has them.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "metrics/percentiles.h"

namespace kvsim {

// summary.json's "response_cache" (docs/fleet.md).
struct ResponseCacheSummary {
  uint64_t lookups = 0, hits = 0, exact_hits = 0, semantic_hits = 0;
  double hit_rate = 0, exact_hit_rate = 0, semantic_hit_rate = 0;  // of the lookups
  uint64_t expired = 0, stored = 0, evictions = 0;
  double latency_s = 0, semantic_latency_s = 0;
  double usd_per_gpu_request = 0;  // the run's GPU bill over the requests the replicas served
  double usd_saved = 0;            // usd_per_gpu_request x hits
};

// One pool of a disaggregated cluster (summary.json's "disaggregation"."pools"."prefill"/"decode").
struct DisaggPoolSummary {
  uint64_t replicas = 0;
  std::string gpu;
  uint64_t tensor_parallel = 0, pipeline_parallel = 0, gpus = 0;
  double usd_per_gpu_hour = 0, usd_per_hour = 0;
  uint64_t num_gpu_blocks_per_replica = 0;
  double busy_fraction = 0, mean_waiting = 0;
  uint64_t peak_waiting = 0;
  double kv_used_fraction_mean = 0, prefix_hit_rate = 0, link_gb_per_s = 0, link_utilization = 0;
};

// The KV moved from prefill to decode replicas ("kv_transfer").
struct KvTransferSummary {
  std::string link;
  double latency_us = 0, efficiency = 0, fabric_gb_per_s = 0;
  std::string overlap;  // "layerwise" or "none"
  double kv_bytes_per_token = 0;
  uint64_t transfers_started = 0, transfers_completed = 0;
  double bytes_sent = 0, bytes_received = 0;
  Distribution time_s;
};

// summary.json's "disaggregation" (sim/run/disagg.h).
struct DisaggregationSummary {
  std::string first_token;                 // "decode" or "prefill": the replica giving the first token
  std::vector<std::string> ttft_includes;  // the stages TTFT spans, in order
  DisaggPoolSummary prefill, decode;
  KvTransferSummary kv_transfer;
  // TTFT's stages ("stage_s"); the first decode step only when the first token comes from decode.
  Distribution prefill_queue_s, prefill_s, decode_queue_s, transfer_s;
  std::optional<Distribution> first_decode_step_s;
  uint64_t finished_at_prefill = 0;  // first token from prefill: requests of one output token, done there
};

}  // namespace kvsim
