#include "metrics/percentiles.h"

#include <algorithm>
#include <cmath>

namespace kvsim {

double percentile_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double rank = q * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (rank - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

Distribution summarize(std::vector<double>& values) {
  Distribution d;
  d.count = values.size();
  if (values.empty()) return d;
  std::sort(values.begin(), values.end());
  double sum = 0;
  for (double v : values) sum += v;
  d.mean = sum / static_cast<double>(values.size());
  d.p50 = percentile_sorted(values, 0.50);
  d.p90 = percentile_sorted(values, 0.90);
  d.p99 = percentile_sorted(values, 0.99);
  d.min = values.front();
  d.max = values.back();
  return d;
}

nlohmann::json Distribution::to_json() const {
  return {{"count", count}, {"mean", mean}, {"p50", p50}, {"p90", p90}, {"p99", p99}, {"min", min}, {"max", max}};
}

}  // namespace kvsim
