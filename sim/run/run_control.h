// Progress and cancellation of a run, each in its own small class. The event loop asks them about
// every kCheckEvery events (EventLoop), so a run pays one increment and one compare per event.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

#include "core/error.h"
#include "core/time.h"

namespace kvsim {

struct Progress {
  double simulated_s = 0;
  uint64_t requests_arrived = 0;
  uint64_t requests_done = 0;   // completed or dropped
  double wall_s = 0;
};

// The front end's cancel flag (nullptr: the run cannot be cancelled).
class Cancellation {
 public:
  explicit Cancellation(const std::atomic<bool>* flag) : flag_(flag) {}
  // Throws Cancelled when the flag is set.
  void check() const {
    if (flag_ != nullptr && flag_->load(std::memory_order_relaxed)) throw Cancelled();
  }

 private:
  const std::atomic<bool>* flag_;
};

// Calls the front end's progress callback (if any) about every `interval_s` of wall time.
class ProgressReporter {
 public:
  using Clock = std::chrono::steady_clock;
  using Callback = std::function<void(const Progress&)>;
  ProgressReporter(Callback callback, double interval_s, Clock::time_point wall_start)
      : callback_(std::move(callback)), interval_s_(interval_s), wall_start_(wall_start), last_report_(wall_start) {}

  // Reports when `interval_s` has passed since the last report.
  void maybe_report(SimTime now, uint64_t arrived, uint64_t done) {
    const auto wall_now = Clock::now();
    if (std::chrono::duration<double>(wall_now - last_report_).count() < interval_s_) return;
    last_report_ = wall_now;
    report(now, arrived, done);
  }
  void report(SimTime now, uint64_t arrived, uint64_t done) const {
    if (!callback_) return;
    Progress p;
    p.simulated_s = to_seconds(now);
    p.requests_arrived = arrived;
    p.requests_done = done;
    p.wall_s = wall_seconds();
    callback_(p);
  }
  double wall_seconds() const { return std::chrono::duration<double>(Clock::now() - wall_start_).count(); }

 private:
  Callback callback_;
  double interval_s_;
  Clock::time_point wall_start_, last_report_;
};

}  // namespace kvsim
