// Options that apply to any trace, as a decorator over its reader:
//   - a time window [start_s, end_s) of the trace's own time (0 = its first request); arrival
//     times are re-based so that start_s becomes 0, and reading stops at the first request past
//     end_s, so a short window of a long trace costs only the rows before it;
//   - a speed factor: arrival times (after re-basing) are divided by it, so 2 replays twice as
//     fast (twice the request rate);
//   - the first max_requests requests of the window (0 = all).
// Ids are re-numbered densely from 0.
#pragma once
#include <cmath>
#include <cstdint>
#include <memory>

#include "workload/request_source.h"

namespace kvsim {

struct TraceWindow {
  double speed = 1.0;       // > 0
  double start_s = 0.0;     // >= 0
  double end_s = INFINITY;  // > start_s, or infinity
  uint64_t max_requests = 0;  // 0 = no limit

  bool is_identity() const {
    return speed == 1.0 && start_s == 0.0 && std::isinf(end_s) && max_requests == 0;
  }
};

class TraceWindowSource : public RequestSource {
 public:
  // Throws InputError if the window is invalid (speed <= 0, start < 0, end <= start).
  TraceWindowSource(std::unique_ptr<RequestSource> inner, const TraceWindow& window);
  bool next(RequestSpec& out) override;
  std::string describe() const override;

 private:
  std::unique_ptr<RequestSource> inner_;
  TraceWindow window_;
  SimTime start_;
  SimTime end_;
  uint64_t emitted_ = 0;
  bool done_ = false;
};

}  // namespace kvsim
