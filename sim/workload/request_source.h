// A stream of requests in non-decreasing arrival order, pulled one at a time so that a trace is
// never held in memory whole. Readers throw InputError naming file:line on malformed input.
#pragma once
#include <memory>
#include <string>

#include "workload/request_spec.h"

namespace kvsim {

class RequestSource {
 public:
  virtual ~RequestSource() = default;
  // Fills `out` with the next request and returns true, or returns false at the end.
  // Ids are assigned densely from 0 by the source; arrival times never decrease.
  virtual bool next(RequestSpec& out) = 0;
  // One line for logs and summary.json, e.g. "azure-csv ../shared/data/traces/azure_llm_2023_conv.csv".
  virtual std::string describe() const = 0;
};

}  // namespace kvsim
