// Running, comparing, saving and reopening: the window runs the library call on a worker thread,
// fills every chart and the summary table with the library's figures, compares runs, survives
// bad input, and writes and reads the CLI's result files. (Timing: test_responsiveness.cpp.)
#include <algorithm>

#include <QChart>
#include <QDir>
#include <QFile>
#include <QLineSeries>
#include <QListWidget>
#include <QScatterSeries>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "core/error.h"
#include "gui_test_support.h"
#include "kv/eviction_registry.h"
#include "chart_panel.h"
#include "results_view.h"
#include "run/simulation.h"
#include "run_list.h"
#include "scenario/scenario.h"
#include "scenario_document.h"
#include "scenario_editor.h"
#include "scenario_form.h"
#include "run_identity.h"
#include "summary_rows.h"

using namespace kvsim::gui;
using namespace kvsim::gui::test;

namespace {

// The library's own run of a scenario, as `kvsim run --out dir` makes it.
kvsim::RunResult library_run(const Json& scenario, const std::string& out_dir = "") {
  const kvsim::Catalog catalog = kvsim::Catalog::open_default();
  kvsim::Scenario sc = kvsim::parse_scenario(nlohmann::json(scenario), QString(KVSIM_GUI_TEST_DATA).toStdString(),
                                             catalog, "scenario");
  sc.json_in_order = scenario;  // as kvsim run keeps a scenario file's key order
  kvsim::RunOptions opt;
  opt.out_dir = out_dir;
  return kvsim::run_scenario(sc, opt);
}

QXYSeries* series_named(QChart* chart, const QString& name) {
  for (QAbstractSeries* s : chart->series())
    if (s->name() == name) return qobject_cast<QXYSeries*>(s);
  return nullptr;
}

}  // namespace

class RunTest : public QObject {
  Q_OBJECT

 private slots:
  void a_run_fills_every_chart_and_the_summary_matches_the_library();
  void two_runs_are_overlaid_in_every_chart_and_side_by_side_in_the_table();
  void an_invalid_scenario_shows_an_error_and_the_window_stays_usable();
  void a_missing_trace_stops_the_run_with_an_error_naming_the_file();
  void a_saved_results_folder_is_byte_identical_to_kvsim_run_out();
  void a_results_folder_opens_again_without_rerunning();
  void a_saved_run_reopened_shows_the_same_summary_table_and_charts();
  void a_folder_that_is_not_a_results_folder_shows_an_error();
  void every_chart_exports_as_png_and_csv();
  void a_runs_scenario_comes_back_into_the_editor();
};

void RunTest::a_run_fills_every_chart_and_the_summary_matches_the_library() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  const Json scenario = test::small_scenario();
  QVERIFY(test::run_in_window(*w, scenario));
  QVERIFY2(prompts->errors.isEmpty(), qPrintable(prompts->errors.join("\n")));
  QCOMPARE(w->runs()->count(), 1);

  const kvsim::RunResult expected = library_run(scenario);
  const RunRecord& run = *w->runs()->run(0);
  KVSIM_JSON_COMPARE(to_json(run.summary), to_json(expected.summary));
  QCOMPARE(run.timeseries.size(), expected.timeseries.size());
  QVERIFY(expected.timeseries.size() > 10);
  const size_t completed = expected.summary.requests.completed;
  QCOMPARE(completed, size_t{300});

  // Latency CDFs: one point per finished request (300 < kMaxCdfPoints), P50 and P99 marked.
  static_assert(kMaxCdfPoints > 300);
  const QString name = run.name;
  for (const char* id : {"ttft_cdf", "e2e_cdf"}) {
    QChart* chart = w->results()->panel(id)->chart();
    QXYSeries* cdf = series_named(chart, name);
    QVERIFY2(cdf != nullptr, id);
    QCOMPARE(cdf->count(), static_cast<int>(completed));
    QCOMPARE(cdf->at(cdf->count() - 1).y(), 1.0);
    QXYSeries* p99 = series_named(chart, name + " · P99");
    QVERIFY(p99 != nullptr && p99->count() == 1);
    const kvsim::Distribution& d = QString(id) == "ttft_cdf" ? expected.summary.ttft_s : expected.summary.e2e_s;
    QCOMPARE(p99->at(0).x(), d.p99);
    QCOMPARE(series_named(chart, name + " · P50")->at(0).x(), d.p50);
  }
  QCOMPARE(series_named(w->results()->panel("tpot_cdf")->chart(), name)->count(),
           static_cast<int>(expected.latencies.tpot.size()));

  // Time series: one point per row of timeseries.csv, in every curve (up to kMaxDrawnPoints).
  const int rows = static_cast<int>(expected.timeseries.size());
  QVERIFY(static_cast<size_t>(rows) <= kMaxDrawnPoints);
  for (const QString& series : {name + " · used", name + " · cached", name + " · free"}) {
    QXYSeries* s = series_named(w->results()->panel("kv_memory")->chart(), series);
    QVERIFY2(s != nullptr, qPrintable(series));
    QCOMPARE(s->count(), rows);
  }
  QCOMPARE(series_named(w->results()->panel("prefix_hit_rate")->chart(), name)->count(), rows);
  QCOMPARE(series_named(w->results()->panel("running_waiting")->chart(), name + " · running")->count(), rows);
  QCOMPARE(series_named(w->results()->panel("running_waiting")->chart(), name + " · waiting")->count(), rows);
  QXYSeries* throughput = series_named(w->results()->panel("throughput")->chart(), name);
  QCOMPARE(throughput->count(), rows);
  QCOMPARE(throughput->at(rows / 2).y(), expected.timeseries[static_cast<size_t>(rows / 2)].throughput_tok_s);
  // The shared system prompts give prefix hits.
  QVERIFY(expected.summary.prefix_cache.token_hit_rate > 0);

  // Cost bars: GPU, storage, transfer for the run, and $ per million tokens.
  const ChartData& cost = w->results()->panel("cost_breakdown")->data();
  QCOMPARE(cost.categories, QStringList{name});
  QCOMPARE(cost.sets[0].values[0], expected.summary.cost.usd_gpu);
  QCOMPARE(w->results()->panel("cost_per_million_tokens")->data().sets[0].values[0],
           expected.summary.cost.usd_per_million_tokens);

  // The summary table: what the run is, its SLOs, then the figures of `kvsim run`, formatted as
  // it prints them.
  QTableWidget* table = w->results()->summary_table();
  const auto rows_expected = summary_table_rows(expected.summary);
  const auto figures = summary_rows(expected.summary);
  QCOMPARE(rows_expected.size(), identity_rows(expected.summary).size() + 4 + figures.size());
  for (size_t r = 0; r < figures.size(); ++r)
    QCOMPARE(rows_expected[rows_expected.size() - figures.size() + r].text, figures[r].text);
  QCOMPARE(table->rowCount(), static_cast<int>(rows_expected.size()));
  QCOMPARE(table->horizontalHeaderItem(2)->text(), name);
  for (int r = 0; r < table->rowCount(); ++r) QCOMPARE(table->item(r, 2)->text(), rows_expected[r].text);
  const auto find_row = [&](const QString& label) {
    for (int r = 0; r < table->rowCount(); ++r)
      if (table->item(r, 1)->text() == label) return table->item(r, 2)->text();
    return QString();
  };
  char text[64];
  std::snprintf(text, sizeof text, "%.4f", expected.summary.ttft_s.p99);
  QCOMPARE(find_row("TTFT p99"), QString(text));
  std::snprintf(text, sizeof text, "%.4f", expected.summary.cost.usd_per_million_tokens);
  QCOMPARE(find_row("$ per million tokens"), QString(text));
  QCOMPARE(find_row("completed"), QString("300"));
}

void RunTest::two_runs_are_overlaid_in_every_chart_and_side_by_side_in_the_table() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  // The architect's comparison: two eviction policies on the same trace when the registry has
  // two, else two scheduler limits.
  const auto policies = kvsim::eviction_policy_names();
  Json a = test::small_scenario(), b = test::small_scenario();
  if (policies.size() >= 2) {
    a["kv_cache"]["eviction_policy"] = policies[0];
    b["kv_cache"]["eviction_policy"] = policies[1];
  } else {
    b["engine"]["max_num_seqs"] = 8;
  }
  QVERIFY(test::run_in_window(*w, a));
  QVERIFY(test::run_in_window(*w, b));
  QVERIFY2(prompts->errors.isEmpty(), qPrintable(prompts->errors.join("\n")));
  QCOMPARE(w->runs()->count(), 2);
  w->runs()->rename(0, "A");
  w->runs()->rename(1, "B");
  w->results()->finish_redraw();

  for (ChartPanel* panel : w->results()->panels()) {
    const ChartData& d = panel->data();
    if (d.bars) {
      QCOMPARE(d.categories, (QStringList{"A", "B"}));
      continue;
    }
    QStringList runs;
    for (const auto& s : d.series)
      if (!runs.contains(s.run)) runs << s.run;
    QCOMPARE(runs, (QStringList{"A", "B"}));
    // Legend entries are the runs' (and their curves') names, in the runs' colours.
    QVERIFY(series_named(panel->chart(), d.series.front().label()) != nullptr);
  }
  const kvsim::RunResult expected_b = library_run(b);
  QTableWidget* table = w->results()->summary_table();
  QCOMPARE(table->columnCount(), 4);
  QCOMPARE(table->horizontalHeaderItem(3)->text(), QString("B"));
  const auto rows_b = summary_table_rows(expected_b.summary);
  for (int r = 0; r < table->rowCount(); ++r) QCOMPARE(table->item(r, 3)->text(), rows_b[r].text);
  QVERIFY(w->runs()->run(0)->color != w->runs()->run(1)->color);

  // Unticking a run takes it out of the charts and the table.
  w->runs()->set_shown(0, false);
  w->results()->finish_redraw();
  QCOMPARE(table->columnCount(), 3);
  QCOMPARE(w->results()->panel("ttft_cdf")->data().series.front().run, QString("B"));
}

void RunTest::an_invalid_scenario_shows_an_error_and_the_window_stays_usable() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(w->open_scenario(test::data_path("bad.json")));
  QVERIFY(w->start_run());
  QVERIFY(test::wait_for_run(*w));
  QCOMPARE(prompts->errors.size(), 1);
  QVERIFY(prompts->errors[0].startsWith("The run did not complete: "));
  QVERIFY(prompts->errors[0].contains("/engine/max_num_seqs: expected"));
  QCOMPARE(w->runs()->count(), 0);
  QVERIFY(!w->editor()->form()->field("/engine/max_num_seqs")->issue_text().isEmpty());
  QVERIFY(w->run_action()->isEnabled());
  // Still usable: a good scenario runs next.
  QVERIFY(test::run_in_window(*w, test::small_scenario(50)));
  QCOMPARE(w->runs()->count(), 1);
  QCOMPARE(prompts->errors.size(), 1);
}

void RunTest::a_missing_trace_stops_the_run_with_an_error_naming_the_file() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(w->open_scenario(test::data_path("missing_trace.json")));
  QVERIFY(w->start_run());
  QVERIFY(test::wait_for_run(*w));
  QCOMPARE(prompts->errors.size(), 1);
  QVERIFY2(prompts->errors[0].contains("trace file not found") && prompts->errors[0].contains("no-such-trace.csv"),
           qPrintable(prompts->errors[0]));
  QVERIFY(!w->editor()->form()->field("/workload/trace/path")->issue_text().isEmpty());
  QCOMPARE(w->runs()->count(), 0);
}

void RunTest::a_saved_results_folder_is_byte_identical_to_kvsim_run_out() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  const Json scenario = test::small_scenario(120);
  QVERIFY(test::run_in_window(*w, scenario));
  QTemporaryDir dir;
  const QString gui_out = dir.filePath("from-gui"), cli_out = dir.filePath("from-library");
  QVERIFY(w->save_results(gui_out));
  library_run(scenario, cli_out.toStdString());
  for (const char* file : {"summary.json", "requests.csv", "timeseries.csv"})
    QVERIFY2(file_bytes(gui_out + "/" + file) == file_bytes(cli_out + "/" + file), file);
  QCOMPARE(w->runs()->run(0)->saved_to, QDir(gui_out).absolutePath());

  // Saving over another run's folder asks first.
  prompts->confirmations = {false};
  QVERIFY(!w->save_results(cli_out));
  QCOMPARE(prompts->questions.size(), 1);
}

void RunTest::a_results_folder_opens_again_without_rerunning() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  const Json scenario = test::small_scenario(150);
  QTemporaryDir dir;
  const kvsim::RunResult expected = library_run(scenario, dir.filePath("out").toStdString());
  w->open_results(dir.filePath("out"));
  QVERIFY(QTest::qWaitFor([&] { return w->runs()->count() == 1 && !w->results()->redrawing(); }, 10000));
  QVERIFY2(prompts->errors.isEmpty(), qPrintable(prompts->errors.join("\n")));
  const RunRecord& run = *w->runs()->run(0);
  KVSIM_JSON_COMPARE(to_json(run.summary), to_json(expected.summary));
  QCOMPARE(run.timeseries.size(), expected.timeseries.size());
  QCOMPARE(run.ttft.samples, expected.latencies.ttft.size());
  QCOMPARE(run.tpot.samples, expected.latencies.tpot.size());
  // requests.csv holds the latencies to the nanosecond: the CDF comes back point for point.
  for (size_t i = 0; i < run.e2e.points.size(); i += 17)
    QVERIFY(std::abs(run.e2e.points[i].x() - expected.latencies.e2e[i]) < 1e-9);
  QCOMPARE(series_named(w->results()->panel("e2e_cdf")->chart(), run.name)->count(),
           static_cast<int>(expected.latencies.e2e.size()));
  QVERIFY(run.name.startsWith("gui-small"));
  QCOMPARE(run.saved_to, QDir(dir.filePath("out")).absolutePath());
  QTableWidget* table = w->results()->summary_table();
  int completed = -1;
  for (int r = 0; r < table->rowCount(); ++r)
    if (table->item(r, 0)->text() == "requests" && table->item(r, 1)->text() == "completed") completed = r;
  QVERIFY(completed >= 0);
  QCOMPARE(table->item(completed, 2)->text(), QString("150"));
}

void RunTest::a_saved_run_reopened_shows_the_same_summary_table_and_charts() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  // With SLOs (small_scenario sets them) and a CPU tier, so that the SLO verdicts and the rows of
  // the tier report come back from the folder too.
  QVERIFY(test::run_in_window(*w, test::tier_scenario()));
  QTemporaryDir dir;
  const QString folder = dir.filePath("saved");
  QVERIFY(w->save_results(folder));
  w->open_results(folder);
  QVERIFY(QTest::qWaitFor([&] { return w->runs()->count() == 2 && !w->results()->redrawing(); }, 20000));
  QVERIFY2(prompts->errors.isEmpty(), qPrintable(prompts->errors.join("\n")));
  const RunRecord& fresh = *w->runs()->run(0);
  const RunRecord& reopened = *w->runs()->run(1);
  QCOMPARE(reopened.saved_to, QDir(folder).absolutePath());
  QVERIFY(reopened.summary.kv_tiers.has_value());
  KVSIM_JSON_COMPARE(to_json(reopened.summary), to_json(fresh.summary));

  // The table: the fresh run's column and the reopened run's hold the same rows, text and SLO
  // colours, the tier rows included.
  const auto rows_fresh = summary_table_rows(fresh.summary);
  const auto rows_reopened = summary_table_rows(reopened.summary);
  QCOMPARE(rows_reopened.size(), rows_fresh.size());
  for (size_t r = 0; r < rows_fresh.size(); ++r) {
    QCOMPARE(rows_reopened[r].section, rows_fresh[r].section);
    QCOMPARE(rows_reopened[r].label, rows_fresh[r].label);
    QCOMPARE(rows_reopened[r].text, rows_fresh[r].text);
  }
  QTableWidget* table = w->results()->summary_table();
  QCOMPARE(table->columnCount(), 4);
  QCOMPARE(table->rowCount(), static_cast<int>(rows_fresh.size()));
  int tier_rows = 0, coloured = 0;
  for (int r = 0; r < table->rowCount(); ++r) {
    const QTableWidgetItem* a = table->item(r, 2);
    const QTableWidgetItem* b = table->item(r, 3);
    QVERIFY(a != nullptr && b != nullptr);
    QCOMPARE(b->text(), a->text());
    QCOMPARE(b->background(), a->background());
    if (table->item(r, 0)->text().startsWith("tier ")) ++tier_rows;
    if (a->background().style() != Qt::NoBrush) ++coloured;
  }
  QVERIFY(tier_rows > 0);
  QVERIFY(coloured > 0);

  // The charts drawn from the summary: P50 and P99 marks and the cost bars.
  QCOMPARE(reopened.ttft.p99, fresh.ttft.p99);
  QCOMPARE(reopened.e2e.p50, fresh.e2e.p50);
  QCOMPARE(reopened.tpot.samples, fresh.tpot.samples);
  for (const char* id : {"cost_breakdown", "cost_per_million_tokens"})
    for (const auto& set : w->results()->panel(id)->data().sets) QCOMPARE(set.values.at(1), set.values.at(0));
}

void RunTest::a_folder_that_is_not_a_results_folder_shows_an_error() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QTemporaryDir dir;
  w->open_results(dir.path());
  QVERIFY(QTest::qWaitFor([&] { return !prompts->errors.isEmpty(); }, 10000));
  QVERIFY(prompts->errors[0].contains("not a kvsim results folder"));
  QCOMPARE(w->runs()->count(), 0);
  // A folder whose timeseries.csv is damaged names the file and line.
  const kvsim::RunResult r = library_run(test::small_scenario(30), dir.filePath("out").toStdString());
  QFile ts(dir.filePath("out/timeseries.csv"));
  QVERIFY(ts.open(QIODevice::Append));
  ts.write("1.0,x,0,0,0,0,0,0,0,0,0,0\n");
  ts.close();
  w->open_results(dir.filePath("out"));
  QVERIFY(QTest::qWaitFor([&] { return prompts->errors.size() == 2; }, 10000));
  QVERIFY2(prompts->errors[1].contains("timeseries.csv:") && prompts->errors[1].contains("kv_blocks_used"),
           qPrintable(prompts->errors[1]));
}

void RunTest::every_chart_exports_as_png_and_csv() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(test::run_in_window(*w, test::small_scenario(100)));
  QTemporaryDir dir;
  QVERIFY(w->export_charts(dir.path()));
  const RunRecord& run = *w->runs()->run(0);
  for (ChartPanel* panel : w->results()->panels()) {
    const QString id = panel->data().id;
    QImage image(dir.filePath(id + ".png"));
    QVERIFY2(!image.isNull() && image.width() >= 900, qPrintable(id));
    QFile csv(dir.filePath(id + ".csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts);
    size_t points = 0;
    for (const auto& s : panel->data().series) points += s.points.size();
    if (panel->data().bars) points = static_cast<size_t>(panel->data().categories.size());
    QCOMPARE(static_cast<size_t>(lines.size()), points + 1);  // header + one line per point
  }
  QFile kv(dir.filePath("kv_memory.csv"));
  QVERIFY(kv.open(QIODevice::ReadOnly));
  const QString header = QString::fromUtf8(kv.readLine()).trimmed();
  QVERIFY(header == "run,series,time_s,gib" || header == "run,series,time_s,blocks");
  QVERIFY(QString::fromUtf8(kv.readLine()).startsWith(run.name + ",used,"));
  QVERIFY(QFile::exists(dir.filePath("summary_table.csv")));
  // One chart on its own, through its button's path.
  prompts->paths = {dir.filePath("one.csv")};
  QVERIFY(w->results()->panel("ttft_cdf")->save_csv(dir.filePath("one.csv")));
  QCOMPARE(file_bytes(dir.filePath("one.csv")), file_bytes(dir.filePath("ttft_cdf.csv")));
}

void RunTest::a_runs_scenario_comes_back_into_the_editor() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  const Json scenario = test::small_scenario(40);
  QVERIFY(test::run_in_window(*w, scenario));
  w->new_scenario();
  w->edit_run_scenario();
  KVSIM_JSON_COMPARE(w->document()->json(), scenario);
  // Nothing to save: the run keeps its scenario (and quitting or opening another asks nothing).
  QVERIFY(!w->document()->dirty());
}

QTEST_MAIN(RunTest)
#include "test_run.moc"
