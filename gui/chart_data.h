// What each results chart shows, as plain data built from the kept runs: the chart widgets draw
// it, the CSV export writes it, and the tests count its points. One ChartData per chart:
//   ttft_cdf, tpot_cdf, e2e_cdf   latency CDFs, P50 and P99 marked on each run's curve
//   kv_memory                     KV cache used / cached (free but reusable) / free over time
//   prefix_hit_rate               token hit rate of the admissions in each interval
//   running_waiting               running and waiting requests over time
//   throughput                    tokens computed per second over time
//   cost_breakdown                GPU, storage and transfer dollars per run (stacked bars)
//   cost_per_million_tokens       $ per million tokens per run
#pragma once
#include <vector>

#include <QColor>
#include <QPointF>
#include <QString>
#include <QStringList>

#include "run_record.h"

namespace kvsim::gui {

struct SeriesData {
  enum class Kind { kLine, kP50, kP99 };
  QString run;   // the run's name
  QString name;  // "used", "running", ...; empty for a chart with one curve per run
  Kind kind = Kind::kLine;
  QColor color;
  Qt::PenStyle style = Qt::SolidLine;
  std::vector<QPointF> points;
  // The legend's text: "run" or "run · name".
  QString label() const { return name.isEmpty() ? run : run + " · " + name; }
};

struct BarSetData {
  QString name;
  QColor color;
  std::vector<double> values;  // one per category (run)
};

struct ChartData {
  QString id;     // file stem for exports; never a results folder's file name (requests.csv)
  QString title;
  QString key;    // how the lines or bars are told apart ("— used, - - cached, ··· free"), for the legend
  QString x_title, y_title;
  QString x_column, y_column;  // CSV header names
  bool bars = false;
  std::vector<SeriesData> series;  // line charts
  QStringList categories;          // bar charts: one per run
  std::vector<QColor> category_colors;  // bar charts: each run's colour, which its bars are drawn in
  std::vector<BarSetData> sets;    // bar charts
  bool stacked = false;
  // The axis a log scale applies to: latency (x) for a CDF, the value (y) for the others.
  bool log_on_x() const { return !bars && y_column == "fraction"; }
};

// Colour i of Matplotlib's "tab10" palette (ten colours that stay distinct side by side), cycling:
// runs and a sweep's lines are drawn in it.
QColor palette_color(size_t i);

// Every results chart for `runs`, in display order (empty runs give empty charts).
std::vector<ChartData> build_charts(const std::vector<const RunRecord*>& runs);

// The chart's data as CSV. Lines: "run,series,<x_column>,<y_column>", one row per point (P50 and
// P99 markers are series "P50" and "P99"). Bars: "run,<set>,<set>,...", one row per run.
QString chart_csv(const ChartData& chart);

}  // namespace kvsim::gui
