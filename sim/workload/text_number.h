// Exact parsing of the numbers and timestamps found in trace files. Each parser takes the text of
// one field and returns false when the text is not what it expects, so that the caller can report
// "file:line: column: expected ..., found ..." with its own context. Times become integer
// nanoseconds without passing through floating point, so a trace replays bit-identically.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "core/time.h"

namespace kvsim {

// Whether `a` and `b` are equal but for ASCII letter case (CSV column names, filter values).
bool equal_ignoring_case(std::string_view a, std::string_view b);

// Removes leading and trailing spaces and tabs.
std::string_view trim_blanks(std::string_view s);

// A non-negative decimal integer no larger than `max`: "123", also "123.0" (as written by tools
// that store counts in floating-point columns). Surrounding blanks are ignored.
bool parse_count(std::string_view s, uint64_t max, uint64_t& out);

// Non-negative decimal seconds such as "12", "0.5", "1.25e3" or "3E-4", converted to nanoseconds
// rounded to the nearest (halves up), exactly. Surrounding blanks are ignored.
bool parse_seconds_ns(std::string_view s, SimTime& out);

// Non-negative milliseconds ("1500", "12.5") to nanoseconds, exactly, like parse_seconds_ns.
bool parse_millis_ns(std::string_view s, SimTime& out);

// A calendar date and time "YYYY-MM-DD HH:MM:SS[.fraction]" (a 'T' may replace the space; the
// fraction has 1 to 9 digits), optionally followed by "Z" or a UTC offset "+HH:MM" / "-HH:MM",
// converted to nanoseconds since 1970-01-01 00:00:00 UTC. A time without offset is read as UTC.
// Years run from kMinYear to kMaxYear, so that any two times are less than 2^63 ns apart.
constexpr unsigned kMinYear = 1970, kMaxYear = 2199;
bool parse_datetime_ns(std::string_view s, SimTime& out);

// Days from 1970-01-01 to the given proleptic Gregorian date (negative before 1970).
int64_t days_from_civil(int64_t year, unsigned month, unsigned day);

// A number for a message: "0.25", "10", "1e+20", "inf" (up to 12 significant digits).
std::string format_number(double x);

// The field text quoted for an error message, shortened when long: "\"abc\"".
std::string quote_field(std::string_view s);

}  // namespace kvsim
