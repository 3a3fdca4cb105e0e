#include "metrics/slo_verdicts.h"

#include <cstdio>

namespace kvsim {

std::vector<SloCheck> slo_checks(const RunSummary& s) {
  const SloConfig& slo = s.goodput.slo;
  const struct {
    const char* name;
    double target;
    const Distribution& latency;
  } latencies[] = {{"TTFT", slo.ttft_s, s.ttft_s}, {"TPOT", slo.tpot_s, s.tpot_s}, {"E2E", slo.e2e_s, s.e2e_s}};
  std::vector<SloCheck> out;
  bool any = false;
  for (const auto& l : latencies) {
    SloCheck c;
    c.name = l.name;
    c.target = l.target;
    c.set = l.target > 0;
    c.value = l.latency.p99;
    c.passed = c.set && c.value <= c.target;
    any = any || c.set;
    out.push_back(c);
  }
  SloCheck g;
  g.name = "goodput";
  g.set = any;
  g.target = kGoodputSloTarget;
  g.value = s.goodput.fraction;
  g.passed = any && g.value >= kGoodputSloTarget;
  out.push_back(g);
  return out;
}

namespace {

std::string check_text(const SloCheck& c) {
  char buf[160];
  if (c.name == "goodput")
    std::snprintf(buf, sizeof buf, "goodput %.1f%% %s %g%%", c.value * 100, c.passed ? ">=" : "<", c.target * 100);
  else
    std::snprintf(buf, sizeof buf, "%s p99 %.4g s %s %g s", c.name.c_str(), c.value, c.passed ? "<=" : ">", c.target);
  return buf;
}

std::string join(const std::vector<std::string>& parts) {
  std::string s;
  for (const std::string& p : parts) s += (s.empty() ? "" : ", ") + p;
  return s;
}

}  // namespace

std::string slo_checks_text(const std::vector<SloCheck>& checks) {
  std::vector<std::string> met, missed;
  for (const SloCheck& c : checks)
    if (c.set) (c.passed ? met : missed).push_back(check_text(c));
  if (met.empty() && missed.empty()) return "none set";
  if (missed.empty()) return "met (" + join(met) + ")";
  return "MISSED (" + join(missed) + (met.empty() ? "" : "; met: " + join(met)) + ")";
}

}  // namespace kvsim
