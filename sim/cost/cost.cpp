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

nlohmann::json to_json(const CostSummary& c) {
  nlohmann::json j = {{"num_gpus", c.num_gpus},
                      {"usd_per_gpu_hour", c.usd_per_gpu_hour},
                      {"gpu_hours", c.gpu_hours},
                      {"usd_gpu", c.usd_gpu},
                      {"usd_storage", c.usd_storage},
                      {"usd_transfer", c.usd_transfer},
                      {"usd_total", c.usd_total},
                      {"usd_per_million_tokens", c.usd_per_million_tokens},
                      {"usd_per_million_input_tokens", c.usd_per_million_input_tokens},
                      {"usd_per_million_output_tokens", c.usd_per_million_output_tokens}};
  j["reuse"] = c.reuse;
  j["reuse"]["gpu_busy_hours"] = c.gpu_busy_hours;
  j["reuse"]["usd_gpu_busy"] = c.usd_gpu_busy;
  return j;
}

}  // namespace kvsim
