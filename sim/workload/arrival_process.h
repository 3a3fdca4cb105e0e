// When requests arrive, for a synthetic workload or a trace without timestamps: a renewal process
// whose gaps are exponential (Poisson arrivals) or Gamma-distributed with a chosen coefficient of
// variation (cv > 1 is burstier than Poisson, cv < 1 more regular). The first request arrives at 0.
#pragma once
#include <cstdint>
#include <string>

#include "core/rng.h"
#include "core/time.h"

namespace kvsim {

struct ArrivalConfig {
  enum class Process { kPoisson, kGamma };
  Process process = Process::kPoisson;
  double rate = 1.0;  // mean requests per second, in [kMinRate, kMaxRate]
  double cv = 1.0;    // Gamma only: standard deviation / mean of the gaps, in [kMinCv, kMaxCv]

  // In these ranges the samplers' arithmetic stays finite, so Marsaglia and Tsang's Gamma sampler
  // accepts with probability above 0.95 per try and terminates (a cv of 1e-160 would square to 0).
  static constexpr double kMinRate = 1e-6, kMaxRate = 1e9;
  static constexpr double kMinCv = 1e-6, kMaxCv = 1e3;
};

const char* process_name(ArrivalConfig::Process p);

class ArrivalProcess {
 public:
  // Throws InputError if the rate or cv is outside its range.
  ArrivalProcess(const ArrivalConfig& config, uint64_t seed);

  // The arrival time of the next request: 0 for the first, then each previous time plus a gap.
  // Throws InputError when it would pass kMaxSimTime (100 years).
  SimTime next();
  // "poisson 10 req/s" or "gamma 10 req/s cv 2".
  std::string describe() const;

 private:
  double gap_seconds();

  ArrivalConfig config_;
  Rng rng_;
  double gamma_shape_ = 1.0;
  double gamma_scale_ = 1.0;
  SimTime time_ = 0;
  bool started_ = false;
};

}  // namespace kvsim
