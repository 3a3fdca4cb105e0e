// The Plan tab: a tiny plan (three GPU types at TP 1 and 8 for a 7B model: feasible, infeasible
// and invalid candidates) run from the form on a worker with progress, its table sorted by cost
// with feasible candidates first and misses marked, agreeing with the planner's candidates.csv;
// the frontier chart (passing and failing points, the SLO line) also written as report.md's PNG;
// a click on a point runs that candidate in the other views; Cancel; a bad plan.
#include <fstream>

#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QLineSeries>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScatterSeries>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "gui_test_support.h"
#include "plan_chart.h"
#include "plan_form_lines.h"
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

// The row of GPU `name` in the Plan form's GPU table.
int gpu_row(const PlanView& view, const QString& name) {
  for (int r = 0; r < view.gpu_table()->rowCount(); ++r)
    if (view.gpu_table()->item(r, 0)->data(Qt::UserRole).toString() == name) return r;
  return -1;
}

// `j` with its keys sorted, as the form's nlohmann::json holds them.
nlohmann::json sorted(const Json& j) { return nlohmann::json::parse(j.dump()); }

std::vector<std::string> labels(const kvsim::PlanSpec& spec) {
  std::vector<std::string> out;
  for (const kvsim::PlanCandidate& c : kvsim::plan_candidates(spec)) out.push_back(c.label);
  return out;
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
  void every_candidate_field_set_in_the_form_runs_as_the_plan_file_would();
  void an_opened_plan_file_shows_every_field_and_writes_it_back();
  void autoscalers_and_layouts_read_as_one_line_each();
  void every_shipped_plan_opens_in_the_form_and_plans_the_same_candidates();
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
  for (int i = 0; i < view.gpu_table()->rowCount(); ++i) ticked += view.gpu_table()->item(i, 0)->checkState() == Qt::Checked;
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

// Each field the plan file has, set as a planner would in the form (ticks, a typed price, comma
// lists, a line per layout), runs the plan the same file would: plan.json's "plan" is that file's
// parsed plan, and the results hold its candidates.
void PlanViewTest::every_candidate_field_set_in_the_form_runs_as_the_plan_file_would() {
  QTemporaryDir tmp;
  kvsim::Catalog catalog = kvsim::Catalog::open_default();
  ScriptedPrompts prompts;
  PlanView view(catalog, &prompts);
  Json plan = tiny_plan();
  plan["candidates"] = {{"gpus", {"H100-SXM"}}};
  view.set_plan(plan, tmp.path());

  // The form starts from the plan: one GPU, nothing else ticked or typed.
  QCOMPARE(view.choice_box("kv_dtype", "fp8")->isChecked(), false);
  QVERIFY(view.integer_list("max_num_seqs")->text().isEmpty());
  QVERIFY(view.autoscaling_edit()->toPlainText().isEmpty());
  const int h100 = gpu_row(view, "H100-SXM");
  QVERIFY(h100 >= 0);
  view.gpu_table()->item(h100, 1)->setText("3.5");
  view.gpu_table()->item(h100, 2)->setText("1.25");
  view.choice_box("tensor_parallel", 1)->setChecked(true);
  view.choice_box("pipeline_parallel", 1)->setChecked(true);
  view.choice_box("kv_dtype", "fp16")->setChecked(true);
  view.choice_box("kv_dtype", "fp8")->setChecked(true);
  view.choice_box("enable_prefix_caching", true)->setChecked(true);
  view.choice_box("eviction_policy", "lru")->setChecked(true);
  view.choice_box("router", "least_outstanding")->setChecked(true);
  QVERIFY(view.choice_box("router", "no_such_router") == nullptr);
  QTest::keyClicks(view.integer_list("max_num_seqs"), "128");
  QTest::keyClicks(view.integer_list("max_num_batched_tokens"), "4096");
  view.disaggregation_edit()->setPlainText("colocated\n1:1 link=nvlink overlap=layerwise");

  const Json file = {
      {"name", "tiny"},
      {"base", plan["base"]},
      {"slo", {{"ttft_s", {{"p99", 0.3}}}}},
      {"candidates",
       {{"gpus", Json::array({Json{{"name", "H100-SXM"}, {"usd_per_gpu_hour", 3.5}, {"spot_usd_per_gpu_hour", 1.25}}})},
        {"tensor_parallel", {1}},
        {"pipeline_parallel", {1}},
        {"kv_dtype", {"fp16", "fp8"}},
        {"enable_prefix_caching", {true}},
        {"eviction_policy", {"lru"}},
        {"router", {"least_outstanding"}},
        {"max_num_seqs", {128}},
        {"max_num_batched_tokens", {4096}},
        {"disaggregation", Json::array({nullptr, Json{{"ratio", "1:1"}, {"kv_transfer", {{"link", "nvlink"}, {"overlap", "layerwise"}}}}})}}},
      {"replicas", {{"min", 1}, {"max", 3}}},
      {"seeds", {{"count", 1}}},
      {"growth", {1}}};
  KVSIM_JSON_COMPARE(view.plan_json()["candidates"], sorted(file["candidates"]));
  const kvsim::PlanSpec expected = kvsim::parse_plan(file, tmp.path().toStdString(), catalog);
  QCOMPARE(labels(kvsim::parse_plan(view.plan_json(), tmp.path().toStdString(), catalog)), labels(expected));
  QCOMPARE(labels(expected).size(), size_t{4});  // 2 KV dtypes x (colocated, 1:1)

  QSignalSpy ended(&view, &PlanView::plan_ended);
  const QString out = tmp.filePath("out");
  QVERIFY(view.run_plan(out, 2));
  QVERIFY(ended.wait(120000));
  QVERIFY2(prompts.errors.isEmpty(), qPrintable(prompts.errors.join("\n")));
  std::ifstream written((out + "/plan.json").toStdString());
  const Json result = Json::parse(written);
  KVSIM_JSON_COMPARE(result["plan"], expected.to_json());
  const kvsim::PlanGrowthResult& g = view.result()->growth.at(0);
  QCOMPARE(g.candidates.size(), size_t{4});
  for (size_t i = 0; i < 4; ++i) {
    QCOMPARE(g.candidates[i].candidate.label, labels(expected)[i]);
    QCOMPARE(g.candidates[i].candidate.gpu.usd_per_gpu_hour, 3.5);
    QCOMPARE(g.candidates[i].candidate.gpu.spot_usd_per_gpu_hour, 1.25);
  }
  // The table's $/hour is at the typed price: replicas x GPUs x 3.5.
  for (int r = 0; r < view.table()->rowCount(); ++r) {
    const kvsim::PlanCandidateResult& c = g.candidates[view.row_order()[static_cast<size_t>(r)]];
    if (c.status == kvsim::PlanStatus::invalid) continue;
    QCOMPARE(view.table()->item(r, 4)->text(), QString::number(c.replicas * c.candidate.gpus_per_replica * 3.5, 'f', 2));
  }
}

// An opened plan file (scenarios/plans' autoscaling plan, with the other lists added) fills every
// field, and the form writes the same plan back: the same candidates, in the same order.
void PlanViewTest::an_opened_plan_file_shows_every_field_and_writes_it_back() {
  QTemporaryDir tmp;
  kvsim::Catalog catalog = kvsim::Catalog::open_default();
  ScriptedPrompts prompts;
  PlanView view(catalog, &prompts);
  Json plan = tiny_plan();
  plan["candidates"] = {
      {"gpus", Json::array({"L40S", Json{{"name", "A100-80GB"}, {"usd_per_gpu_hour", 4.1}}})},
      {"pipeline_parallel", {2, 1}},  // the file's order is kept
      {"weight_dtype", {"fp8"}},
      {"enable_prefix_caching", {false, true}},
      {"max_num_seqs", {64, 256}},
      {"router", Json::array({"power_of_two", Json{{"kind", "scored"}, {"scorers", Json::array({Json{{"kind", "queue"}, {"weight", 1}}})}}})},
      {"autoscaling", Json::array({nullptr, Json{{"policy", "concurrency"}, {"target", 24}, {"min_replicas", 1}, {"cooldown_s", 60}},
                                   Json{{"policy", "schedule"}, {"schedule", Json::array({Json{{"at_s", 0}, {"replicas", 2}}})}}})}};
  const QString path = tmp.filePath("plan.json");
  std::ofstream(path.toStdString()) << plan.dump(2);
  QVERIFY(view.open_plan(path));

  QCOMPARE(view.gpu_table()->item(gpu_row(view, "L40S"), 0)->checkState(), Qt::Checked);
  QCOMPARE(view.gpu_table()->item(gpu_row(view, "A100-80GB"), 0)->checkState(), Qt::Checked);
  QCOMPARE(view.gpu_table()->item(gpu_row(view, "A100-80GB"), 1)->text(), QString("4.1"));
  QVERIFY(view.gpu_table()->item(gpu_row(view, "L40S"), 1)->text().isEmpty());
  QCOMPARE(view.gpu_table()->item(gpu_row(view, "H100-SXM"), 0)->checkState(), Qt::Unchecked);
  QVERIFY(view.choice_box("pipeline_parallel", 2)->isChecked() && view.choice_box("pipeline_parallel", 1)->isChecked());
  QVERIFY(!view.choice_box("pipeline_parallel", 4)->isChecked());
  QVERIFY(view.choice_box("weight_dtype", "fp8")->isChecked() && !view.choice_box("weight_dtype", "bf16")->isChecked());
  QVERIFY(view.choice_box("enable_prefix_caching", false)->isChecked());
  QVERIFY(view.choice_box("router", "power_of_two")->isChecked());
  QCOMPARE(view.integer_list("max_num_seqs")->text(), QString("64, 256"));
  QCOMPARE(view.autoscaling_edit()->toPlainText(),
           QString("fixed\nconcurrency 24 cooldown_s=60 min_replicas=1\n"
                   "{\"policy\":\"schedule\",\"schedule\":[{\"at_s\":0,\"replicas\":2}]}"));
  KVSIM_JSON_COMPARE(view.plan_json()["candidates"], sorted(plan["candidates"]));
  const kvsim::PlanSpec spec = kvsim::parse_plan(plan, tmp.path().toStdString(), catalog);
  QCOMPARE(labels(kvsim::parse_plan(view.plan_json(), tmp.path().toStdString(), catalog)), labels(spec));

  // Unticking a box drops only its value; the router object the form has no box for stays.
  view.choice_box("router", "power_of_two")->setChecked(false);
  view.choice_box("kv_dtype", "fp8")->setChecked(true);
  view.autoscaling_edit()->setPlainText("fixed");
  Json c = view.plan_json()["candidates"];
  KVSIM_JSON_COMPARE(c["router"], sorted(Json::array({plan["candidates"]["router"][1]})));
  KVSIM_JSON_COMPARE(c["kv_dtype"], Json::array({"fp8"}));
  KVSIM_JSON_COMPARE(c["autoscaling"], Json::array({nullptr}));

  // A GPU by its alias is its row; one the catalog does not know stays in the plan, whose check
  // then names it (the form drops nothing silently).
  plan["candidates"]["gpus"] = {"H100", "B300"};
  view.set_plan(plan, tmp.path());
  QCOMPARE(view.gpu_table()->item(gpu_row(view, "H100-SXM"), 0)->checkState(), Qt::Checked);
  c = view.plan_json()["candidates"];
  KVSIM_JSON_COMPARE(c["gpus"], nlohmann::json({"H100-SXM", "B300"}));
  QSignalSpy ended(&view, &PlanView::plan_ended);
  QVERIFY(view.run_plan(tmp.filePath("out"), 1));
  QVERIFY(ended.wait(30000));
  QCOMPARE(prompts.errors.size(), 1);
  QVERIFY2(prompts.errors[0].contains("/candidates/gpus/1") && prompts.errors[0].contains("B300"), qPrintable(prompts.errors[0]));
}

void PlanViewTest::autoscalers_and_layouts_read_as_one_line_each() {
  KVSIM_JSON_COMPARE(autoscaling_entries("fixed\n\nqueue_length 4 min_replicas=0 max_queue_wait_s=inf\n"),
                     nlohmann::json::array({nullptr, nlohmann::json{{"policy", "queue_length"}, {"target", 4}, {"min_replicas", 0}, {"max_queue_wait_s", "inf"}}}));
  KVSIM_JSON_COMPARE(disaggregation_entries(" 2:1  first_token=prefill link=custom gpu_gb_per_s=12.5\ncolocated"),
                     nlohmann::json::array({nlohmann::json{{"ratio", "2:1"}, {"first_token", "prefill"}, {"kv_transfer", {{"link", "custom"}, {"gpu_gb_per_s", 12.5}}}}, nullptr}));
  // What is neither goes on as the line, for the plan's parser to name with its pointer.
  KVSIM_JSON_COMPARE(disaggregation_entries("one to three"), Json::array({"one to three"}));
  KVSIM_JSON_COMPARE(autoscaling_entries("{broken"), Json::array({"{broken"}));
  // And back: the lines read as the same entries.
  const nlohmann::json layouts = nlohmann::json::array({nullptr, nlohmann::json{{"ratio", "1:3"}, {"kv_transfer", {{"link", "nvlink"}, {"overlap", "layerwise"}}}},
                                    nlohmann::json{{"ratio", "1:1"}, {"decode", {{"gpu", "H200"}}}}});
  QCOMPARE(disaggregation_lines(layouts), QString("colocated\n1:3 link=nvlink overlap=layerwise\n{\"decode\":{\"gpu\":\"H200\"},\"ratio\":\"1:1\"}"));
  KVSIM_JSON_COMPARE(disaggregation_entries(disaggregation_lines(layouts)), layouts);
}

// scenarios/plans/*.json (GPU prices, routers, autoscalers, layouts) through the form unchanged:
// the same candidates with the same labels, in the same order.
void PlanViewTest::every_shipped_plan_opens_in_the_form_and_plans_the_same_candidates() {
  kvsim::Catalog catalog = kvsim::Catalog::open_default();
  ScriptedPrompts prompts;
  PlanView view(catalog, &prompts);
  const QDir plans(QFileInfo(data_path("scenario.json")).absolutePath() + "/../../../scenarios/plans");
  const QStringList files = plans.entryList({"*.json"}, QDir::Files, QDir::Name);
  QVERIFY2(files.size() >= 3, qPrintable(plans.absolutePath()));
  for (const QString& name : files) {
    QVERIFY2(view.open_plan(plans.filePath(name)), qPrintable(name));
    std::ifstream in(plans.filePath(name).toStdString());
    const nlohmann::json file = nlohmann::json::parse(in);
    const std::string dir = plans.absolutePath().toStdString();
    const std::vector<std::string> expected = labels(kvsim::parse_plan(file, dir, catalog, name.toStdString()));
    QCOMPARE(labels(kvsim::parse_plan(view.plan_json(), dir, catalog, name.toStdString())), expected);
    QVERIFY2(!expected.empty(), qPrintable(name));
  }
  QVERIFY(prompts.errors.isEmpty());
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
