#include "cost/cost.h"

namespace kvsim {

CostSummary cost_summary(const CostInputs& in) {
  CostSummary c;
  c.num_gpus = in.num_gpus;
  c.usd_per_gpu_hour = in.usd_per_gpu_hour;
  c.gpu_hours = in.num_gpus * in.simulated_seconds / 3600.0;
  c.usd_gpu = c.gpu_hours * in.usd_per_gpu_hour;
  if (in.fleet_gpu_usd >= 0) {
    c.gpu_hours = in.fleet_gpu_hours;
    c.usd_gpu = in.fleet_gpu_usd;
  }
  c.usd_storage = in.storage_usd;
  c.usd_transfer = in.transfer_usd;
  c.usd_total = c.usd_gpu + in.storage_usd + in.transfer_usd;
  const auto per_million = [&](uint64_t tokens) { return tokens ? c.usd_total / static_cast<double>(tokens) * 1e6 : 0.0; };
  c.usd_per_million_tokens = per_million(in.input_tokens + in.output_tokens);
  c.usd_per_million_input_tokens = per_million(in.input_tokens);
  c.usd_per_million_output_tokens = per_million(in.output_tokens);
  return c;
}

}  // namespace kvsim
