// One run the GUI keeps: its summary, its time series, its latency CDFs, and the folder holding
// its files (a scratch folder until the user saves it, or the folder it was opened from). Runs are
// values: the charts and the summary table are drawn from a list of them.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include <QColor>
#include <QPointF>
#include <QString>
#include <nlohmann/json.hpp>

#include "metrics/run_summary.h"
#include "run/simulation.h"  // TimeseriesRow, LatencySamples: RunResult's

class QTemporaryDir;

namespace kvsim::gui {

// A CDF keeps at most this many points; larger samples are thinned at even ranks. (A chart is a
// few hundred pixels wide: more points cost drawing time and show nothing more.)
inline constexpr size_t kMaxCdfPoints = 1000;

struct CdfCurve {
  std::vector<QPointF> points;  // (latency in s, fraction of requests at or below it), ascending
  size_t samples = 0;
  double p50 = 0, p99 = 0;  // the library's percentiles, from the summary
};

// The empirical CDF of `sorted` (ascending): point i is (sorted[k], (k + 1) / n) for n samples,
// every sample when n <= kMaxCdfPoints, else kMaxCdfPoints samples at even ranks, first and last
// included.
CdfCurve make_cdf(const std::vector<double>& sorted, double p50, double p99);

struct RunRecord {
  QString name;
  QColor color;
  RunSummary summary;  // typed: a run opened from a folder is read into one once (summary_from_json)
  // The scenario as run, in its file's key order (summary.scenario has the keys sorted); null
  // when the run does not record it.
  nlohmann::ordered_json scenario;
  std::vector<TimeseriesRow> timeseries;
  CdfCurve ttft, tpot, e2e;
  QString folder;                          // summary.json, requests.csv, timeseries.csv
  std::shared_ptr<QTemporaryDir> scratch;  // owns `folder` until the run is saved
  QString saved_to;                        // where the user saved it or opened it from ("" if nowhere)
  double wall_seconds = 0;                 // 0 for a run opened from a folder
  uint64_t events = 0;
};

// Builds a record from the library's result; latencies must be sorted (RunResult's are).
RunRecord make_run_record(const QString& name, RunSummary summary, std::vector<TimeseriesRow> timeseries,
                          const LatencySamples& latencies);
// Opens a results folder; throws InputError naming the file at fault.
RunRecord load_run_record(const QString& folder);

}  // namespace kvsim::gui
