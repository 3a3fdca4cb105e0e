#include "cost/cost.h"

namespace kvsim {

nlohmann::json cost_summary(const CostInputs& in) {
  const double gpu_hours = in.num_gpus * in.simulated_seconds / 3600.0;
  const double gpu_usd = gpu_hours * in.usd_per_gpu_hour;
  const double total = gpu_usd + in.storage_usd + in.transfer_usd;
  const auto per_million = [&](uint64_t tokens) { return tokens ? total / static_cast<double>(tokens) * 1e6 : 0.0; };
  return {{"num_gpus", in.num_gpus},
          {"usd_per_gpu_hour", in.usd_per_gpu_hour},
          {"gpu_hours", gpu_hours},
          {"usd_gpu", gpu_usd},
          {"usd_storage", in.storage_usd},
          {"usd_transfer", in.transfer_usd},
          {"usd_total", total},
          {"usd_per_million_tokens", per_million(in.input_tokens + in.output_tokens)},
          {"usd_per_million_input_tokens", per_million(in.input_tokens)},
          {"usd_per_million_output_tokens", per_million(in.output_tokens)}};
}

}  // namespace kvsim
