// The Plan tab: a tiny plan (three GPU types at TP 1 and 8 for a 7B model: feasible, infeasible
// and invalid candidates) run from the form on a worker with progress, its table sorted by cost
// with feasible candidates first and misses marked, agreeing with the planner's candidates.csv;
// the frontier chart (passing and failing points, the SLO line) also written as report.md's PNG;
// a click on a point runs that candidate in the other views; Cancel; a bad plan.
#include <fstream>

#include <QChart>
#include <QChartView>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QLineSeries>
#include <QListWidget>
#include <QPushButton>
#include <QScatterSeries>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "gui_test_support.h"
#include "plan_chart.h"
#include "plan_view.h"
#include "results_view.h"
#include "run_identity.h"
#include "run_list.h"
#include "scenario_document.h"
#include "sweep_view.h"

using namespace kvsim::gui;
using namespace kvsim::gui::test;

namespace {

// Qwen2.5-7B (4 KV heads: TP 8 is invalid) at 30 req/s, P99 TTFT <= 0.3 s, 1-3 replicas.
Json tiny_plan() {
  Json base = small_scenario(150, 30.0);
  base["model"] = "Qwen2.5-7B";
  base.erase("slo");
  return Json{{"name", "tiny"},
              {"base", base},
              {"slo", {{"ttft_s", {{"p99", 0.3}}}}},
              {"candidates", {{"gpus", {"H100-SXM", "L40S", "V100-32GB"}}, {"tensor_parallel", {1, 8}}, {"weight_dtype", {"bf16"}}}},
              {"replicas", {{"min", 1}, {"max", 3}}},
              {"seeds", {{"count", 1}}},
              {"growth", {1}}};
}

QAbstractSeries* series_named(QChart* chart, const QString& prefix) {
  for (QAbstractSeries* s : chart->series())
    if (s->name().startsWith(prefix)) return s;
  return nullptr;
}

// candidates.csv's "label" -> "status".
std::map<QString, QString> statuses_in_csv(const QString& path) {
  std::map<QString, QString> out;
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return out;
  const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
  const QStringList header = lines.value(0).split(',');
  const int label = static_cast<int>(header.indexOf("label")), status = static_cast<int>(header.indexOf("status"));
  for (int i = 1; i < lines.size(); ++i) {
    const QStringList cells = lines[i].split(',');  // labels and statuses hold no commas
    out[cells.value(label)] = cells.value(status);
  }
  return out;
}

}  // namespace

class PlanViewTest : public QObject {
  Q_OBJECT

 private slots:
  void a_tiny_plan_runs_and_its_table_is_sorted_by_cost_with_misses_marked();
  void the_frontier_png_for_the_report_is_drawn_by_the_same_chart_code();
  void a_click_on_a_point_runs_that_candidate_in_the_other_views();
  void cancel_stops_a_plan_and_writes_no_plan_files();
  void a_bad_plan_shows_the_pointer_at_fault();
  void a_plan_without_a_base_plans_the_scenario_in_the_editor();
  void closing_the_window_during_a_plan_and_a_sweep_stops_them();
};

void PlanViewTest::a_tiny_plan_runs_and_its_table_is_sorted_by_cost_with_misses_marked() {
  QTemporaryDir tmp;
  kvsim::Catalog catalog = kvsim::Catalog::open_default();
  ScriptedPrompts prompts;
  PlanView view(catalog, &prompts);
  view.set_plan(tiny_plan(), tmp.path());
  int ticked = 0;
  for (int i = 0; i < view.gpu_list()->count(); ++i) ticked += view.gpu_list()->item(i)->checkState() == Qt::Checked;
  QCOMPARE(ticked, 3);
  KVSIM_JSON_COMPARE(view.plan_json()["candidates"]["tensor_parallel"], nlohmann::json({1, 8}));
  KVSIM_JSON_COMPARE(view.plan_json()["slo"], nlohmann::json({{"ttft_s", {{"p99", 0.3}}}}));

  QSignalSpy ended(&view, &PlanView::plan_ended);
  const QString out = tmp.filePath("out");
  QVERIFY(view.run_plan(out, 2));
  QVERIFY(view.busy());
  QVERIFY(ended.wait(120000));
  QVERIFY2(prompts.errors.isEmpty(), qPrintable(prompts.errors.join("\n")));
  QCOMPARE(ended.at(0).at(0).toBool(), true);
  QVERIFY(view.result() != nullptr);
  const kvsim::PlanGrowthResult& g = view.result()->growth.at(0);
  QCOMPARE(g.candidates.size(), size_t{6});

  // The table: feasible first by $/hour, then the misses, then the invalid ones.
  QTableWidget* t = view.table();
  QCOMPARE(t->rowCount(), 6);
  const auto csv = statuses_in_csv(out + "/candidates.csv");
  QCOMPARE(csv.size(), size_t{6});
  int rank = 0;
  double last_cost = -1;
  std::map<QString, int> seen;
  for (int r = 0; r < t->rowCount(); ++r) {
    const kvsim::PlanCandidateResult& c = g.candidates[view.row_order()[static_cast<size_t>(r)]];
    const QString label = QString::fromStdString(c.candidate.label);
    QVERIFY(t->item(r, 0)->text().startsWith(label));
    const QString status = QString::fromStdString(kvsim::plan_status_name(c.status));
    QCOMPARE(csv.at(label), status);  // the table says what the planner wrote
    ++seen[status];
    const int this_rank = status == "feasible" ? 0 : status == "infeasible" ? 1 : 2;
    QVERIFY2(this_rank >= rank, qPrintable(label + " is ranked above a better status"));
    if (this_rank != rank) last_cost = -1;
    rank = this_rank;
    QTableWidgetItem* mark = t->item(r, 1);
    if (status == "feasible") {
      QCOMPARE(mark->text(), QString("✓ meets"));
      QCOMPARE(mark->background().color(), kSloPassed);
      const double cost = t->item(r, 4)->text().toDouble();
      QVERIFY2(cost >= last_cost, qPrintable(label + " is out of cost order"));
      last_cost = cost;
    } else if (status == "infeasible") {
      QCOMPARE(mark->text(), QString("✗ misses"));
      QCOMPARE(mark->background().color(), kSloFailed);
      QVERIFY(t->item(r, 2)->text().endsWith("(top of range)"));
    } else {
      QCOMPARE(mark->text(), QString("invalid"));
      QVERIFY(!t->item(r, 0)->toolTip().isEmpty());  // the scenario's message
    }
  }
  QVERIFY(seen["feasible"] >= 1);
  QVERIFY(seen["infeasible"] >= 1);
  QVERIFY(seen["invalid"] >= 1);
  // The cheapest feasible candidate is the recommendation and the first row.
  QCOMPARE(static_cast<long>(view.row_order()[0]), g.recommended);
  QVERIFY(t->item(0, 0)->text().endsWith("★ recommended"));
  QVERIFY(view.recommendation_label()->text().startsWith(QString::fromStdString(g.candidates[static_cast<size_t>(g.recommended)].candidate.label)));

  // The chart: a point per feasible and per infeasible candidate, the SLO at 0.3 s.
  QChart* chart = view.chart_view()->chart();
  auto* passed = qobject_cast<QScatterSeries*>(series_named(chart, kPlanPassedSeries));
  auto* failed = qobject_cast<QScatterSeries*>(series_named(chart, kPlanFailedSeries));
  auto* slo = qobject_cast<QLineSeries*>(series_named(chart, kPlanSloSeries));
  QVERIFY(passed && failed && slo);
  QCOMPARE(passed->count(), seen["feasible"]);
  QCOMPARE(failed->count(), seen["infeasible"]);
  QCOMPARE(slo->at(0).y(), 0.3);
  for (const QPointF& p : passed->points()) QVERIFY(p.y() <= 0.3);
  for (const QPointF& p : failed->points()) QVERIFY(p.y() > 0.3);

  // The run wrote the CLI's files, report.md with the frontier picture drawn by the same chart code.
  for (const char* f : {"plan.json", "candidates.csv", "frontier.csv", "report.md", "frontier.png"})
    QVERIFY2(QFile::exists(out + "/" + f), f);
  QFile report(out + "/report.md");
  QVERIFY(report.open(QIODevice::ReadOnly));
  QVERIFY(report.readAll().contains("frontier.png"));
}

void PlanViewTest::the_frontier_png_for_the_report_is_drawn_by_the_same_chart_code() {
  QTemporaryDir tmp;
  kvsim::Catalog catalog = kvsim::Catalog::open_default();
  std::ofstream(tmp.filePath("plan.json").toStdString()) << tiny_plan().dump();
  const kvsim::PlanSpec spec = kvsim::load_plan(tmp.filePath("plan.json").toStdString(), catalog);
  kvsim::PlanOptions options;
  options.jobs = 1;
  const kvsim::PlanResult result = kvsim::run_plan(spec, options);  // no folder: no files
  const auto written = render_plan_charts(result, tmp.path().toStdString());
  QCOMPARE(written.size(), size_t{1});
  QCOMPARE(QString::fromStdString(written[0].first), QString("frontier.png"));
  QImage image(tmp.filePath("frontier.png"));
  QCOMPARE(image.size(), QSize(1800, 1200));
  // Green and red points are on it.
  bool green = false, red = false;
  for (int y = 0; y < image.height(); y += 2)
    for (int x = 0; x < image.width(); x += 2) {
      const QColor c = image.pixelColor(x, y);
      green = green || c == QColor(0x2ca02c);
      red = red || c == QColor(0xd62728);
    }
  QVERIFY(green);
  QVERIFY(red);
}

void PlanViewTest::a_click_on_a_point_runs_that_candidate_in_the_other_views() {
  QTemporaryDir tmp;
  ScriptedPrompts* prompts = nullptr;
  auto w = make_window(&prompts);
  PlanView* view = w->plan_view();
  QCOMPARE(w->views()->tabText(2), QString("Plan"));
  view->set_plan(tiny_plan(), tmp.path());
  QSignalSpy ended(view, &PlanView::plan_ended);
  QVERIFY(view->run_plan(tmp.filePath("out"), 2));
  QVERIFY(ended.wait(120000));
  const kvsim::PlanGrowthResult& g = view->result()->growth.at(0);
  const kvsim::PlanCandidateResult& best = g.candidates.at(static_cast<size_t>(g.recommended));
  const double value = best.slo_values[view->result()->spec.frontier_metric].get<double>();
  QCOMPARE(view->candidate_at(best.usd_per_hour, value), g.recommended);

  // The user clicks the recommended candidate's point.
  auto* passed = qobject_cast<QScatterSeries*>(series_named(view->chart_view()->chart(), kPlanPassedSeries));
  QVERIFY(passed);
  w->views()->setCurrentWidget(view);
  emit passed->clicked(QPointF(best.usd_per_hour, value));
  QVERIFY(wait_for_run(*w));
  QVERIFY2(prompts->errors.isEmpty(), qPrintable(prompts->errors.join("\n")));
  QCOMPARE(w->views()->currentIndex(), 0);
  QCOMPARE(w->runs()->count(), 1);
  const RunIdentity id = run_identity(w->runs()->run(0)->summary);
  QCOMPARE(id.gpu, QString::fromStdString(best.candidate.gpu.name));
  QCOMPARE(id.replicas, best.replicas);
  QCOMPARE(id.gpus, best.replicas * best.candidate.gpus_per_replica);
  QCOMPARE(id.usd_per_hour, best.usd_per_hour);
  // The candidate's run meets the SLO as the planner found (one seed, the same scenario).
  QVERIFY(w->runs()->run(0)->summary.ttft_s.p99 <= 0.3);
}

void PlanViewTest::cancel_stops_a_plan_and_writes_no_plan_files() {
  QTemporaryDir tmp;
  kvsim::Catalog catalog = kvsim::Catalog::open_default();
  ScriptedPrompts prompts;
  PlanView view(catalog, &prompts);
  Json plan = tiny_plan();
  plan["base"]["workload"]["synthetic"]["num_requests"] = 5000000;
  plan["replicas"]["max"] = 64;
  view.set_plan(plan, tmp.path());
  QSignalSpy ended(&view, &PlanView::plan_ended);
  const QString out = tmp.filePath("out");
  QVERIFY(view.run_plan(out, 2));
  QTest::qWait(500);
  QVERIFY(view.busy());
  QTest::mouseClick(view.cancel_button(), Qt::LeftButton);
  QVERIFY(ended.wait(30000));
  QCOMPARE(ended.at(0).at(0).toBool(), false);
  QVERIFY2(view.status_label()->text().startsWith("Cancelled"), qPrintable(view.status_label()->text()));
  QVERIFY(prompts.errors.isEmpty());
  for (const char* f : {"plan.json", "candidates.csv", "frontier.csv", "report.md"}) QVERIFY(!QFile::exists(out + "/" + f));
  QVERIFY(view.result() == nullptr);
}

void PlanViewTest::a_bad_plan_shows_the_pointer_at_fault() {
  QTemporaryDir tmp;
  kvsim::Catalog catalog = kvsim::Catalog::open_default();
  ScriptedPrompts prompts;
  PlanView view(catalog, &prompts);
  Json plan = tiny_plan();
  plan["slo"]["ttft_s"]["p99"] = -1;
  view.set_plan(plan, tmp.path());
  QSignalSpy ended(&view, &PlanView::plan_ended);
  QVERIFY(view.run_plan(tmp.filePath("out"), 1));
  QVERIFY(ended.wait(30000));
  QCOMPARE(prompts.errors.size(), 1);
  QVERIFY2(prompts.errors[0].contains("/slo/ttft_s/p99"), qPrintable(prompts.errors[0]));
}

void PlanViewTest::a_plan_without_a_base_plans_the_scenario_in_the_editor() {
  QTemporaryDir tmp;
  ScriptedPrompts* prompts = nullptr;
  auto w = make_window(&prompts);
  Json plan = tiny_plan();
  Json scenario = plan["base"];
  scenario["name"] = "from the editor";
  plan.erase("base");
  w->document()->reset(scenario, data_path("scenario.json"));
  w->plan_view()->set_plan(plan, tmp.path());
  QSignalSpy ended(w->plan_view(), &PlanView::plan_ended);
  QVERIFY(w->plan_view()->run_plan(tmp.filePath("out"), 2));
  QVERIFY(ended.wait(120000));
  QVERIFY2(prompts->errors.isEmpty(), qPrintable(prompts->errors.join("\n")));
  QCOMPARE(QString::fromStdString(w->plan_view()->result()->spec.base["name"].get<std::string>()), QString("from the editor"));
  QCOMPARE(w->plan_view()->result()->growth[0].candidates.size(), size_t{6});
}

void PlanViewTest::closing_the_window_during_a_plan_and_a_sweep_stops_them() {
  QTemporaryDir tmp;
  ScriptedPrompts* prompts = nullptr;
  auto w = make_window(&prompts);
  Json plan = tiny_plan();
  plan["base"]["workload"]["synthetic"]["num_requests"] = 5000000;
  w->plan_view()->set_plan(plan, tmp.path());
  QVERIFY(w->plan_view()->run_plan(tmp.filePath("plan"), 1));
  Json sweep = {{"base", plan["base"]}, {"axes", Json::array({Json{{"pointer", "/cluster/replicas"}, {"values", {1, 2}}}})}};
  std::ofstream(tmp.filePath("sweep.json").toStdString()) << sweep.dump();
  QVERIFY(w->sweep_view()->run_sweep_file(tmp.filePath("sweep.json"), tmp.filePath("sweep"), 1));
  QTest::qWait(300);
  QVERIFY(w->plan_view()->busy() && w->sweep_view()->busy());
  w.reset();  // cancels both and waits for their workers, which use the window's catalog
  QVERIFY(!QFile::exists(tmp.filePath("plan/plan.json")));
  QVERIFY(!QFile::exists(tmp.filePath("sweep/points.csv")));
}

QTEST_MAIN(PlanViewTest)
#include "test_plan_view.moc"
