// The plan's frontier chart: every candidate of one growth factor as a point of ($/hour of its
// fleet, its value of the frontier metric such as P99 TTFT), candidates that meet every SLO as
// green circles and those that miss one (even at the top of the replica range) as red diamonds, the
// Pareto frontier joined by a line, and the SLO on that metric drawn as a dashed horizontal line.
// One chart code for the Plan view (a QChartView) and for report.md's PNG (rendered offscreen
// through the planner's hook: passed as PlanOptions::render_charts, plan/planner.h).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <QString>

#include "plan/planner.h"

class QChart;

namespace kvsim::gui {

struct PlanPoint {
  size_t candidate = 0;     // index into the growth's candidates
  double usd_per_hour = 0;
  double value = 0;         // the frontier metric at its replica count (worst over the seeds)
  bool passed = false;      // feasible: meets every SLO
  bool on_frontier = false;
};

// The points of growth `g` (invalid candidates and those without a value of the metric left out).
std::vector<PlanPoint> plan_points(const PlanGrowthResult& g, const std::string& metric);
// The limit of the SLO on `metric` ("ttft_s.p99"); false when no SLO is on it.
bool plan_slo_limit(const PlanSpec& spec, const std::string& metric, double* limit);

// Series names, for tests and clicks: "meets the SLOs", "misses an SLO", "frontier", "SLO".
inline const QString kPlanPassedSeries = "meets the SLOs";
inline const QString kPlanFailedSeries = "misses an SLO";
inline const QString kPlanFrontierSeries = "frontier";
inline const QString kPlanSloSeries = "SLO";

// A new chart (owned by the caller) of growth index `growth` of `result`.
QChart* make_plan_chart(const PlanResult& result, size_t growth = 0);

// Writes frontier.png (and frontier-xK.png per further growth factor) into `dir`; returns {file,
// caption} per picture written. Creates an offscreen QApplication when the process has none (the
// CLI), and draws on the application's thread. The signature is the planner's PlanChartRenderer.
std::vector<std::pair<std::string, std::string>> render_plan_charts(const PlanResult& result, const std::string& dir);

}  // namespace kvsim::gui
