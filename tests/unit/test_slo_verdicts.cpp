// The SLO verdicts `kvsim run` prints in its header (metrics/slo_verdicts.h).
#include <catch2/catch.hpp>

#include "metrics/slo_verdicts.h"

using namespace kvsim;

namespace {

RunSummary summary_with(double ttft_p99, double tpot_p99, double e2e_p99, double goodput) {
  RunSummary s;
  s.ttft_s.p99 = ttft_p99;
  s.tpot_s.p99 = tpot_p99;
  s.e2e_s.p99 = e2e_p99;
  s.goodput.fraction = goodput;
  return s;
}

}  // namespace

TEST_CASE("an SLO is met at or under its target's P99 and missed above it; unset targets give no verdict") {
  RunSummary s = summary_with(1.0, 0.051, 9.0, 0.995);
  s.goodput.slo.ttft_s = 1.0;   // exactly at the target: met
  s.goodput.slo.tpot_s = 0.05;  // just over: missed
  const std::vector<SloCheck> c = slo_checks(s);
  REQUIRE(c.size() == 4);
  CHECK(c[0].name == "TTFT");
  CHECK(c[0].set);
  CHECK(c[0].passed);
  CHECK(c[1].name == "TPOT");
  CHECK(c[1].set);
  CHECK_FALSE(c[1].passed);
  CHECK(c[1].value == 0.051);
  CHECK(c[2].name == "E2E");
  CHECK_FALSE(c[2].set);  // no E2E target, however long E2E is
  CHECK_FALSE(c[2].passed);
  CHECK(c[3].name == "goodput");
  CHECK(c[3].set);
  CHECK(c[3].passed);  // 99.5 % >= 99 %
  CHECK(slo_checks_text(c) == "MISSED (TPOT p99 0.051 s > 0.05 s; met: TTFT p99 1 s <= 1 s, goodput 99.5% >= 99%)");
}

TEST_CASE("goodput under 99 % misses even when every P99 is met; a run without targets says none set") {
  RunSummary s = summary_with(0.18, 0.013, 4.0, 0.985);
  s.goodput.slo.ttft_s = 2.0;
  s.goodput.slo.tpot_s = 0.1;
  const std::vector<SloCheck> c = slo_checks(s);
  CHECK(c[0].passed);
  CHECK(c[1].passed);
  CHECK_FALSE(c[3].passed);
  CHECK(slo_checks_text(c) == "MISSED (goodput 98.5% < 99%; met: TTFT p99 0.18 s <= 2 s, TPOT p99 0.013 s <= 0.1 s)");
  s.goodput.fraction = 1.0;
  CHECK(slo_checks_text(slo_checks(s)) == "met (TTFT p99 0.18 s <= 2 s, TPOT p99 0.013 s <= 0.1 s, goodput 100.0% >= 99%)");

  const RunSummary none = summary_with(50, 1, 100, 0);
  for (const SloCheck& v : slo_checks(none)) CHECK_FALSE(v.set);
  CHECK(slo_checks_text(slo_checks(none)) == "none set");
}
