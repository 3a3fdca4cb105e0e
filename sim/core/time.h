// Simulated time. One clock for the whole run: integer nanoseconds since the start of the trace.
// Integers keep event ordering exact and runs byte-identical across machines; 2^63 ns is 292 years.
// A run's simulated times are kept within [0, kMaxSimTime], 100 years: arrival times are checked
// against it where they are computed (arrival processes, trace clocks, trace windows), so that
// sums of a time and a duration stay far from overflow.
#pragma once
#include <cmath>
#include <cstdint>

namespace kvsim {

using SimTime = int64_t;  // nanoseconds
constexpr SimTime kNsPerSecond = 1'000'000'000;
constexpr SimTime kNever = INT64_MAX;
constexpr double kMaxSimSeconds = 100 * 365.25 * 86400;  // 3.15576e9 s
constexpr SimTime kMaxSimTime = static_cast<SimTime>(kMaxSimSeconds) * kNsPerSecond;

inline SimTime from_seconds(double s) { return static_cast<SimTime>(std::llround(s * 1e9)); }
inline double to_seconds(SimTime t) { return static_cast<double>(t) * 1e-9; }

}  // namespace kvsim
