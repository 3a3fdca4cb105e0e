// The arrival times of a trace reader. A trace's timestamps must not decrease (the clock reports a
// row that goes back in time so that the reader can name its line) and become times relative to
// the first request. Alternatively the reader can be given an arrival process, which then replaces
// the trace's timestamps (required for traces that have none, such as Vidur's length files).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/time.h"
#include "workload/arrival_process.h"

namespace kvsim {

struct TraceReaderOptions {
  // When set, arrivals are drawn from this process and the trace's timestamps are not read.
  std::optional<ArrivalConfig> arrivals;
  uint64_t seed = 1;  // seeds the arrival process
};

class TraceClock {
 public:
  explicit TraceClock(const TraceReaderOptions& options);

  bool generated() const { return process_.has_value(); }

  // Records the timestamp of the row on `line`. Returns false, leaving the clock unchanged, when it
  // is earlier than the previous row's.
  bool observe(SimTime timestamp, uint64_t line);
  // True when `timestamp` is more than kMaxSimTime (100 years) after the first row's: its arrival
  // time would leave the simulated-time range.
  bool beyond_range(SimTime timestamp) const { return any_row_ && timestamp - first_ > kMaxSimTime; }
  SimTime previous_timestamp() const { return previous_; }
  uint64_t previous_line() const { return previous_line_; }

  // The arrival time of the request made from the last observed row: its timestamp minus the
  // first request's, or the next time of the arrival process.
  SimTime arrival();

  // " with poisson 10 req/s arrivals" when arrivals are generated, else "".
  std::string describe_arrivals() const;

 private:
  std::optional<ArrivalProcess> process_;
  SimTime previous_ = 0;
  SimTime first_ = 0;
  uint64_t previous_line_ = 0;
  bool any_row_ = false;
  std::optional<SimTime> origin_;

  friend std::string beyond_range_message(SimTime, const TraceClock&);
};

// The end of the message about a row too far after the first: "is 3.2e9 s after the first row; ...".
std::string beyond_range_message(SimTime timestamp, const TraceClock& clock);
// The end of the message about a row whose timestamp goes back in time, e.g.
// "is 0.52 s earlier than the row on line 16; a trace must be sorted by arrival time".
std::string out_of_order_message(SimTime timestamp, const TraceClock& clock);

}  // namespace kvsim
