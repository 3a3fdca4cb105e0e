#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/rng.h"
#include "metrics/csv_writer.h"
#include "metrics/percentiles.h"

using namespace kvsim;

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
std::string temp_path(const char* name) {
  return (std::filesystem::temp_directory_path() / name).string();
}
// Reference: numpy's default percentile on a fully sorted copy.
double sorted_percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double rank = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (rank - static_cast<double>(lo)) * (v[hi] - v[lo]);
}
}  // namespace

TEST_CASE("CSV writer formats fields exactly and leaves negative times empty") {
  const std::string path = temp_path("kvsim_csv_format.csv");
  {
    CsvWriter w;
    w.open(path, "a,b,c,d,e,f");
    w.u(18446744073709551615ULL).i(-42).seconds(1500000001).seconds(-1).f(0.1).s("x y");
    w.end_row();
    w.seconds(0).seconds(999999999).seconds(12000000000).u(0).f(2.5).s("");
    w.end_row();
    w.close();
  }
  REQUIRE(slurp(path) ==
          "a,b,c,d,e,f\n"
          "18446744073709551615,-42,1.500000001,,0.1,x y\n"
          "0.000000000,0.999999999,12.000000000,0,2.5,\n");
  std::filesystem::remove(path);
}

TEST_CASE("CSV writer keeps every row when the output outgrows its buffer") {
  const std::string path = temp_path("kvsim_csv_large.csv");
  const uint64_t rows = 200000;  // about 5 MB, several buffer flushes
  {
    CsvWriter w;
    w.open(path, "id,t");
    for (uint64_t r = 0; r < rows; ++r) w.u(r).seconds(static_cast<int64_t>(r) * 1234567).end_row();
    w.close();
  }
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  REQUIRE(line == "id,t");
  uint64_t n = 0;
  while (std::getline(in, line)) {
    const int64_t ns = static_cast<int64_t>(n) * 1234567;
    char want[64];
    std::snprintf(want, sizeof want, "%llu,%lld.%09lld", static_cast<unsigned long long>(n),
                  static_cast<long long>(ns / 1000000000), static_cast<long long>(ns % 1000000000));
    if (line != want) FAIL("row " << n << ": " << line << " != " << want);
    ++n;
  }
  REQUIRE(n == rows);
  std::filesystem::remove(path);
}

TEST_CASE("CSV writer reports a file it cannot create") {
  CsvWriter w;
  REQUIRE_THROWS_WITH(w.open("/nonexistent-dir/x.csv", "h"), Catch::Contains("cannot write /nonexistent-dir/x.csv"));
}

TEST_CASE("percentiles by selection equal those of a full sort") {
  Rng rng(7);
  for (size_t n : {size_t{1}, size_t{2}, size_t{3}, size_t{10}, size_t{101}, size_t{1000}, size_t{12345}}) {
    std::vector<double> v(n);
    for (auto& x : v) x = std::floor(rng.uniform() * 50.0);  // many ties
    const std::vector<double> copy = v;
    const Distribution d = summarize(v);
    REQUIRE(d.count == n);
    REQUIRE(d.p50 == sorted_percentile(copy, 0.50));
    REQUIRE(d.p90 == sorted_percentile(copy, 0.90));
    REQUIRE(d.p99 == sorted_percentile(copy, 0.99));
    REQUIRE(d.min == *std::min_element(copy.begin(), copy.end()));
    REQUIRE(d.max == *std::max_element(copy.begin(), copy.end()));
    double sum = 0;
    for (double x : copy) sum += x;
    REQUIRE(d.mean == Approx(sum / static_cast<double>(n)));
  }
}

TEST_CASE("percentiles of a small sample match hand-computed values") {
  std::vector<double> v = {4, 1, 3, 2, 5};  // sorted 1..5: p50 = 3, p90 = 4.6, p99 = 4.96
  const Distribution d = summarize(v);
  REQUIRE(d.p50 == Approx(3.0));
  REQUIRE(d.p90 == Approx(4.6));
  REQUIRE(d.p99 == Approx(4.96));
  REQUIRE(d.mean == Approx(3.0));
}
