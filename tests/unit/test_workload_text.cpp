// Number, time and line parsing shared by the trace readers.
#include <catch2/catch.hpp>

#include "core/error.h"
#include "test_workload_util.h"
#include "workload/csv_file.h"
#include "workload/line_reader.h"
#include "workload/text_number.h"

using namespace kvsim;
using kvsim::testing::TempFile;

TEST_CASE("token counts are non-negative integers, also written as 123.0") {
  uint64_t v = 0;
  CHECK(parse_count("123", UINT32_MAX, v));
  CHECK(v == 123);
  CHECK(parse_count(" 7 ", UINT32_MAX, v));
  CHECK(v == 7);
  CHECK(parse_count("3772.0", UINT32_MAX, v));
  CHECK(v == 3772);
  CHECK(parse_count("4294967295", UINT32_MAX, v));
  CHECK_FALSE(parse_count("4294967296", UINT32_MAX, v));
  CHECK_FALSE(parse_count("", UINT32_MAX, v));
  CHECK_FALSE(parse_count("-1", UINT32_MAX, v));
  CHECK_FALSE(parse_count("12.5", UINT32_MAX, v));
  CHECK_FALSE(parse_count("abc", UINT32_MAX, v));
  CHECK_FALSE(parse_count("1e3", UINT32_MAX, v));
}

TEST_CASE("decimal seconds convert to nanoseconds exactly, rounding half up") {
  SimTime t = -1;
  CHECK(parse_seconds_ns("0", t));
  CHECK(t == 0);
  CHECK(parse_seconds_ns("12", t));
  CHECK(t == 12'000'000'000);
  CHECK(parse_seconds_ns("0.1", t));
  CHECK(t == 100'000'000);
  CHECK(parse_seconds_ns("1.000000001", t));
  CHECK(t == 1'000'000'001);
  CHECK(parse_seconds_ns("2.0000000005", t));
  CHECK(t == 2'000'000'001);
  CHECK(parse_seconds_ns("2.00000000049", t));
  CHECK(t == 2'000'000'000);
  CHECK(parse_seconds_ns("1.25e3", t));
  CHECK(t == 1'250'000'000'000);
  CHECK(parse_seconds_ns("3E-4", t));
  CHECK(t == 300'000);
  CHECK(parse_seconds_ns(".5", t));
  CHECK(t == 500'000'000);
  CHECK(parse_seconds_ns("5.", t));
  CHECK(t == 5'000'000'000);
  // Many digits: 0.1 in binary floating point would not be exact, this is.
  CHECK(parse_seconds_ns("1700000000.123456789", t));
  CHECK(t == 1'700'000'000'123'456'789);
  CHECK_FALSE(parse_seconds_ns("-1", t));
  CHECK_FALSE(parse_seconds_ns("abc", t));
  CHECK_FALSE(parse_seconds_ns("1e", t));
  CHECK_FALSE(parse_seconds_ns("", t));
  CHECK_FALSE(parse_seconds_ns("1e30", t));  // does not fit in 64-bit nanoseconds
}

TEST_CASE("milliseconds convert to nanoseconds exactly") {
  SimTime t = -1;
  CHECK(parse_millis_ns("1500", t));
  CHECK(t == 1'500'000'000);
  CHECK(parse_millis_ns("12.5", t));
  CHECK(t == 12'500'000);
}

TEST_CASE("days from the civil calendar match known dates") {
  CHECK(days_from_civil(1970, 1, 1) == 0);
  CHECK(days_from_civil(1970, 1, 2) == 1);
  CHECK(days_from_civil(1969, 12, 31) == -1);
  CHECK(days_from_civil(2000, 3, 1) == 11017);
  CHECK(days_from_civil(2023, 11, 16) == 19677);
  CHECK(days_from_civil(2024, 2, 29) - days_from_civil(2024, 2, 28) == 1);
  CHECK(days_from_civil(2024, 3, 1) - days_from_civil(2024, 2, 28) == 2);
  CHECK(days_from_civil(2023, 3, 1) - days_from_civil(2023, 2, 28) == 1);
}

TEST_CASE("Azure date-times parse to exact nanoseconds, across midnight and month ends") {
  SimTime a = 0, b = 0;
  REQUIRE(parse_datetime_ns("2023-11-16 18:15:46.6805900", a));
  CHECK(a == (19677LL * 86400 + 18 * 3600 + 15 * 60 + 46) * kNsPerSecond + 680'590'000);
  REQUIRE(parse_datetime_ns("2023-11-16 23:59:59.9999999", a));
  REQUIRE(parse_datetime_ns("2023-11-17 00:00:00.0000001", b));
  CHECK(b - a == 200);
  REQUIRE(parse_datetime_ns("2023-12-31 23:59:59", a));
  REQUIRE(parse_datetime_ns("2024-01-01 00:00:01", b));
  CHECK(b - a == 2 * kNsPerSecond);
  REQUIRE(parse_datetime_ns("2024-02-28 12:00:00", a));
  REQUIRE(parse_datetime_ns("2024-03-01 12:00:00", b));
  CHECK(b - a == 2 * 86400 * kNsPerSecond);
}

TEST_CASE("date-times accept a T separator, Z and UTC offsets, and 1 to 9 fraction digits") {
  SimTime utc = 0, t = 0;
  REQUIRE(parse_datetime_ns("2024-05-10 00:00:00.009930", utc));
  REQUIRE(parse_datetime_ns("2024-05-10T00:00:00.009930Z", t));
  CHECK(t == utc);
  REQUIRE(parse_datetime_ns("2024-05-10 00:00:00.009930+00:00", t));
  CHECK(t == utc);
  REQUIRE(parse_datetime_ns("2024-05-10 02:00:00.009930+02:00", t));
  CHECK(t == utc);
  REQUIRE(parse_datetime_ns("2024-05-09 19:00:00.009930-0500", t));
  CHECK(t == utc);
  REQUIRE(parse_datetime_ns("2024-05-10 00:00:00.5", t));
  CHECK(t % kNsPerSecond == 500'000'000);
  REQUIRE(parse_datetime_ns("2024-05-10 00:00:00.123456789", t));
  CHECK(t % kNsPerSecond == 123'456'789);
}

TEST_CASE("malformed date-times are rejected") {
  SimTime t;
  for (const char* bad :
       {"", "2023-11-16", "2023-11-16 18:15", "2023-13-01 00:00:00", "2023-02-29 00:00:00",
        "2023-11-31 00:00:00", "2023-11-16 24:00:00", "2023-11-16 18:60:00", "2023-11-16 18:15:46.",
        "2023-11-16 18:15:46.1234567890", "2023/11/16 18:15:46", "2023-11-16 18:15:46 junk",
        "1700000000"}) {
    INFO(bad);
    CHECK_FALSE(parse_datetime_ns(bad, t));
  }
}

TEST_CASE("the line reader skips blank lines, strips CR and counts lines from 1") {
  TempFile f("lines.txt", "first\r\n\r\n  \nsecond\n\nthird");
  LineReader lines(f.path());
  std::string_view line;
  REQUIRE(lines.next(line));
  CHECK(line == "first");
  CHECK(lines.line_number() == 1);
  REQUIRE(lines.next(line));
  CHECK(line == "second");
  CHECK(lines.line_number() == 4);
  CHECK(lines.where() == f.path() + ":4");
  REQUIRE(lines.next(line));
  CHECK(line == "third");
  CHECK(lines.line_number() == 6);
  CHECK_FALSE(lines.next(line));
  CHECK_FALSE(lines.next(line));
}

TEST_CASE("the line reader returns lines longer than its buffer whole") {
  const std::string long_line(3'000'000, 'x');
  TempFile f("long.txt", "a\n" + long_line + "\nb\n");
  LineReader lines(f.path());
  std::string_view line;
  REQUIRE(lines.next(line));
  CHECK(line == "a");
  REQUIRE(lines.next(line));
  CHECK(line.size() == long_line.size());
  REQUIRE(lines.next(line));
  CHECK(line == "b");
  CHECK(lines.line_number() == 3);
}

TEST_CASE("a missing file is reported with its path") {
  CHECK_THROWS_WITH(LineReader("/nonexistent/kvsim/trace.csv"),
                    Catch::Contains("cannot open /nonexistent/kvsim/trace.csv"));
}

TEST_CASE("CSV columns are found by name in any order and case, quotes allowed") {
  TempFile f("cols.csv",
             "\xEF\xBB\xBF b , A,\"Log Type\"\n2, 1 ,\"x, \"\"y\"\"\"\n\"3\",4,plain\n");
  CsvFile csv(f.path());
  CHECK(csv.column("a") == 1);
  CHECK(csv.column("B") == 0);
  CHECK(csv.column("log type") == 2);
  CHECK_FALSE(csv.find_column("c").has_value());
  REQUIRE(csv.next_row());
  CHECK(csv.tokens(0) == 2);
  CHECK(csv.tokens(1) == 1);
  CHECK(csv.field(2) == "x, \"y\"");
  REQUIRE(csv.next_row());
  CHECK(csv.tokens(0) == 3);
  CHECK(csv.field(2) == "plain");
  CHECK_FALSE(csv.next_row());
}

TEST_CASE("CSV errors name the file, the line and the column") {
  TempFile f("bad.csv", "x,y\n1,2\n3\n");
  CsvFile csv(f.path());
  CHECK_THROWS_WITH(csv.column("z"), f.path() + ":1: missing column \"z\" (the header has: x, y)");
  REQUIRE(csv.next_row());
  CHECK_THROWS_WITH(csv.next_row(), f.path() + ":3: expected 2 fields as in the header, found 1");

  TempFile g("quote.csv", "x,y\n\"1,2\n");
  CsvFile csv2(g.path());
  CHECK_THROWS_WITH(csv2.next_row(), g.path() + ":2: unterminated quoted field");

  TempFile h("num.csv", "x,y\nabc,99999999999\n");
  CsvFile csv3(h.path());
  REQUIRE(csv3.next_row());
  CHECK_THROWS_WITH(csv3.tokens(0), h.path() + ":2: x: expected a non-negative integer, found \"abc\"");
  CHECK_THROWS_WITH(csv3.tokens(1), Catch::Contains(":2: y: expected a token count below 2^32"));

  TempFile e("empty.csv", "\n\n");
  CHECK_THROWS_WITH(CsvFile(e.path()), e.path() + ": the file is empty; expected a CSV header line");
}

TEST_CASE("names compare without regard to ASCII case, and only whole") {
  REQUIRE(equal_ignoring_case("Log Type", "log type"));
  REQUIRE(equal_ignoring_case("", ""));
  REQUIRE_FALSE(equal_ignoring_case("ChatGPT", "ChatGPT-4"));
  REQUIRE_FALSE(equal_ignoring_case("GPT-4", "GPT_4"));
}
