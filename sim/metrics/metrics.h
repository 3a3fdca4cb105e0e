// Metrics of a run: a record per request (streamed to requests.csv), latency distributions
// (TTFT, TPOT, E2E, queueing delay), throughput, goodput against SLOs, prefix hit rates, and a
// time series sampled at a fixed simulated interval (streamed to timeseries.csv).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/replica.h"
#include "metrics/csv_writer.h"
#include "metrics/percentiles.h"
#include "metrics/run_summary.h"
#include "metrics/stage_metrics.h"

namespace kvsim {

struct TimeseriesRow {
  double time_s = 0;
  uint64_t kv_blocks_used = 0, kv_blocks_cached = 0, kv_blocks_free = 0;
  uint64_t kv_tokens = 0;  // KV tokens computed for running requests
  uint64_t running = 0, waiting = 0;
  double tokens_per_step = 0;     // mean over the steps of the interval
  uint64_t steps = 0;
  double prefix_hit_rate = 0;     // token hit rate of the admissions in the interval
  double throughput_tok_s = 0;    // tokens computed (prompt + generated) per second
  uint64_t finished = 0;          // requests finished in the interval
};

// Per-request latencies kept for the distributions (seconds); finish() reorders them (selection
// for the percentiles), run_scenario sorts them when it hands them out.
struct LatencySamples {
  std::vector<double> ttft, tpot, e2e, queue;
};

// More columns at the end of timeseries.csv (the elastic fleet's: sim/run/fleet.h), written only
// when set, so a run without them writes the file as before. An elastic fleet also says which
// replicas it holds, so that the KV figures count only the blocks of replicas held at each sample
// (from the start of their provisioning to their release), not every replica the run ever created.
class TimeseriesExtra {
 public:
  virtual ~TimeseriesExtra() = default;
  virtual std::string header() const = 0;  // "a,b,c"
  virtual void write(CsvWriter& csv, SimTime now) = 0;
  // Whether replicas come and go (then held() says which are held); false: every replica, always.
  virtual bool replicas_vary() const { return false; }
  virtual bool held(uint32_t /*replica*/) const { return true; }  // provisioning, up, draining or under notice
};

// More columns of requests.csv (disaggregated pools: each request's prefill replica and KV
// transfer times), written after the standard ones.
class RequestExtra {
 public:
  virtual ~RequestExtra() = default;
  virtual std::string request_header() const = 0;  // "a,b,c"
  virtual void write_request(CsvWriter& csv, const Request& req) = 0;
};

class MetricsCollector final : public ReplicaObserver {
 public:
  // `output_lag` is the time from the engine producing a token to the client seeing it
  // (detokenisation, streaming): added to the first-token and finish times of every request.
  MetricsCollector(const SloConfig& slo, uint32_t num_replicas, SimTime output_lag = 0);
  // Streams request and time-series records into these files (empty path = keep nothing).
  void open_outputs(const std::string& requests_csv, const std::string& timeseries_csv);
  // Columns appended to every time-series row; call before open_outputs.
  void set_timeseries_extra(TimeseriesExtra* extra) {
    extra_ = extra;
    holder_ = extra != nullptr && extra->replicas_vary() ? extra : nullptr;
  }
  // (before open_outputs)
  void set_request_extra(RequestExtra* extra) { request_extra_ = extra; }
  // A replica joined the fleet (its id is the count before).
  void add_replica() { busy_ns_.push_back(0); }
  // Reports the run stage by stage as well (summary "stages", stage_results()); call before the run.
  void set_stages(const std::vector<ArrivalStage>& stages) { stages_ = StageMetrics(stages); }
  void on_arrival(SimTime arrival) {
    ++arrived_;
    if (!stages_.empty()) stages_.on_arrival(arrival);
  }
  void on_step(uint32_t replica, const SchedulerOutput& out, SimTime start, SimTime end) override;
  void on_finished(Request& req) override;
  void on_dropped(Request& req, const char* reason) override;
  // A response cache answered the request at `answered` (no GPU work): counted as completed, its
  // TTFT and E2E the cache's latency, no TPOT; its row says `kind` ("exact", "semantic") in the
  // cache column. Call with_cache_column before open_outputs when a cache is configured.
  void on_cache_hit(Request& req, SimTime answered, const char* kind);
  void with_cache_column() { cache_column_ = true; }
  // Writes a time-series row describing the cluster at `now` (and keeps it, unless told not to):
  // the replicas held then (all of a fixed fleet).
  void sample(SimTime now, const std::vector<std::unique_ptr<Replica>>& replicas);
  // Counts `n` rows equal to the last one but for their time, which are not written (a quiet
  // stretch): the summary's mean KV utilization still weighs every interval.
  void count_repeated_rows(uint64_t n);
  // false: rows go only to timeseries.csv, so memory does not grow with the simulated time.
  void keep_timeseries(bool keep) { keep_timeseries_ = keep; }
  uint64_t timeseries_rows() const { return rows_; }
  SimTime last_sample() const { return last_sample_; }
  // Closes the files and computes the summary's requests, latency, throughput, goodput,
  // prefix-cache, KV and engine sections, and the stages when set_stages was given some. `end` is
  // the simulated end time. (The KV tiers, cost and what describes the run are run_scenario's.)
  // With an elastic fleet the KV utilisations are over the blocks held at each sample (mean: the
  // used blocks summed over the samples / the blocks held summed over them; peak: the largest
  // ratio of one sample) and blocks_total is the most blocks held at once.
  RunSummary finish(SimTime end, const std::vector<std::unique_ptr<Replica>>& replicas);

  uint64_t arrived() const { return arrived_; }
  uint64_t completed() const { return completed_; }
  uint64_t dropped() const { return dropped_; }
  uint64_t input_tokens() const { return input_tokens_; }
  uint64_t output_tokens() const { return output_tokens_; }
  const std::vector<TimeseriesRow>& timeseries() const { return timeseries_; }  // kept rows
  LatencySamples& samples() { return samples_; }
  // One result per stage of set_stages, in order; filled by finish().
  const std::vector<StageResult>& stage_results() const { return stage_results_; }

 private:
  void write_request(const Request& req, const char* status);
  SloConfig slo_;
  bool cache_column_ = false;
  const char* cache_kind_ = "";  // of the row being written
  SimTime output_lag_ = 0;
  CsvWriter requests_csv_, timeseries_csv_;
  LatencySamples samples_;
  std::vector<TimeseriesRow> timeseries_;
  std::map<std::string, uint64_t> dropped_by_reason_;
  uint64_t arrived_ = 0, completed_ = 0, dropped_ = 0, good_ = 0;
  uint64_t input_tokens_ = 0, output_tokens_ = 0, cached_tokens_ = 0, preemptions_ = 0;
  uint64_t preempted_requests_ = 0;
  int64_t decode_ns_ = 0;      // sum of (finish - first token) of completed requests
  uint64_t decode_tokens_ = 0; // sum of their (output tokens - 1)
  StageMetrics stages_{std::vector<ArrivalStage>{}};
  std::vector<StageResult> stage_results_;
  uint64_t steps_ = 0, step_tokens_ = 0, prefill_tokens_ = 0, request_steps_ = 0;
  std::vector<int64_t> busy_ns_;  // per replica
  // Interval accumulators for the time series.
  uint64_t iv_steps_ = 0, iv_tokens_ = 0, iv_finished_ = 0;
  uint64_t iv_hit_tokens_base_ = 0, iv_query_tokens_base_ = 0;
  SimTime last_sample_ = 0;
  bool keep_timeseries_ = true;
  uint64_t rows_ = 0;  // written and repeated
  uint64_t last_used_ = 0;
  double used_sum_ = 0, peak_used_ = 0;
  TimeseriesExtra* extra_ = nullptr;  // (last: the members every request touches keep their offsets)
  RequestExtra* request_extra_ = nullptr;
  // An elastic fleet's KV blocks held, per sample: summed (repeated rows included), the last and
  // the most, and the largest used / held of a sample.
  const TimeseriesExtra* holder_ = nullptr;  // extra_ when its replicas vary
  double held_sum_ = 0, peak_held_utilization_ = 0;
  uint64_t last_held_ = 0, peak_held_ = 0;
};

}  // namespace kvsim
