// The KV tiers' report as fields: summary.json's "kv_tiers" (sim/engine/kv_tier_report.h produces
// it, sim/metrics/run_summary.cpp serialises it and reads it back). Counts are integers and
// rates, seconds, GB and dollars are doubles, as summary.json has always written them.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kvsim {

// One tier, summed over its stores (a shared tier is one store, a private one one per replica).
struct TierSummary {
  std::string name, kind;
  bool shared = false;
  uint64_t stores = 0;
  std::string eviction_policy;
  uint64_t hit_blocks = 0;
  double block_hit_rate = 0;  // of the prefix lookups' query blocks
  uint64_t loaded_blocks = 0, writes = 0, refreshes = 0, evictions = 0, expirations = 0;
  uint64_t peak_blocks_sum = 0;  // each store's peak, summed
  double gb_read = 0, gb_written = 0, gb_months = 0;
  double usd_storage = 0, usd_transfer = 0;
};

// One direction of a link, per GPU, summed over the replicas (transfers too are a sum of doubles).
struct LinkTraffic {
  double transfers = 0, gb = 0, busy_s = 0, queued_s = 0;
};

struct LinkSummary {
  LinkTraffic to_gpu, from_gpu;
};

struct SwapSummary {
  uint64_t outs = 0, ins = 0, blocks = 0, refused = 0;
  double step_seconds_added = 0;
};

struct KvTiersSummary {
  nlohmann::json config;  // the tiers as configured (kv_tiers_to_json)
  std::vector<TierSummary> tiers;  // in lookup order, nearest first
  uint64_t gpu_hit_blocks = 0, query_blocks = 0;
  double block_hit_rate_gpu = 0, block_hit_rate_found = 0, block_hit_rate_reused = 0;
  uint64_t loads = 0, loaded_blocks = 0, declined_blocks = 0;
  double mean_load_s = 0, recompute_seconds_saved_by_loads = 0;
  uint64_t offload_batches = 0, offloaded_blocks = 0;
  SwapSummary swap;
  std::map<std::string, LinkSummary> links_per_gpu;  // by link name
};

}  // namespace kvsim
