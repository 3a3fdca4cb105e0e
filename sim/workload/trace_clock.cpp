#include "workload/trace_clock.h"

#include <sstream>

namespace kvsim {

TraceClock::TraceClock(const TraceReaderOptions& options) {
  if (options.arrivals) process_.emplace(*options.arrivals, options.seed);
}

bool TraceClock::observe(SimTime timestamp, uint64_t line) {
  if (any_row_ && timestamp < previous_) return false;
  if (!any_row_) first_ = timestamp;
  previous_ = timestamp;
  previous_line_ = line;
  any_row_ = true;
  return true;
}

SimTime TraceClock::arrival() {
  if (process_) return process_->next();
  if (!origin_) origin_ = previous_;
  return previous_ - *origin_;
}

std::string TraceClock::describe_arrivals() const {
  return process_ ? " with " + process_->describe() + " arrivals" : std::string();
}

std::string beyond_range_message(SimTime timestamp, const TraceClock& clock) {
  std::ostringstream o;
  o << "is " << to_seconds(timestamp - clock.first_) << " s after the first row's, beyond the simulated-time "
    << "limit of 100 years (" << kMaxSimSeconds << " s)";
  return o.str();
}

std::string out_of_order_message(SimTime timestamp, const TraceClock& clock) {
  std::ostringstream o;
  o << "is " << to_seconds(clock.previous_timestamp() - timestamp)
    << " s earlier than the row on line " << clock.previous_line()
    << "; a trace must be sorted by arrival time";
  return o.str();
}

}  // namespace kvsim
