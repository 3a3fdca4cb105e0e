#include "workload/arrival_process.h"

#include <cmath>
#include <sstream>

#include "core/error.h"
#include "workload/text_number.h"

namespace kvsim {

const char* process_name(ArrivalConfig::Process p) {
  return p == ArrivalConfig::Process::kGamma ? "gamma" : "poisson";
}

ArrivalProcess::ArrivalProcess(const ArrivalConfig& config, uint64_t seed)
    : config_(config), rng_(seed) {
  if (!(config.rate >= ArrivalConfig::kMinRate && config.rate <= ArrivalConfig::kMaxRate))
    throw InputError("arrival rate: expected a number of requests per second in [" +
                     format_number(ArrivalConfig::kMinRate) + ", " + format_number(ArrivalConfig::kMaxRate) +
                     "], found " + format_number(config.rate));
  if (config.process == ArrivalConfig::Process::kGamma) {
    if (!(config.cv >= ArrivalConfig::kMinCv && config.cv <= ArrivalConfig::kMaxCv))
      throw InputError("gamma arrivals: expected a cv in [" + format_number(ArrivalConfig::kMinCv) + ", " +
                       format_number(ArrivalConfig::kMaxCv) + "], found " + format_number(config.cv));
    // A Gamma(k, theta) gap has mean k*theta = 1/rate and cv 1/sqrt(k).
    gamma_shape_ = 1.0 / (config.cv * config.cv);
    gamma_scale_ = 1.0 / (config.rate * gamma_shape_);
  }
}

double ArrivalProcess::gap_seconds() {
  if (config_.process == ArrivalConfig::Process::kGamma) return rng_.gamma(gamma_shape_, gamma_scale_);
  return rng_.exponential(config_.rate);
}

SimTime ArrivalProcess::next() {
  if (started_) {
    const double gap = gap_seconds();
    if (!(gap <= kMaxSimSeconds - to_seconds(time_)))
      throw InputError("the " + describe() + " arrivals pass the simulated-time limit of 100 years (" +
                       format_number(kMaxSimSeconds) + " s) after " + format_number(to_seconds(time_)) +
                       " s: raise the rate or ask for fewer requests");
    time_ += from_seconds(gap);
  }
  started_ = true;
  return time_;
}

std::string ArrivalProcess::describe() const {
  std::ostringstream o;
  o << process_name(config_.process) << " " << config_.rate << " req/s";
  if (config_.process == ArrivalConfig::Process::kGamma) o << " cv " << config_.cv;
  return o.str();
}

}  // namespace kvsim
