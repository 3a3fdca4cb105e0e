#include "workload/arrival_process.h"

#include <cmath>
#include <sstream>

#include "core/error.h"
#include "workload/text_number.h"

namespace kvsim {

namespace {

bool non_negative(double x) { return x >= 0 && std::isfinite(x); }

void validate_stages(const std::vector<ArrivalStage>& stages) {
  double total = 0;
  for (size_t i = 0; i < stages.size(); ++i) {
    const ArrivalStage& s = stages[i];
    const std::string where = "arrival stage " + std::to_string(i) + ": ";
    if (!non_negative(s.rate))
      throw InputError(where + "rate must be a number >= 0, found " + format_number(s.rate));
    if (s.ramped() && !non_negative(s.to_rate))
      throw InputError(where + "to_rate must be a number >= 0, found " + format_number(s.to_rate));
    if (!(s.duration_s > 0) || !std::isfinite(s.duration_s))
      throw InputError(where + "duration_s must be a finite number > 0, found " + format_number(s.duration_s));
    total += s.expected_arrivals();
  }
  if (!(total > 0)) throw InputError("arrival stages: at least one stage needs a rate > 0");
}

}  // namespace

const char* process_name(ArrivalConfig::Process p) {
  return p == ArrivalConfig::Process::kGamma ? "gamma" : "poisson";
}

double schedule_end_s(const ArrivalConfig& config) {
  if (config.stages.empty()) return INFINITY;
  double end = 0;
  for (const ArrivalStage& s : config.stages) end += s.duration_s;
  return end;
}

double mean_rate(const ArrivalConfig& config) {
  if (config.stages.empty()) return config.rate;
  double arrivals = 0;
  for (const ArrivalStage& s : config.stages) arrivals += s.expected_arrivals();
  return arrivals / schedule_end_s(config);
}

ArrivalProcess::ArrivalProcess(const ArrivalConfig& config, uint64_t seed)
    : config_(config), rng_(seed) {
  const bool scheduled = !config.stages.empty();
  if (scheduled) {
    validate_stages(config.stages);
    double t = 0, lambda = 0;
    for (const ArrivalStage& s : config.stages) {
      start_s_.push_back(t);
      lambda_.push_back(lambda);
      t += s.duration_s;
      lambda += s.expected_arrivals();
    }
    start_s_.push_back(t);
    lambda_.push_back(lambda);
    if (!(t <= kMaxSimSeconds))
      throw InputError("arrival stages last " + format_number(t) + " s, past the simulated-time limit of 100 years (" +
                       format_number(kMaxSimSeconds) + " s)");
  } else if (!(config.rate >= ArrivalConfig::kMinRate && config.rate <= ArrivalConfig::kMaxRate)) {
    throw InputError("arrival rate: expected a number of requests per second in [" +
                     format_number(ArrivalConfig::kMinRate) + ", " + format_number(ArrivalConfig::kMaxRate) +
                     "], found " + format_number(config.rate));
  }
  if (config.process == ArrivalConfig::Process::kGamma) {
    if (!(config.cv >= ArrivalConfig::kMinCv && config.cv <= ArrivalConfig::kMaxCv))
      throw InputError("gamma arrivals: expected a cv in [" + format_number(ArrivalConfig::kMinCv) + ", " +
                       format_number(ArrivalConfig::kMaxCv) + "], found " + format_number(config.cv));
    // A Gamma(k, theta) gap has mean k*theta = 1/rate (1 on a schedule's unit-rate clock) and cv
    // 1/sqrt(k).
    gamma_shape_ = 1.0 / (config.cv * config.cv);
    gamma_scale_ = 1.0 / ((scheduled ? 1.0 : config.rate) * gamma_shape_);
  }
}

double ArrivalProcess::gap() {
  if (config_.process == ArrivalConfig::Process::kGamma) return rng_.gamma(gamma_shape_, gamma_scale_);
  return rng_.exponential(config_.stages.empty() ? config_.rate : 1.0);
}

double ArrivalProcess::inverse_cumulative_rate(double tau) {
  const size_t n = config_.stages.size();
  // Stages whose cumulative rate ends at or before tau (rate-0 stages among them) are passed.
  while (stage_ < n && lambda_[stage_ + 1] <= tau) ++stage_;
  if (stage_ == n) return INFINITY;
  const ArrivalStage& s = config_.stages[stage_];
  const double x = tau - lambda_[stage_];  // arrivals expected into this stage, > 0 below its end
  // Solve r0 u + (r1 - r0) u^2 / (2 d) = x for u in [0, d]; the form 2x / (r0 + sqrt(...)) stays
  // exact when r1 = r0 and when r0 = 0.
  const double r0 = s.rate, r1 = s.end_rate();
  const double root = std::sqrt(std::max(0.0, r0 * r0 + 2.0 * (r1 - r0) * x / s.duration_s));
  const double u = x > 0 ? 2.0 * x / (r0 + root) : 0.0;
  return start_s_[stage_] + std::min(u, s.duration_s);
}

SimTime ArrivalProcess::next() {
  if (config_.stages.empty()) {
    if (started_) {
      const double g = gap();
      if (!(g <= kMaxSimSeconds - to_seconds(time_)))
        throw InputError("the " + describe() + " arrivals pass the simulated-time limit of 100 years (" +
                         format_number(kMaxSimSeconds) + " s) after " + format_number(to_seconds(time_)) +
                         " s: raise the rate or ask for fewer requests");
      time_ += from_seconds(g);
    }
    started_ = true;
    return time_;
  }
  if (time_ == kNever) return kNever;
  tau_ += gap();
  const double t = inverse_cumulative_rate(tau_);
  // Integer nanoseconds round; keep the order when two arrivals round to one instant.
  time_ = std::isinf(t) ? kNever : std::max(time_, from_seconds(t));
  return time_;
}

std::string ArrivalProcess::describe() const {
  std::ostringstream o;
  o << process_name(config_.process);
  if (config_.stages.empty()) {
    o << " " << config_.rate << " req/s";
  } else {
    o << " stages";
    for (size_t i = 0; i < config_.stages.size(); ++i) {
      const ArrivalStage& s = config_.stages[i];
      o << (i == 0 ? " " : ", ") << s.rate;
      if (s.ramped()) o << "->" << s.to_rate;
      o << " req/s for " << s.duration_s << " s";
    }
  }
  if (config_.process == ArrivalConfig::Process::kGamma) o << " cv " << config_.cv;
  return o.str();
}

}  // namespace kvsim
