#include "perf/moe_routing.h"

#include <algorithm>
#include <cmath>

namespace kvsim {

namespace {

// Inverse of the standard normal CDF on (0, 1): Newton's method on erfc from a logistic start
// (converges to 1e-12 in a few steps over the range Blom's formula uses).
double inverse_normal_cdf(double p) {
  double x = std::log(p / (1 - p)) / 1.702;  // logistic approximation of the probit
  for (int i = 0; i < 8; ++i) {
    const double cdf = 0.5 * std::erfc(-x / std::sqrt(2.0));
    const double pdf = std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI);
    x -= (cdf - p) / pdf;
  }
  return x;
}

// Expected largest of `n` independent Binomial(t, p) counts, sum over x of 1 - F(x)^n, for small
// means where the normal estimate misses the counts' discreteness (a few dozen terms at most).
double expected_max_binomial(double t, double p, double n) {
  double pmf = std::pow(1 - p, t), cdf = 0, expected = 0;
  for (double x = 0; x < t; ++x) {
    cdf = std::min(1.0, cdf + pmf);
    const double tail = 1 - std::pow(cdf, n);
    if (tail < 1e-9) break;
    expected += tail;
    pmf *= (t - x) / (x + 1) * p / (1 - p);
  }
  return expected;
}

constexpr double kSmallMean = 16;  // below this mean per expert, count exactly

}  // namespace

double expected_active_experts(double experts, double experts_per_token, double tokens) {
  if (experts <= 0 || experts_per_token <= 0 || tokens <= 0) return 0;
  const double miss = std::max(0.0, 1 - std::min(experts_per_token, experts) / experts);
  return experts * (1 - std::pow(miss, tokens));
}

double expected_max_standard_normal(double n) {
  if (n <= 1) return 0;
  return inverse_normal_cdf((n - 0.375) / (n + 0.25));
}

ExpertRouting::ExpertRouting(double experts, double experts_per_token, double groups)
    : experts_(experts),
      k_(std::min(experts_per_token, experts)),
      groups_(std::clamp(groups, 1.0, std::max(1.0, experts))),
      z_groups_(expected_max_standard_normal(groups_)),
      z_experts_(expected_max_standard_normal(experts)) {}

ExpertLoad ExpertRouting::load(double tokens) const {
  ExpertLoad load;
  if (experts_ <= 0 || k_ <= 0 || tokens <= 0) return load;
  const double e = experts_, k = k_, t = tokens, g = groups_;
  const double assignments = t * k;
  const double active = expected_active_experts(e, k, t);

  const double per_group = e / g;
  const double hit = active / e;  // the chance that one expert is active
  const double active_sd = std::sqrt(per_group * hit * (1 - hit));
  load.active_experts = std::clamp(active / g + z_groups_ * active_sd, active / g, std::min(active, per_group));

  const double draw = e > 1 ? (e - k) / (e - 1) : 0;  // hypergeometric finite-population factor
  const double rows_sd = std::sqrt(assignments * (1 / g) * (1 - 1 / g) * draw);
  load.rows = std::clamp(assignments / g + z_groups_ * rows_sd, assignments / g, assignments);
  return load;
}

double ExpertRouting::max_expert_rows(double tokens) const {
  if (experts_ <= 0 || k_ <= 0 || tokens <= 0) return 0;
  const double e = experts_, t = tokens, p = k_ / e;
  const double expert_sd = std::sqrt(t * p * (1 - p));
  const double max_rows = t * p < kSmallMean && p < 1 ? expected_max_binomial(t, p, e) : t * p + z_experts_ * expert_sd;
  return std::clamp(max_rows, std::min(1.0, t), t);
}

}  // namespace kvsim
