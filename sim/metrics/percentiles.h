// Summary statistics of a sample: mean and percentiles by linear interpolation between the
// closest ranks (numpy's default, "type 7"), so they can be checked by hand.
#pragma once
#include <vector>

#include <nlohmann/json.hpp>

namespace kvsim {

struct Distribution {
  size_t count = 0;
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, min = 0, max = 0;
  nlohmann::json to_json() const;
};

// Reorders `values` in place (partial selection, not a full sort).
Distribution summarize(std::vector<double>& values);

}  // namespace kvsim
