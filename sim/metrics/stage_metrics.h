// Metrics per load stage. When the workload's arrivals follow a schedule of stages (see
// ArrivalStage), each request belongs to the stage in which it arrived, and each stage gets its
// own latency distributions, its token-weighted mean inter-token latency (as benchmark clients
// such as inference-perf and vLLM's benchmark_serving report it) and a verdict on whether the
// stage saturated the server.
//
// Saturated means the waiting queue grew through the stage. Below capacity the queueing delay is
// stationary, so requests arriving in the stage's last quarter wait about as long as those of its
// first quarter; above it the queue, and the wait, grow linearly: an arrival at time t waits about
// (lambda / mu - 1) * t longer, lambda the arrival rate and mu the service rate. So
//   growth = (mean wait of the last quarter - mean wait of the first quarter) / (0.75 * duration)
// estimates lambda / mu - 1, and a stage is saturated when growth > kMinGrowth (the load exceeds
// capacity by more than 5 %), the last quarter waits more than kMinWaitS on average (a queue of a
// few steps is not a backlog), and both quarters have at least kMinSamples completed requests. A
// stage that drains the queue left by the one before has growth < 0 and is not saturated.
//
// Cost: per finished request a lookup among the stages (binary search) and a few appends and sums;
// nothing per token.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.h"
#include "engine/request.h"
#include "metrics/percentiles.h"
#include "workload/arrival_process.h"

namespace kvsim {

struct StageResult {
  uint32_t index = 0;
  double start_s = 0, end_s = 0;  // the stage spans [start_s, end_s) of arrival time
  double rate = 0;                // requests/s (at the start, for a ramp)
  double to_rate = NAN;           // a ramp's rate at the end; NaN for a constant rate
  uint64_t arrived = 0, completed = 0, dropped = 0;
  Distribution ttft_s, e2e_s, tpot_s, queue_s;  // over the stage's completed requests
  // Sum over completed requests of (finish - first token) / sum of (output tokens - 1).
  double itl_mean_s = 0;
  double output_tokens_mean = 0;
  double prefix_token_hit_rate = 0;  // cached prompt tokens / prompt tokens, completed requests
  // The saturation test (see above).
  double queue_first_quarter_s = 0, queue_last_quarter_s = 0;  // mean waits
  double queue_growth = 0;  // seconds of wait added per second of the stage
  bool saturated = false;

  nlohmann::json to_json() const;
};

class StageMetrics {
 public:
  static constexpr double kMinGrowth = 0.05;
  static constexpr double kMinWaitS = 0.5;
  static constexpr uint64_t kMinSamples = 5;

  // The stages back to back from time 0; no stages = nothing is recorded.
  explicit StageMetrics(const std::vector<ArrivalStage>& stages);
  bool empty() const { return stages_.empty(); }

  void on_arrival(SimTime arrival);
  // `output_lag`: client-visible delay after the engine (MetricsCollector's), added to TTFT and E2E.
  void on_finished(const Request& r, SimTime output_lag = 0);
  void on_dropped(const Request& r);
  // The per-stage results; reorders the samples (call once, at the end).
  std::vector<StageResult> results();

 private:
  struct Stage {
    ArrivalStage def;
    SimTime start = 0, end = 0;
    uint64_t arrived = 0, dropped = 0;
    std::vector<double> ttft, e2e, tpot, queue;
    int64_t decode_ns = 0;
    uint64_t decode_tokens = 0, output_tokens = 0, prompt_tokens = 0, cached_tokens = 0;
    double first_quarter_wait = 0, last_quarter_wait = 0;
    uint64_t first_quarter_n = 0, last_quarter_n = 0;
  };
  // The stage in which a request arriving at `t` arrived; nullptr outside every stage.
  Stage* stage_of(SimTime t);

  std::vector<Stage> stages_;
};

// [stage.to_json(), ...]
nlohmann::json stages_to_json(const std::vector<StageResult>& stages);

}  // namespace kvsim
