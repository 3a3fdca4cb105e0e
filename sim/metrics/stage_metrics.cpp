#include "metrics/stage_metrics.h"

#include <algorithm>

namespace kvsim {

namespace {

double mean_of(double sum, uint64_t n) { return n ? sum / static_cast<double>(n) : 0.0; }

}  // namespace

nlohmann::json StageResult::to_json() const {
  nlohmann::json j = {{"index", index},
                      {"start_s", start_s},
                      {"end_s", end_s},
                      {"rate", rate},
                      {"arrived", arrived},
                      {"completed", completed},
                      {"dropped", dropped},
                      {"ttft_s", ttft_s.to_json()},
                      {"e2e_s", e2e_s.to_json()},
                      {"tpot_s", tpot_s.to_json()},
                      {"queue_s", queue_s.to_json()},
                      {"itl_mean_s", itl_mean_s},
                      {"output_tokens_mean", output_tokens_mean},
                      {"prefix_token_hit_rate", prefix_token_hit_rate},
                      {"queue_first_quarter_s", queue_first_quarter_s},
                      {"queue_last_quarter_s", queue_last_quarter_s},
                      {"queue_growth", queue_growth},
                      {"saturated", saturated}};
  if (!std::isnan(to_rate)) j["to_rate"] = to_rate;
  return j;
}

nlohmann::json stages_to_json(const std::vector<StageResult>& stages) {
  nlohmann::json j = nlohmann::json::array();
  for (const StageResult& s : stages) j.push_back(s.to_json());
  return j;
}

StageMetrics::StageMetrics(const std::vector<ArrivalStage>& stages) {
  double t = 0;
  for (const ArrivalStage& def : stages) {
    Stage s;
    s.def = def;
    s.start = from_seconds(t);
    t += def.duration_s;
    s.end = from_seconds(t);
    stages_.push_back(std::move(s));
  }
}

StageMetrics::Stage* StageMetrics::stage_of(SimTime t) {
  auto it = std::upper_bound(stages_.begin(), stages_.end(), t,
                             [](SimTime time, const Stage& s) { return time < s.end; });
  return it == stages_.end() || t < it->start ? nullptr : &*it;
}

void StageMetrics::on_arrival(SimTime arrival) {
  if (Stage* s = stage_of(arrival)) ++s->arrived;
}

void StageMetrics::on_dropped(const Request& r) {
  if (Stage* s = stage_of(r.spec.arrival)) ++s->dropped;
}

void StageMetrics::on_finished(const Request& r, SimTime output_lag) {
  Stage* s = stage_of(r.spec.arrival);
  if (s == nullptr) return;
  const double wait = to_seconds(r.first_scheduled - r.spec.arrival);
  s->ttft.push_back(to_seconds(r.first_token + output_lag - r.spec.arrival));
  s->e2e.push_back(to_seconds(r.finished + output_lag - r.spec.arrival));
  s->queue.push_back(wait);
  if (r.num_output_tokens > 1) {
    s->tpot.push_back(to_seconds(r.finished - r.first_token) / (r.num_output_tokens - 1));
    s->decode_ns += r.finished - r.first_token;
    s->decode_tokens += r.num_output_tokens - 1;
  }
  s->output_tokens += r.num_output_tokens;
  s->prompt_tokens += r.spec.prompt_tokens;
  s->cached_tokens += r.num_cached_tokens;
  const SimTime quarter = (s->end - s->start) / 4;
  if (r.spec.arrival < s->start + quarter) {
    s->first_quarter_wait += wait;
    ++s->first_quarter_n;
  } else if (r.spec.arrival >= s->end - quarter) {
    s->last_quarter_wait += wait;
    ++s->last_quarter_n;
  }
}

std::vector<StageResult> StageMetrics::results() {
  std::vector<StageResult> out;
  for (size_t i = 0; i < stages_.size(); ++i) {
    Stage& s = stages_[i];
    StageResult r;
    r.index = static_cast<uint32_t>(i);
    r.start_s = to_seconds(s.start);
    r.end_s = to_seconds(s.end);
    r.rate = s.def.rate;
    r.to_rate = s.def.to_rate;
    r.arrived = s.arrived;
    r.completed = s.ttft.size();
    r.dropped = s.dropped;
    r.ttft_s = summarize(s.ttft);
    r.e2e_s = summarize(s.e2e);
    r.tpot_s = summarize(s.tpot);
    r.queue_s = summarize(s.queue);
    r.itl_mean_s = s.decode_tokens ? to_seconds(s.decode_ns) / static_cast<double>(s.decode_tokens) : 0.0;
    r.output_tokens_mean = mean_of(static_cast<double>(s.output_tokens), r.completed);
    r.prefix_token_hit_rate =
        s.prompt_tokens ? static_cast<double>(s.cached_tokens) / static_cast<double>(s.prompt_tokens) : 0.0;
    r.queue_first_quarter_s = mean_of(s.first_quarter_wait, s.first_quarter_n);
    r.queue_last_quarter_s = mean_of(s.last_quarter_wait, s.last_quarter_n);
    r.queue_growth = (r.queue_last_quarter_s - r.queue_first_quarter_s) / (0.75 * s.def.duration_s);
    r.saturated = s.first_quarter_n >= kMinSamples && s.last_quarter_n >= kMinSamples &&
                  r.queue_last_quarter_s > kMinWaitS && r.queue_growth > kMinGrowth;
    out.push_back(r);
  }
  return out;
}

}  // namespace kvsim
