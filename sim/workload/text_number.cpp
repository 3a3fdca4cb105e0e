#include "workload/text_number.h"

#include <cctype>
#include <cstdio>
#include <limits>

#include "core/excerpt.h"

namespace kvsim {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at s[pos..]; advances pos.
bool fixed_digits(std::string_view s, size_t& pos, int n, unsigned& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (int i = 0; i < n; ++i) {
    if (!is_digit(s[pos + i])) return false;
    out = out * 10 + static_cast<unsigned>(s[pos + i] - '0');
  }
  pos += n;
  return true;
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
  static const unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

constexpr uint64_t kPow10[20] = {1ULL,
                                 10ULL,
                                 100ULL,
                                 1000ULL,
                                 10000ULL,
                                 100000ULL,
                                 1000000ULL,
                                 10000000ULL,
                                 100000000ULL,
                                 1000000000ULL,
                                 10000000000ULL,
                                 100000000000ULL,
                                 1000000000000ULL,
                                 10000000000000ULL,
                                 100000000000000ULL,
                                 1000000000000000ULL,
                                 10000000000000000ULL,
                                 100000000000000000ULL,
                                 1000000000000000000ULL,
                                 10000000000000000000ULL};

// Parses a non-negative decimal "digits[.digits][e[+-]digits]" as mantissa * 10^exponent, keeping
// at most 19 significant digits (digits beyond that are below a nanosecond for any time that fits
// in SimTime, and are truncated).
bool parse_decimal(std::string_view s, uint64_t& mantissa, int64_t& exponent) {
  s = trim_blanks(s);
  size_t pos = 0;
  if (pos < s.size() && s[pos] == '+') ++pos;
  mantissa = 0;
  exponent = 0;
  int significant = 0;
  bool any_digit = false;
  auto take = [&](char c, bool fractional) {
    any_digit = true;
    if (significant == 0 && c == '0') {
      if (fractional) --exponent;
      return;
    }
    if (significant < 19) {
      mantissa = mantissa * 10 + static_cast<uint64_t>(c - '0');
      ++significant;
      if (fractional) --exponent;
    } else if (!fractional) {
      ++exponent;
    }
  };
  while (pos < s.size() && is_digit(s[pos])) take(s[pos++], false);
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && is_digit(s[pos])) take(s[pos++], true);
  }
  if (!any_digit) return false;
  if (pos < s.size() && (s[pos] == 'e' || s[pos] == 'E')) {
    ++pos;
    bool negative = false;
    if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) negative = s[pos++] == '-';
    if (pos >= s.size()) return false;
    int64_t e = 0;
    while (pos < s.size() && is_digit(s[pos])) {
      if (e < 100000) e = e * 10 + (s[pos] - '0');
      ++pos;
    }
    exponent += negative ? -e : e;
  }
  return pos == s.size();
}

// mantissa * 10^exponent rounded to the nearest integer (halves up), if it fits in int64.
bool scale_to_int(uint64_t mantissa, int64_t exponent, SimTime& out) {
  if (mantissa == 0) {
    out = 0;
    return true;
  }
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<SimTime>::max());
  if (exponent >= 0) {
    if (exponent > 18) return false;
    const uint64_t p = kPow10[exponent];
    if (mantissa > kMax / p) return false;
    out = static_cast<SimTime>(mantissa * p);
    return true;
  }
  if (exponent < -19) {
    out = 0;
    return true;
  }
  const uint64_t p = kPow10[-exponent];
  uint64_t q = mantissa / p;
  const uint64_t r = mantissa % p;
  if (r >= p - r) ++q;  // r >= p/2 without overflow
  if (q > kMax) return false;
  out = static_cast<SimTime>(q);
  return true;
}

}  // namespace

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::string_view trim_blanks(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

bool parse_count(std::string_view s, uint64_t max, uint64_t& out) {
  s = trim_blanks(s);
  size_t pos = 0;
  uint64_t v = 0;
  while (pos < s.size() && is_digit(s[pos])) {
    const uint64_t d = static_cast<uint64_t>(s[pos] - '0');
    if (v > (max - d) / 10) return false;
    v = v * 10 + d;
    ++pos;
  }
  if (pos == 0) return false;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && s[pos] == '0') ++pos;
  }
  if (pos != s.size()) return false;
  out = v;
  return true;
}

bool parse_seconds_ns(std::string_view s, SimTime& out) {
  uint64_t mantissa;
  int64_t exponent;
  return parse_decimal(s, mantissa, exponent) && scale_to_int(mantissa, exponent + 9, out);
}

bool parse_millis_ns(std::string_view s, SimTime& out) {
  uint64_t mantissa;
  int64_t exponent;
  return parse_decimal(s, mantissa, exponent) && scale_to_int(mantissa, exponent + 6, out);
}

int64_t days_from_civil(int64_t year, unsigned month, unsigned day) {
  // Counts in 400-year eras starting on March 1st, so that the leap day ends a year.
  const int64_t y = month <= 2 ? year - 1 : year;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;
  const int64_t shifted_month = month > 2 ? month - 3 : month + 9;  // March = 0
  const int64_t day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;  // 719468 days from 0000-03-01 to 1970-01-01
}

bool parse_datetime_ns(std::string_view s, SimTime& out) {
  s = trim_blanks(s);
  size_t pos = 0;
  unsigned year, month, day, hour, minute, second;
  if (!fixed_digits(s, pos, 4, year) || !expect(s, pos, '-') || !fixed_digits(s, pos, 2, month) ||
      !expect(s, pos, '-') || !fixed_digits(s, pos, 2, day))
    return false;
  if (pos >= s.size() || (s[pos] != ' ' && s[pos] != 'T')) return false;
  ++pos;
  if (!fixed_digits(s, pos, 2, hour) || !expect(s, pos, ':') || !fixed_digits(s, pos, 2, minute) ||
      !expect(s, pos, ':') || !fixed_digits(s, pos, 2, second))
    return false;
  if (year < kMinYear || year > kMaxYear || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 59)
    return false;
  int64_t fraction_ns = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && is_digit(s[pos])) {
      if (++digits > 9) return false;
      fraction_ns = fraction_ns * 10 + (s[pos] - '0');
      ++pos;
    }
    if (digits == 0) return false;
    fraction_ns *= static_cast<int64_t>(kPow10[9 - digits]);
  }
  int64_t offset_s = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      const int64_t sign = s[pos] == '-' ? -1 : 1;
      ++pos;
      unsigned oh, om;
      if (!fixed_digits(s, pos, 2, oh)) return false;
      if (pos < s.size() && s[pos] == ':') ++pos;
      if (!fixed_digits(s, pos, 2, om) || oh > 23 || om > 59) return false;
      offset_s = sign * static_cast<int64_t>(oh * 3600 + om * 60);
    } else {
      return false;
    }
  }
  if (pos != s.size()) return false;
  const int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
                          second - offset_s;
  out = seconds * kNsPerSecond + fraction_ns;
  return true;
}

std::string format_number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.12g", x);
  return buf;
}

std::string quote_field(std::string_view s) { return quoted_excerpt(s, 40); }

}  // namespace kvsim
