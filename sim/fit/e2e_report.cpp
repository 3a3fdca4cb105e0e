#include "fit/e2e_report.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace kvsim {

namespace {

std::string fmt(const char* format, double a, double b = 0, double c = 0) {
  char buf[96];
  std::snprintf(buf, sizeof buf, format, a, b, c);
  return buf;
}

}  // namespace

std::array<double, kNumFigures> e2e_goals() {
  // e2e_mean, e2e_p90, e2e_p99, ttft_mean, ttft_p90, ttft_p99, itl_mean (issue #9's goals).
  return {0.05, NAN, 0.075, 0.10, NAN, 0.20, 0.05};
}

bool e2e_goals_met(const Evaluation& ev) {
  const auto goals = e2e_goals();
  for (size_t f = 0; f < kNumFigures; ++f)
    if (std::isfinite(goals[f]) && !(ev.median_abs_error[f] <= goals[f])) return false;
  return ev.regime_mismatches == 0 && ev.failed_runs == 0;
}

std::string e2e_headline_markdown(const Evaluation& ev) {
  const auto goals = e2e_goals();
  std::ostringstream md;
  md << "| figure | median absolute error | goal | met |\n|---|---|---|---|\n";
  for (size_t f = 0; f < kNumFigures; ++f) {
    md << "| " << kFigureNames[f] << " | " << fmt("%.1f %%", 100 * ev.median_abs_error[f]) << " | ";
    if (std::isfinite(goals[f]))
      md << fmt("<= %.1f %%", 100 * goals[f]) << " | " << (ev.median_abs_error[f] <= goals[f] ? "yes" : "**no**");
    else
      md << "- | -";
    md << " |\n";
  }
  size_t stages = 0;
  for (const RunComparison& c : ev.runs) stages += c.stage_errors.size();
  md << "\nStages compared: " << stages << " of " << ev.runs.size() << " runs";
  if (ev.failed_runs) md << " (" << ev.failed_runs << " runs could not be replayed)";
  md << ". Stages whose regime was predicted wrong (queue growing where the real server held, or "
        "the reverse): "
     << ev.regime_mismatches << ".\n";
  return md.str();
}

std::string e2e_table_markdown(const Evaluation& ev) {
  std::ostringstream md;
  md << "Each cell: predicted / measured in ms (relative error).\n\n"
        "| run | model | TP | stage | req/s | E2E mean | E2E P90 | E2E P99 | TTFT mean | TTFT P90 | TTFT P99 | "
        "ITL mean | saturated |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const RunComparison& c : ev.runs) {
    const ServingRun& run = *c.run;
    if (!c.predicted.error.empty()) {
      md << "| " << run.id << " | " << run.model_key << " | " << run.tensor_parallel << " | - | - | not replayed: "
         << c.predicted.error.substr(0, 120) << " |||||||| |\n";
      continue;
    }
    for (size_t s = 0; s < c.stage_errors.size(); ++s) {
      md << "| " << run.id << " | " << run.model_key << " | " << run.tensor_parallel << " | " << s << " | "
         << fmt("%.1f", run.stages[s].rate_rps) << " |";
      for (size_t f = 0; f < kNumFigures; ++f) {
        const double p = figure(c.predicted.stages[s], f), m = figure(run.measured_stages[s], f);
        if (std::isfinite(m)) md << fmt(" %.1f / %.1f (%+.0f %%) |", p * 1e3, m * 1e3, 100 * c.stage_errors[s][f]);
        else md << fmt(" %.1f / - |", p * 1e3);
      }
      const bool ps = c.predicted.saturated[s], ms = measured_saturated(run.measured_stages[s]);
      md << " " << (ps ? "yes" : "no") << (ps != ms ? " (**real: " : "") << (ps != ms ? (ms ? "yes" : "no") : "")
         << (ps != ms ? "**)" : "") << " |\n";
    }
  }
  return md.str();
}

std::string fitted_terms_markdown(const std::vector<FitParameter>& params,
                                  const std::vector<std::pair<std::string, FitResult>>& fits) {
  std::ostringstream md;
  md << "| fit |";
  for (const FitParameter& p : params) md << " " << p.name << " |";
  md << " objective | evaluations |\n|---|";
  for (size_t i = 0; i < params.size(); ++i) md << "---|";
  md << "---|---|\n";
  for (const auto& [label, f] : fits) {
    md << "| " << label << " |";
    for (double v : f.values) md << fmt(" %.3g |", v);
    md << fmt(" %.4f | %.0f |\n", f.objective, f.evaluations);
  }
  return md.str();
}

}  // namespace kvsim
