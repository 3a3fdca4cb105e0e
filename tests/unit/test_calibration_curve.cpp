// MonotoneCurve: the log-log interpolation every calibrated quantity goes through.
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>

#include "perf/profile_curve.h"

using kvsim::MonotoneCurve;

TEST_CASE("a calibration curve passes through its points and is straight in log-log space between them") {
  const MonotoneCurve c({1, 100}, {2e-6, 200e-6});
  CHECK(c.at(1) == Approx(2e-6));
  CHECK(c.at(100) == Approx(200e-6));
  CHECK(c.at(10) == Approx(20e-6));  // the geometric midpoint of a power law y = 2e-6 x
  const MonotoneCurve flat({1, 1000}, {5e-6, 5e-6});
  CHECK(flat.at(31.6) == Approx(5e-6));
}

TEST_CASE("fitting merges repeated sizes by their median and removes dips so time never falls as size grows") {
  const MonotoneCurve c = MonotoneCurve::fit({{256, 0.130}, {512, 0.134}, {128, 0.071}, {256, 0.128},
                                              {256, 0.500}, {384, 0.100}, {64, 0.066}});
  REQUIRE(c.size() == 5);
  CHECK(c.sizes() == std::vector<double>{64, 128, 256, 384, 512});
  for (size_t i = 1; i < c.size(); ++i) CHECK(c.values()[i] >= c.values()[i - 1]);
  // 256 (median 0.130 of three samples) and 384 (0.100) violate the order: pooled to their
  // sample-weighted geometric mean.
  CHECK(c.values()[2] == Approx(std::pow(0.130, 0.75) * std::pow(0.100, 0.25)));
  CHECK(c.values()[3] == c.values()[2]);
  CHECK(c.values()[4] == Approx(0.134));
  CHECK(c.values()[0] == Approx(0.066));
}

TEST_CASE("outside its range a curve clamps at the launch floor below and scales proportionally above") {
  const MonotoneCurve c({1024, 4096}, {10e-6, 40e-6});
  CHECK(c.at(1) == Approx(10e-6));
  CHECK(c.at_or_proportional(1) == Approx(10e-6));
  CHECK(c.at(1 << 20) == Approx(40e-6));
  CHECK(c.at_or_proportional(8192) == Approx(80e-6));
  CHECK(c.covers(2048));
  CHECK_FALSE(c.covers(8192));
}

TEST_CASE("a curve refuses unordered sizes, decreasing times and non-positive values") {
  CHECK_THROWS_AS(MonotoneCurve({2, 1}, {1, 1}), std::invalid_argument);
  CHECK_THROWS_AS(MonotoneCurve({1, 2}, {2, 1}), std::invalid_argument);
  CHECK_THROWS_AS(MonotoneCurve({0, 2}, {1, 1}), std::invalid_argument);
  CHECK_THROWS_AS(MonotoneCurve({1, 2}, {1}), std::invalid_argument);
  CHECK_THROWS_AS(MonotoneCurve::fit({{1, -1}}), std::invalid_argument);
}
