// The dollars of a run: GPU time at $/GPU-hour over the simulated duration, plus (when KV tiers
// are modelled) storage held at $/GB-month and bytes moved at $/GB; and so $ per million tokens.
#pragma once
#include <cstdint>

namespace kvsim {

struct CostInputs {
  uint32_t num_gpus = 0;
  double usd_per_gpu_hour = 0;
  double simulated_seconds = 0;
  uint64_t input_tokens = 0;   // prompt tokens of completed requests
  uint64_t output_tokens = 0;  // generated tokens of completed requests
  double storage_usd = 0;      // KV tiers: $/GB-month x GB x months held
  double transfer_usd = 0;     // KV tiers: $/GB moved
  // An elastic fleet's GPU time and dollars, integrated replica by replica and by price class
  // (run/fleet.h); negative: num_gpus x simulated_seconds at usd_per_gpu_hour.
  double fleet_gpu_hours = -1, fleet_gpu_usd = -1;
};

constexpr double kSecondsPerMonth = 30.0 * 24 * 3600;  // billing month used for $/GB-month

// summary.json's "cost"."reuse": what KV reuse saved (reuse_economics, sim/engine/kv_tier_report.h)
// against what keeping and moving the KV cost, plus the GPU time actually computing.
struct ReuseEconomics {
  double gpu_seconds_saved = 0;  // every GPU of a replica
  double usd_gpu_saved = 0;      // those seconds at $/GPU-hour
  double usd_storage = 0, usd_transfer = 0;
  double usd_net_saved = 0;      // usd_gpu_saved - usd_storage - usd_transfer
  // Pay-per-use view (usd_gpu bills the whole provisioned run): GPU time computing and its dollars.
  double gpu_busy_hours = 0, usd_gpu_busy = 0;
};

// summary.json's "cost" (serialised with the rest of the summary, sim/metrics/run_summary.cpp).
struct CostSummary {
  uint32_t num_gpus = 0;
  double usd_per_gpu_hour = 0;
  double gpu_hours = 0;
  double usd_gpu = 0, usd_storage = 0, usd_transfer = 0, usd_total = 0;
  double usd_per_million_tokens = 0, usd_per_million_input_tokens = 0, usd_per_million_output_tokens = 0;
  ReuseEconomics reuse;
};

CostSummary cost_summary(const CostInputs& in);

}  // namespace kvsim
