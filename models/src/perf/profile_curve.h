// MonotoneCurve: a measured time as a non-decreasing function of one size (tokens, bytes, FLOPs),
// interpolated linearly in log-log space between measured points. Kernel times span five decades
// and grow like a power of the size, so straight lines in log-log space follow them closely.
//
// fit() turns raw samples into a curve: equal sizes are merged by their median, then the pool-
// adjacent-violators algorithm (isotonic regression on log time) removes the dips that cuBLAS
// heuristics and timer noise leave, so a bigger problem is never predicted faster than a smaller
// one. Outside the measured range the caller decides (clamp, or scale with a roofline); at() clamps.
#pragma once
#include <cstddef>
#include <utility>
#include <vector>

namespace kvsim {

class MonotoneCurve {
 public:
  MonotoneCurve() = default;
  // Sizes strictly increasing and > 0, values > 0 and non-decreasing; throws std::invalid_argument
  // otherwise (the profile reader checks first and reports a JSON pointer).
  MonotoneCurve(std::vector<double> sizes, std::vector<double> values);
  // Any order, duplicates allowed; sizes and values must be > 0.
  static MonotoneCurve fit(std::vector<std::pair<double, double>> samples);

  bool empty() const { return sizes_.empty(); }
  size_t size() const { return sizes_.size(); }
  double min_size() const { return sizes_.front(); }
  double max_size() const { return sizes_.back(); }
  bool covers(double size) const { return !empty() && size >= min_size() && size <= max_size(); }
  const std::vector<double>& sizes() const { return sizes_; }
  const std::vector<double>& values() const { return values_; }

  // Log-log interpolation; a size outside the range is clamped to it. Requires !empty().
  double at(double size) const;
  // Clamped below (a kernel never gets faster than its launch floor) and proportional above (past
  // the largest measurement a kernel is throughput bound: twice the bytes, twice the time).
  double at_or_proportional(double size) const;

 private:
  std::vector<double> sizes_, values_;
  std::vector<double> log_sizes_, log_values_;
};

}  // namespace kvsim
