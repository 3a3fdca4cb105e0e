#include "metrics/percentiles.h"

#include <algorithm>
#include <cmath>

namespace kvsim {

Distribution summarize(std::vector<double>& values) {
  Distribution d;
  d.count = values.size();
  if (values.empty()) return d;
  double sum = 0;
  for (double v : values) sum += v;
  d.mean = sum / static_cast<double>(values.size());
  // Selection instead of a full sort: the order statistics the percentiles interpolate between
  // (and min, max), found in ascending rank order, each nth_element on what lies above the last.
  const size_t n = values.size();
  const double qs[3] = {0.50, 0.90, 0.99};
  size_t ranks[8];
  size_t m = 0;
  ranks[m++] = 0;
  for (double q : qs) {
    const size_t lo = static_cast<size_t>(std::floor(q * static_cast<double>(n - 1)));
    ranks[m++] = lo;
    ranks[m++] = std::min(lo + 1, n - 1);
  }
  ranks[m++] = n - 1;
  std::sort(ranks, ranks + m);
  size_t from = 0;
  for (size_t i = 0; i < m; ++i) {
    if (ranks[i] < from) continue;  // already in place (a repeated rank)
    std::nth_element(values.begin() + static_cast<long>(from), values.begin() + static_cast<long>(ranks[i]),
                     values.end());
    from = ranks[i] + 1;
  }
  // Every selected rank now holds the value a full sort would put there.
  const auto at = [&](double q) {
    const double rank = q * static_cast<double>(n - 1);
    const size_t lo = static_cast<size_t>(std::floor(rank));
    const size_t hi = std::min(lo + 1, n - 1);
    return values[lo] + (rank - static_cast<double>(lo)) * (values[hi] - values[lo]);
  };
  d.p50 = at(0.50);
  d.p90 = at(0.90);
  d.p99 = at(0.99);
  d.min = values[0];
  d.max = values[n - 1];
  return d;
}

nlohmann::json Distribution::to_json() const {
  return {{"count", count}, {"mean", mean}, {"p50", p50}, {"p90", p90}, {"p99", p99}, {"min", min}, {"max", max}};
}

}  // namespace kvsim
