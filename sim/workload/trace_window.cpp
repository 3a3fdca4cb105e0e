#include "workload/trace_window.h"

#include <sstream>

#include "core/error.h"
#include "workload/text_number.h"

namespace kvsim {

TraceWindowSource::TraceWindowSource(std::unique_ptr<RequestSource> inner, const TraceWindow& window)
    : inner_(std::move(inner)), window_(window) {
  if (!(window.speed > 0) || !std::isfinite(window.speed))
    throw InputError("trace speed must be a positive number, found " + format_number(window.speed));
  if (!(window.start_s >= 0 && window.start_s <= kMaxSimSeconds))
    throw InputError("trace window start: expected a time in [0, " + format_number(kMaxSimSeconds) +
                     "] s, found " + format_number(window.start_s));
  if (!(window.end_s > window.start_s))
    throw InputError("trace window end (" + format_number(window.end_s) +
                     " s) must be after its start (" + format_number(window.start_s) + " s)");
  start_ = from_seconds(window.start_s);
  end_ = std::isinf(window.end_s) || window.end_s >= 9.2e9 ? kNever : from_seconds(window.end_s);
}

bool TraceWindowSource::next(RequestSpec& out) {
  if (done_) return false;
  if (window_.max_requests != 0 && emitted_ == window_.max_requests) {
    done_ = true;
    return false;
  }
  for (;;) {
    if (!inner_->next(out)) {
      done_ = true;
      return false;
    }
    if (out.arrival < start_) continue;
    if (out.arrival >= end_) {  // sorted: nothing later can be inside
      done_ = true;
      return false;
    }
    break;
  }
  SimTime t = out.arrival - start_;
  if (window_.speed != 1.0) {
    const double scaled = static_cast<double>(t) / window_.speed;
    if (!(scaled <= static_cast<double>(kMaxSimTime)))
      throw InputError("trace speed " + format_number(window_.speed) + " puts the arrival at " +
                       format_number(to_seconds(t)) + " s of the trace at " + format_number(scaled * 1e-9) +
                       " s, beyond the simulated-time limit of 100 years (" + format_number(kMaxSimSeconds) + " s)");
    t = static_cast<SimTime>(std::llround(scaled));
  }
  out.arrival = t;
  out.id = emitted_++;
  return true;
}

std::string TraceWindowSource::describe() const {
  std::ostringstream o;
  o << inner_->describe();
  if (window_.start_s != 0.0 || !std::isinf(window_.end_s))
    o << " window [" << window_.start_s << ", " << window_.end_s << ") s";
  if (window_.speed != 1.0) o << " speed " << window_.speed;
  if (window_.max_requests != 0) o << " first " << window_.max_requests;
  return o.str();
}

}  // namespace kvsim
