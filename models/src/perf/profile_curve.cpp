#include "perf/profile_curve.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace kvsim {

MonotoneCurve::MonotoneCurve(std::vector<double> sizes, std::vector<double> values)
    : sizes_(std::move(sizes)), values_(std::move(values)) {
  if (sizes_.size() != values_.size())
    throw std::invalid_argument("MonotoneCurve: sizes and values differ in length");
  for (size_t i = 0; i < sizes_.size(); ++i) {
    if (!(sizes_[i] > 0) || !(values_[i] > 0) || !std::isfinite(sizes_[i]) || !std::isfinite(values_[i]))
      throw std::invalid_argument("MonotoneCurve: sizes and values must be finite and > 0");
    if (i > 0 && !(sizes_[i] > sizes_[i - 1]))
      throw std::invalid_argument("MonotoneCurve: sizes must increase strictly");
    if (i > 0 && values_[i] < values_[i - 1])
      throw std::invalid_argument("MonotoneCurve: values must not decrease");
  }
  log_sizes_.reserve(sizes_.size());
  log_values_.reserve(values_.size());
  for (size_t i = 0; i < sizes_.size(); ++i) {
    log_sizes_.push_back(std::log(sizes_[i]));
    log_values_.push_back(std::log(values_[i]));
  }
}

MonotoneCurve MonotoneCurve::fit(std::vector<std::pair<double, double>> samples) {
  for (const auto& [s, v] : samples)
    if (!(s > 0) || !(v > 0) || !std::isfinite(s) || !std::isfinite(v))
      throw std::invalid_argument("MonotoneCurve::fit: sizes and values must be finite and > 0");
  std::sort(samples.begin(), samples.end());
  // Merge equal sizes by their median.
  std::vector<double> sizes, log_values, weights;
  for (size_t i = 0; i < samples.size();) {
    size_t j = i;
    while (j < samples.size() && samples[j].first == samples[i].first) ++j;
    const size_t n = j - i, mid = i + n / 2;
    const double median = n % 2 ? samples[mid].second : 0.5 * (samples[mid - 1].second + samples[mid].second);
    sizes.push_back(samples[i].first);
    log_values.push_back(std::log(median));
    weights.push_back(static_cast<double>(n));
    i = j;
  }
  // Pool adjacent violators: blocks of equal fitted value, merged while a block exceeds its successor.
  struct Block {
    double mean, weight;
    size_t count;
  };
  std::vector<Block> blocks;
  for (size_t i = 0; i < log_values.size(); ++i) {
    blocks.push_back({log_values[i], weights[i], 1});
    while (blocks.size() > 1 && blocks[blocks.size() - 2].mean > blocks.back().mean) {
      const Block b = blocks.back();
      blocks.pop_back();
      Block& a = blocks.back();
      a.mean = (a.mean * a.weight + b.mean * b.weight) / (a.weight + b.weight);
      a.weight += b.weight;
      a.count += b.count;
    }
  }
  std::vector<double> values;
  values.reserve(sizes.size());
  for (const auto& b : blocks)
    for (size_t i = 0; i < b.count; ++i) values.push_back(std::exp(b.mean));
  // exp(log(x)) may wobble in the last bit; keep the sequence exactly non-decreasing.
  for (size_t i = 1; i < values.size(); ++i) values[i] = std::max(values[i], values[i - 1]);
  return MonotoneCurve(std::move(sizes), std::move(values));
}

double MonotoneCurve::at(double size) const {
  if (size <= sizes_.front()) return values_.front();
  if (size >= sizes_.back()) return values_.back();
  const size_t hi = static_cast<size_t>(std::upper_bound(sizes_.begin(), sizes_.end(), size) - sizes_.begin());
  const size_t lo = hi - 1;
  const double t = (std::log(size) - log_sizes_[lo]) / (log_sizes_[hi] - log_sizes_[lo]);
  return std::exp(log_values_[lo] + t * (log_values_[hi] - log_values_[lo]));
}

double MonotoneCurve::at_or_proportional(double size) const {
  if (size > sizes_.back()) return values_.back() * (size / sizes_.back());
  return at(size);
}

}  // namespace kvsim
