// Whether a run met each of its SLOs, from its typed summary: the verdicts `kvsim run` prints in its
// header. A latency target (the scenario's slo.ttft_s, tpot_s, e2e_s; 0 = none) is met when the
// run's P99 of that latency is at or under it; goodput is met when at least kGoodputSloTarget of
// the requests met every target (goodput.fraction, dropped requests counting as missing it). These
// are the rules of the GUI's summary table (gui/run_identity.h), so both front ends give one verdict.
#pragma once
#include <string>
#include <vector>

#include "metrics/run_summary.h"

namespace kvsim {

inline constexpr double kGoodputSloTarget = 0.99;

struct SloCheck {
  std::string name;     // "TTFT", "TPOT", "E2E", "goodput"
  bool set = false;     // the scenario has this target (goodput: it has any latency target)
  bool passed = false;  // meaningful when `set`
  double value = 0;     // the P99 in seconds; goodput: the fraction of requests
  double target = 0;
};

// TTFT, TPOT, E2E and goodput, in that order, always four.
std::vector<SloCheck> slo_checks(const RunSummary& summary);

// One line for a text report: "met (TTFT p99 0.1803 s <= 2 s, ...)", "MISSED (TTFT p99 3.1 s > 2 s;
// met: ...)", or "none set".
std::string slo_checks_text(const std::vector<SloCheck>& checks);

}  // namespace kvsim
