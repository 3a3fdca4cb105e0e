#include "workload/zipf_sampler.h"

#include <algorithm>
#include <cmath>

namespace kvsim {

namespace {
// (e^t - 1) / t and log(1 + t) / t, continuous at t = 0, so that H and its inverse stay accurate
// when s is close to 1.
double expm1_over(double t) { return std::fabs(t) < 1e-12 ? 1.0 + t / 2 : std::expm1(t) / t; }
double log1p_over(double t) { return std::fabs(t) < 1e-12 ? 1.0 - t / 2 : std::log1p(t) / t; }
}  // namespace

ZipfSampler::ZipfSampler(double s, uint64_t min, uint64_t max) : s_(s), min_(min), max_(max) {
  low_ = big_h(static_cast<double>(min_) + 0.5) - h(static_cast<double>(min_));
  high_ = big_h(static_cast<double>(max_) + 0.5);
}

double ZipfSampler::h(double x) const { return std::exp(-s_ * std::log(x)); }

// H(x) = (x^(1-s) - 1) / (1-s), or log(x) when s = 1: an antiderivative of h.
double ZipfSampler::big_h(double x) const {
  const double log_x = std::log(x);
  return expm1_over((1.0 - s_) * log_x) * log_x;
}

double ZipfSampler::big_h_inverse(double y) const {
  // For s > 1, H is bounded above by 1/(s-1); keep the log1p argument above -1.
  const double t = std::max((1.0 - s_) * y, -1.0 + 1e-15);
  return std::exp(log1p_over(t) * y);
}

uint64_t ZipfSampler::sample(Rng& rng) const {
  for (;;) {
    const double u = high_ + rng.uniform() * (low_ - high_);  // in (low, high]
    const double x = big_h_inverse(u);
    double k = std::floor(x + 0.5);
    k = std::clamp(k, static_cast<double>(min_), static_cast<double>(max_));
    if (u >= big_h(k + 0.5) - h(k)) return static_cast<uint64_t>(k);
  }
}

}  // namespace kvsim
