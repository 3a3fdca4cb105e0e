#include "run_record.h"

#include <fstream>

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>

#include "core/error.h"
#include "results_folder.h"

namespace kvsim::gui {

CdfCurve make_cdf(const std::vector<double>& sorted, double p50, double p99) {
  CdfCurve c;
  c.samples = sorted.size();
  c.p50 = p50;
  c.p99 = p99;
  const size_t n = sorted.size();
  if (n == 0) return c;
  const size_t m = std::min(n, kMaxCdfPoints);
  c.points.reserve(m);
  for (size_t i = 0; i < m; ++i) {
    const size_t k = m == n ? i : (m == 1 ? n - 1 : (i * (n - 1) + (m - 1) / 2) / (m - 1));
    c.points.emplace_back(sorted[k], static_cast<double>(k + 1) / static_cast<double>(n));
  }
  return c;
}

namespace {

// summary.json's "scenario" with its keys in the order the file has them; null when absent.
nlohmann::ordered_json scenario_in_file_order(const std::string& summary_path) {
  std::ifstream in(summary_path, std::ios::binary);
  const nlohmann::ordered_json j = nlohmann::ordered_json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("scenario") || !j["scenario"].is_object()) return nullptr;
  return j["scenario"];
}

}  // namespace

RunRecord make_run_record(const QString& name, RunSummary summary, std::vector<TimeseriesRow> timeseries,
                          const LatencySamples& latencies) {
  RunRecord r;
  r.name = name;
  const auto curve = [](const std::vector<double>& samples, const Distribution& d) {
    return make_cdf(samples, d.p50, d.p99);
  };
  r.ttft = curve(latencies.ttft, summary.ttft_s);
  r.tpot = curve(latencies.tpot, summary.tpot_s);
  r.e2e = curve(latencies.e2e, summary.e2e_s);
  r.summary = std::move(summary);
  r.timeseries = std::move(timeseries);
  return r;
}

RunRecord load_run_record(const QString& folder) {
  const std::string dir = QDir(folder).absolutePath().toStdString();
  if (!is_results_folder(dir))
    throw InputError(dir + ": not a kvsim results folder (no summary.json; `kvsim run --out DIR` writes one)");
  // Typed once, here: the GUI reads the summary's fields from then on.
  RunSummary summary = summary_from_json(read_summary_json(dir + "/" + kSummaryFile));
  std::vector<TimeseriesRow> timeseries = read_timeseries_csv(dir + "/" + kTimeseriesFile);
  const LatencySamples latencies = read_request_latencies(dir + "/" + kRequestsFile);
  QString name = QFileInfo(folder).fileName();
  // The scenario is JSON by nature (RunSummary keeps it as run).
  const nlohmann::json& scenario = summary.scenario;
  if (scenario.is_object() && scenario.contains("name") && scenario["name"].is_string())
    name = QString::fromStdString(scenario["name"].get<std::string>()) + " (" + name + ")";
  RunRecord r = make_run_record(name, std::move(summary), std::move(timeseries), latencies);
  r.scenario = scenario_in_file_order(dir + "/" + kSummaryFile);
  r.folder = QString::fromStdString(dir);
  r.saved_to = r.folder;
  return r;
}

}  // namespace kvsim::gui
