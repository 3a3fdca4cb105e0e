// A sweep's results as the Sweep view plots them: its axes (from DIR/sweep.json, the sweep as
// run), and per point its value on each axis and the numeric leaves of its summary
// ("ttft_s.p99", "cost.usd_per_million_tokens", ...: the columns of points.csv), read from
// DIR/points.jsonl with the library's reader (plan/sweep_results.h), so a sweep still running or
// interrupted shows the points it has. sweep_chart turns a choice of x axis, series axis, metric
// and the other axes' values (or their average) into the lines of a chart.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <QString>
#include <nlohmann/json.hpp>

#include "chart_data.h"

namespace kvsim::gui {

struct SweepTableAxis {
  QString label;                        // its pointers, "/cluster/replicas" (", "-joined)
  std::string pointer;                  // the first of them: the points' override key
  std::vector<nlohmann::json> values;   // in the sweep's order
  bool numeric = false;                 // every value a number: the x axis uses the values
  bool seeds = false;                   // the sweep's seed axis
  // "2", "H100-SXM" (strings without quotes, other JSON as written).
  QString value_text(size_t i) const;
};

struct SweepTablePoint {
  size_t index = 0;
  std::vector<int> value;               // per axis, the index of its value (-1: not found)
  bool has_result = false;
  QString error;                        // the point's error, when it failed
  std::map<std::string, double> metrics;  // numeric summary leaves (true/false as 1/0)
};

struct SweepTable {
  QString dir, name;
  std::vector<SweepTableAxis> axes;
  std::vector<std::string> metrics;     // every metric any point has, sorted
  std::vector<SweepTablePoint> points;  // in point order
  size_t done = 0, failed = 0;
};

// Reads DIR/sweep.json and DIR/points.jsonl. Throws InputError naming the file at fault.
SweepTable load_sweep_table(const QString& dir);

struct SweepSelection {
  int x_axis = 0;
  int series_axis = -1;       // -1: one line
  std::string metric = "ttft_s.p99";
  // Per axis other than x and series: the index of the value the points must have, or -1 to
  // average the metric over that axis's values (e.g. over seeds).
  std::vector<int> fixed;
};

// The default: x the first axis, one line per value of the second axis that is not the seeds',
// the seeds averaged, every other axis at its first value.
SweepSelection default_selection(const SweepTable& table);

// One line per value of the series axis (or one line), a point per x value that has results:
// y is the mean of `metric` over the points with that x and series value and the fixed values,
// failed points left out. A numeric x axis uses its values, another its values' positions 0, 1,
// ... (their names in the x title). Chart id "sweep".
ChartData sweep_chart(const SweepTable& table, const SweepSelection& selection);

}  // namespace kvsim::gui
