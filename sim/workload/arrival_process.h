// When requests arrive, for a synthetic workload or a trace without timestamps: a renewal process
// whose gaps are exponential (Poisson arrivals) or Gamma-distributed with a chosen coefficient of
// variation (cv > 1 is burstier than Poisson, cv < 1 more regular).
//
// At a constant rate the first request arrives at 0. With a schedule of stages (piecewise-constant
// or linearly ramped rates, back to back from time 0) the process is a unit-rate renewal process
// mapped through the inverse of the cumulative rate: arrival k is at Lambda^-1(tau_k), where tau_k
// is the k-th point of a renewal process with mean gap 1 and Lambda(t) the integral of the rate
// from 0 to t (Cinlar's time-rescaling). For Poisson gaps this is exactly the inhomogeneous Poisson
// process of that rate; for Gamma gaps it keeps the cv in the local time of the rate. The first
// request then arrives after a first gap (a stage of rate 0 stays empty) and the process ends at
// the end of the last stage.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "core/time.h"

namespace kvsim {

// One stage of an arrival schedule: the rate goes linearly from `rate` to `to_rate` over
// `duration_s` (a constant rate when to_rate is NaN, i.e. not set).
struct ArrivalStage {
  double rate = 0.0;        // requests/s at the stage's start, >= 0
  double to_rate = NAN;     // requests/s at its end, >= 0; NaN = same as rate
  double duration_s = 0.0;  // > 0, finite

  bool ramped() const { return !std::isnan(to_rate); }
  double end_rate() const { return ramped() ? to_rate : rate; }
  // The expected number of arrivals in the stage: the integral of its rate.
  double expected_arrivals() const { return 0.5 * (rate + end_rate()) * duration_s; }
};

struct ArrivalConfig {
  enum class Process { kPoisson, kGamma };
  ArrivalConfig() = default;
  ArrivalConfig(Process process, double rate, double cv = 1.0) : process(process), rate(rate), cv(cv) {}
  ArrivalConfig(Process process, std::vector<ArrivalStage> stages, double cv = 1.0)
      : process(process), cv(cv), stages(std::move(stages)) {}

  Process process = Process::kPoisson;
  double rate = 1.0;  // mean requests per second, in [kMinRate, kMaxRate] (unused when stages are set)
  double cv = 1.0;    // Gamma only: standard deviation / mean of the gaps, in [kMinCv, kMaxCv]
  std::vector<ArrivalStage> stages;  // when not empty, the rate schedule (replaces rate)

  // In these ranges the samplers' arithmetic stays finite, so Marsaglia and Tsang's Gamma sampler
  // accepts with probability above 0.95 per try and terminates (a cv of 1e-160 would square to 0).
  static constexpr double kMinRate = 1e-6, kMaxRate = 1e9;
  static constexpr double kMinCv = 1e-6, kMaxCv = 1e3;
};

const char* process_name(ArrivalConfig::Process p);

// The end of the last stage in seconds (infinity when there are no stages).
double schedule_end_s(const ArrivalConfig& config);
// The mean rate of the whole run: the constant rate, or the stages' arrivals over their duration.
double mean_rate(const ArrivalConfig& config);

class ArrivalProcess {
 public:
  // Throws InputError if a rate, a duration or the cv is out of range (see ArrivalStage and the
  // constants above), or if no stage has a rate > 0.
  ArrivalProcess(const ArrivalConfig& config, uint64_t seed);

  // The arrival time of the next request; non-decreasing. kNever once the last stage is over.
  // Throws InputError when it would pass kMaxSimTime (100 years).
  SimTime next();
  // "poisson 10 req/s", "gamma 10 req/s cv 2", "poisson stages 2.5 req/s for 600 s, 1->10 req/s
  // for 300 s".
  std::string describe() const;

 private:
  // A gap of the process: mean 1 / rate, or mean 1 (unit rate) for a schedule.
  double gap();
  // Lambda^-1(tau) in seconds, advancing stage_ (tau never decreases); infinity past the end.
  double inverse_cumulative_rate(double tau);

  ArrivalConfig config_;
  Rng rng_;
  double gamma_shape_ = 1.0;
  double gamma_scale_ = 1.0;
  SimTime time_ = 0;
  bool started_ = false;
  // Schedules: stage i spans [start_s_[i], start_s_[i+1]) and Lambda(start_s_[i]) = lambda_[i].
  std::vector<double> start_s_, lambda_;
  size_t stage_ = 0;
  double tau_ = 0.0;
};

}  // namespace kvsim
