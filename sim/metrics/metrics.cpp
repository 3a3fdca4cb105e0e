#include "metrics/metrics.h"

#include <algorithm>

namespace kvsim {

MetricsCollector::MetricsCollector(const SloConfig& slo, uint32_t num_replicas, SimTime output_lag)
    : slo_(slo), output_lag_(output_lag), busy_ns_(num_replicas, 0) {}

void MetricsCollector::open_outputs(const std::string& requests_csv, const std::string& timeseries_csv) {
  if (!requests_csv.empty())
    requests_csv_.open(requests_csv,
                       std::string("id,replica,status,arrival_s,scheduled_s,first_token_s,finish_s,prompt_tokens,"
                                   "output_tokens,cached_tokens,preemptions,queue_s,ttft_s,tpot_s,e2e_s") +
                           (cache_column_ ? ",cache" : "") +
                           (request_extra_ ? "," + request_extra_->request_header() : std::string()));
  if (!timeseries_csv.empty())
    timeseries_csv_.open(timeseries_csv,
                         "time_s,kv_blocks_used,kv_blocks_cached,kv_blocks_free,kv_tokens,running,waiting,"
                         "steps,tokens_per_step,prefix_hit_rate,throughput_tok_s,finished" +
                             (extra_ ? "," + extra_->header() : std::string()));
}

void MetricsCollector::on_step(uint32_t replica, const SchedulerOutput& out, SimTime start, SimTime end) {
  ++steps_;
  ++iv_steps_;
  request_steps_ += out.scheduled.size();
  const uint64_t tokens = out.shape.total_tokens();
  step_tokens_ += tokens;
  prefill_tokens_ += out.shape.prefill_tokens;
  iv_tokens_ += tokens;
  busy_ns_[replica] += end - start;
}

void MetricsCollector::write_request(const Request& r, const char* status) {
  if (!requests_csv_.is_open()) return;
  const bool done = r.finished >= 0;
  // Client-visible times: what the engine produced plus the output lag.
  const SimTime first_token = r.first_token >= 0 ? r.first_token + output_lag_ : -1;
  const SimTime finished = done ? r.finished + output_lag_ : -1;
  requests_csv_.u(r.spec.id);
  if (*cache_kind_) requests_csv_.s("");  // no replica
  else requests_csv_.u(r.replica);
  requests_csv_.s(status).seconds(r.spec.arrival).seconds(r.first_scheduled)
      .seconds(first_token).seconds(finished).u(r.spec.prompt_tokens)
      .u(done ? r.num_output_tokens : r.spec.output_tokens)  // a dropped request: the length it asked for
      .u(r.num_cached_tokens).u(r.num_preemptions)
      .seconds(r.first_scheduled >= 0 ? r.first_scheduled - r.spec.arrival : -1)
      .seconds(first_token >= 0 ? first_token - r.spec.arrival : -1);
  if (done && r.num_output_tokens > 1) {
    requests_csv_.f(to_seconds(r.finished - r.first_token) / (r.num_output_tokens - 1));
  } else {
    requests_csv_.s("");
  }
  requests_csv_.seconds(done ? finished - r.spec.arrival : -1);
  if (cache_column_) requests_csv_.s(cache_kind_);
  if (request_extra_) request_extra_->write_request(requests_csv_, r);
  requests_csv_.end_row();
}

void MetricsCollector::on_finished(Request& r) {
  ++completed_;
  ++iv_finished_;
  input_tokens_ += r.spec.prompt_tokens;
  output_tokens_ += r.num_output_tokens;
  cached_tokens_ += r.num_cached_tokens;
  preemptions_ += r.num_preemptions;
  preempted_requests_ += r.num_preemptions > 0;
  const double ttft = to_seconds(r.first_token + output_lag_ - r.spec.arrival);
  const double e2e = to_seconds(r.finished + output_lag_ - r.spec.arrival);
  samples_.ttft.push_back(ttft);
  samples_.e2e.push_back(e2e);
  samples_.queue.push_back(to_seconds(r.first_scheduled - r.spec.arrival));
  double tpot = 0;
  if (r.num_output_tokens > 1) {
    tpot = to_seconds(r.finished - r.first_token) / (r.num_output_tokens - 1);
    samples_.tpot.push_back(tpot);
    decode_ns_ += r.finished - r.first_token;
    decode_tokens_ += r.num_output_tokens - 1;
  }
  if (!stages_.empty()) stages_.on_finished(r, output_lag_);
  const bool good = (slo_.ttft_s <= 0 || ttft <= slo_.ttft_s) && (slo_.tpot_s <= 0 || tpot <= slo_.tpot_s) &&
                    (slo_.e2e_s <= 0 || e2e <= slo_.e2e_s);
  good_ += good;
  write_request(r, "finished");
}

void MetricsCollector::on_cache_hit(Request& r, SimTime answered, const char* kind) {
  ++completed_;
  ++iv_finished_;
  const double latency = to_seconds(answered - r.spec.arrival);
  samples_.ttft.push_back(latency);
  samples_.e2e.push_back(latency);
  samples_.queue.push_back(0);
  // The whole answer at once; write_request adds the output lag back.
  r.first_scheduled = r.spec.arrival;  // no queue
  r.first_token = r.finished = answered - output_lag_;
  r.num_output_tokens = r.spec.output_tokens;
  if (!stages_.empty()) stages_.on_finished(r, output_lag_);
  good_ += (slo_.ttft_s <= 0 || latency <= slo_.ttft_s) && (slo_.e2e_s <= 0 || latency <= slo_.e2e_s);
  cache_kind_ = kind;
  write_request(r, "finished");
  cache_kind_ = "";
}

void MetricsCollector::on_dropped(Request& r, const char* reason) {
  ++dropped_;
  ++dropped_by_reason_[reason];
  if (!stages_.empty()) stages_.on_dropped(r);
  r.status = RequestStatus::kDropped;
  write_request(r, reason);
}

void MetricsCollector::sample(SimTime now, const std::vector<std::unique_ptr<Replica>>& replicas) {
  TimeseriesRow row;
  row.time_s = to_seconds(now);
  uint64_t hit_tokens = 0, query_tokens = 0, held_blocks = 0;
  for (const auto& rep : replicas) {
    hit_tokens += rep->prefix_stats().hit_tokens;  // (counters of the whole run: released replicas' too)
    query_tokens += rep->prefix_stats().query_tokens;
    if (holder_ && !holder_->held(static_cast<uint32_t>(&rep - replicas.data()))) continue;
    const KvUsage u = rep->kv_usage();
    held_blocks += u.blocks_total;
    row.kv_blocks_used += u.blocks_used;
    row.kv_blocks_cached += u.blocks_cached_free;
    row.kv_blocks_free += u.blocks_free;
    row.kv_tokens += rep->running_kv_tokens();
    row.running += rep->num_running();
    row.waiting += rep->num_waiting();
  }
  row.steps = iv_steps_;
  row.tokens_per_step = iv_steps_ ? static_cast<double>(iv_tokens_) / static_cast<double>(iv_steps_) : 0;
  const uint64_t dq = query_tokens - iv_query_tokens_base_;
  row.prefix_hit_rate = dq ? static_cast<double>(hit_tokens - iv_hit_tokens_base_) / static_cast<double>(dq) : 0;
  const double dt = to_seconds(now - last_sample_);
  row.throughput_tok_s = dt > 0 ? static_cast<double>(iv_tokens_) / dt : 0;
  row.finished = iv_finished_;
  iv_steps_ = iv_tokens_ = iv_finished_ = 0;
  iv_hit_tokens_base_ = hit_tokens;
  iv_query_tokens_base_ = query_tokens;
  last_sample_ = now;
  if (keep_timeseries_) timeseries_.push_back(row);
  ++rows_;
  last_used_ = row.kv_blocks_used;
  used_sum_ += static_cast<double>(row.kv_blocks_used);
  peak_used_ = std::max(peak_used_, static_cast<double>(row.kv_blocks_used));
  if (holder_) {
    last_held_ = held_blocks;
    held_sum_ += static_cast<double>(held_blocks);
    peak_held_ = std::max(peak_held_, held_blocks);
    if (held_blocks > 0)
      peak_held_utilization_ = std::max(peak_held_utilization_, static_cast<double>(row.kv_blocks_used) / static_cast<double>(held_blocks));
  }
  if (timeseries_csv_.is_open()) {
    timeseries_csv_.seconds(now).u(row.kv_blocks_used).u(row.kv_blocks_cached).u(row.kv_blocks_free)
        .u(row.kv_tokens).u(row.running).u(row.waiting).u(row.steps).f(row.tokens_per_step)
        .f(row.prefix_hit_rate).f(row.throughput_tok_s).u(row.finished);
    if (extra_) extra_->write(timeseries_csv_, now);
    timeseries_csv_.end_row();
  }
}

void MetricsCollector::count_repeated_rows(uint64_t n) {
  rows_ += n;
  used_sum_ += static_cast<double>(last_used_) * static_cast<double>(n);
  held_sum_ += static_cast<double>(last_held_) * static_cast<double>(n);
}

RunSummary MetricsCollector::finish(SimTime end, const std::vector<std::unique_ptr<Replica>>& replicas) {
  requests_csv_.close();
  timeseries_csv_.close();
  const double duration = std::max(to_seconds(end), 1e-9);
  RunSummary s;
  s.requests.arrived = arrived_;
  s.requests.completed = completed_;
  s.requests.dropped = dropped_;
  s.requests.dropped_by_reason = dropped_by_reason_;
  s.requests.preempted = preempted_requests_;
  s.requests.preemptions = preemptions_;
  s.ttft_s = summarize(samples_.ttft);
  s.tpot_s = summarize(samples_.tpot);
  // Token-weighted, as benchmark clients report ITL: total decode time over tokens after the first.
  s.itl_mean_s = decode_tokens_ ? to_seconds(decode_ns_) / static_cast<double>(decode_tokens_) : 0.0;
  s.e2e_s = summarize(samples_.e2e);
  s.queue_s = summarize(samples_.queue);
  if (!stages_.empty()) {
    stage_results_ = stages_.results();
    s.has_stages = true;
    s.stages = stage_results_;
  }
  s.throughput = {completed_ / duration, input_tokens_ / duration, output_tokens_ / duration,
                  (input_tokens_ + output_tokens_) / duration};
  s.goodput.slo = slo_;
  s.goodput.requests_meeting_slo = good_;
  s.goodput.fraction = completed_ + dropped_ ? static_cast<double>(good_) / (completed_ + dropped_) : 0.0;
  s.goodput.requests_per_s = good_ / duration;
  PrefixCacheStats p;
  KvUsage kv;
  for (const auto& rep : replicas) {
    const auto& ps = rep->prefix_stats();
    p.admissions += ps.admissions;
    p.query_blocks += ps.query_blocks;
    p.hit_blocks += ps.hit_blocks;
    p.query_tokens += ps.query_tokens;
    p.hit_tokens += ps.hit_tokens;
    p.evictions += ps.evictions;
    const KvUsage u = rep->kv_usage();
    kv.blocks_total += u.blocks_total;
  }
  PrefixCacheSummary& pc = s.prefix_cache;
  pc.admissions = p.admissions;
  pc.query_blocks = p.query_blocks;
  pc.hit_blocks = p.hit_blocks;
  pc.block_hit_rate = p.query_blocks ? static_cast<double>(p.hit_blocks) / p.query_blocks : 0.0;
  pc.query_tokens = p.query_tokens;
  pc.hit_tokens = p.hit_tokens;
  pc.token_hit_rate = p.query_tokens ? static_cast<double>(p.hit_tokens) / p.query_tokens : 0.0;
  pc.evictions = p.evictions;
  pc.cached_tokens_of_completed = cached_tokens_;
  const double blocks_total = static_cast<double>(kv.blocks_total);
  s.kv.blocks_total = kv.blocks_total;
  s.kv.blocks_per_replica = replicas.empty() ? 0 : kv.blocks_total / replicas.size();
  s.kv.mean_utilization = rows_ == 0 || blocks_total == 0 ? 0.0 : used_sum_ / static_cast<double>(rows_) / blocks_total;
  s.kv.peak_utilization = blocks_total == 0 ? 0.0 : peak_used_ / blocks_total;
  if (holder_) {  // an elastic fleet: over the blocks held at each sample
    s.kv.blocks_total = peak_held_;
    s.kv.mean_utilization = held_sum_ > 0 ? used_sum_ / held_sum_ : 0.0;
    s.kv.peak_utilization = peak_held_utilization_;
  }
  double busy = 0;
  for (int64_t b : busy_ns_) busy += to_seconds(b);
  s.engine.steps = steps_;
  s.engine.request_steps = request_steps_;
  s.engine.mean_tokens_per_step = steps_ ? static_cast<double>(step_tokens_) / steps_ : 0.0;
  s.engine.prefill_tokens_computed = prefill_tokens_;
  s.engine.busy_fraction = busy_ns_.empty() ? 0.0 : busy / (duration * busy_ns_.size());
  s.simulated_seconds = to_seconds(end);
  return s;
}

}  // namespace kvsim
