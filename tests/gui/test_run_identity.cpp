// Every run says what it is: the summary table and the run list show the model, GPU, replicas,
// GPUs per replica and in all, TP, router, eviction policy and the prices per GPU-hour and per
// hour, as `kvsim run`'s header does (the same numbers as the library's parsed scenario), and each
// SLO of the scenario passed or missed, in green or red with a ✓ or ✗ that agrees with the
// library's figures.
#include <QListWidget>
#include <QTableWidget>
#include <QTest>

#include "gui_test_support.h"
#include "results_view.h"
#include "run/simulation.h"
#include "run_identity.h"
#include "run_list.h"
#include "scenario/scenario.h"

using namespace kvsim::gui;
using namespace kvsim::gui::test;

namespace {

// The cell of run column `run` in the row (section, label) of the summary table; nullptr if none.
QTableWidgetItem* cell(QTableWidget* t, const QString& section, const QString& label, int run = 0) {
  for (int r = 0; r < t->rowCount(); ++r)
    if (t->item(r, 0) && t->item(r, 0)->text() == section && t->item(r, 1)->text() == label) return t->item(r, 2 + run);
  return nullptr;
}

QString cell_text(QTableWidget* t, const QString& section, const QString& label, int run = 0) {
  QTableWidgetItem* item = cell(t, section, label, run);
  return item ? item->text() : "<no cell " + section + "/" + label + ">";
}

kvsim::Scenario parsed(const Json& scenario) {
  static const kvsim::Catalog catalog = kvsim::Catalog::open_default();
  return kvsim::parse_scenario(nlohmann::json(scenario), QString(KVSIM_GUI_TEST_DATA).toStdString(), catalog);
}

}  // namespace

class RunIdentityTest : public QObject {
  Q_OBJECT

 private slots:
  void the_summary_and_the_run_list_say_what_the_run_is();
  void slo_cells_are_green_with_a_tick_when_met_and_red_with_a_cross_when_missed();
  void a_scenario_without_slos_shows_no_verdict();
  void a_router_given_as_an_object_is_named_by_its_kind();
  void a_disaggregated_run_names_both_pools_and_counts_their_gpus();
};

void RunIdentityTest::a_disaggregated_run_names_both_pools_and_counts_their_gpus() {
  ScriptedPrompts* prompts = nullptr;
  auto w = make_window(&prompts);
  Json scenario = small_scenario(100, 10.0);
  scenario["cluster"] = Json::parse(R"({"router": "least_outstanding", "disaggregation": {
      "prefill": {"replicas": 1}, "decode": {"replicas": 2, "gpu": "A100-80GB", "deployment": {"tensor_parallel": 2}}}})");
  QVERIFY(run_in_window(*w, scenario));
  QVERIFY2(prompts->errors.isEmpty(), qPrintable(prompts->errors.join("\n")));
  const kvsim::Scenario sc = parsed(scenario);
  const unsigned gpus = sc.prefill_pool->gpus_per_replica() + 2 * sc.decode_pool->gpus_per_replica();
  QCOMPARE(gpus, 5u);
  QTableWidget* t = w->results()->summary_table();
  QCOMPARE(cell_text(t, "run", "disaggregated pools"),
           QString("prefill 1 × %1 (TP 1) + decode 2 × A100-80GB (TP 2)").arg(QString::fromStdString(sc.prefill_pool->gpu.name)));
  QCOMPARE(cell_text(t, "run", "replicas"), QString("3"));
  QCOMPARE(cell_text(t, "run", "GPUs in all"), QString::number(gpus));
  const double usd = sc.prefill_pool->usd_per_gpu_hour + 4 * sc.decode_pool->usd_per_gpu_hour;
  QCOMPARE(cell_text(t, "run", "$ per hour"), QString::number(usd, 'f', 2));
  QCOMPARE(cell_text(t, "disaggregation", "decode replicas"), QString("2"));
}

void RunIdentityTest::a_router_given_as_an_object_is_named_by_its_kind() {
  kvsim::RunSummary s;
  s.scenario = Json::parse(R"({"cluster": {"router": {"kind": "scored", "scorers": [{"kind": "queue"}]}}})");
  QCOMPARE(run_identity(s).router, QString("scored"));
  s.scenario["cluster"]["router"] = Json::parse(R"({"kind": "session_affinity"})");
  QCOMPARE(run_identity(s).router, QString("session_affinity"));
  s.scenario["cluster"]["router"] = Json::parse(R"({"scorers": [{"kind": "prefix"}]})");  // kind's default
  QCOMPARE(run_identity(s).router, QString("scored"));
  s.scenario["cluster"]["router"] = "prefix_aware";
  QCOMPARE(run_identity(s).router, QString("prefix_aware"));
}

void RunIdentityTest::the_summary_and_the_run_list_say_what_the_run_is() {
  ScriptedPrompts* prompts = nullptr;
  auto w = make_window(&prompts);
  Json scenario = small_scenario(200, 20.0);
  scenario["cluster"] = {{"replicas", 3}, {"router", "least_outstanding"}};
  scenario["deployment"] = {{"tensor_parallel", 2}};
  scenario["cost"] = {{"usd_per_gpu_hour", 2.5}};
  QVERIFY(run_in_window(*w, scenario));
  QVERIFY2(prompts->errors.isEmpty(), qPrintable(prompts->errors.join("\n")));

  // What kvsim run's header prints comes from the parsed scenario: the table says the same.
  const kvsim::Scenario sc = parsed(scenario);
  const unsigned gpus = sc.num_replicas * sc.gpus_per_replica();
  QCOMPARE(gpus, 6u);
  QTableWidget* t = w->results()->summary_table();
  QCOMPARE(cell_text(t, "run", "model"), QString::fromStdString(sc.model.name));
  QCOMPARE(cell_text(t, "run", "GPU"), QString("H100-SXM"));
  QCOMPARE(cell_text(t, "run", "replicas"), QString("3"));
  QCOMPARE(cell_text(t, "run", "GPUs per replica"), QString("2"));
  QCOMPARE(cell_text(t, "run", "GPUs in all"), QString::number(gpus));
  QCOMPARE(cell_text(t, "run", "tensor parallel"), QString("2"));
  QCOMPARE(cell_text(t, "run", "pipeline parallel"), QString("1"));
  QCOMPARE(cell_text(t, "run", "router"), QString::fromStdString(sc.router));
  QCOMPARE(cell_text(t, "run", "KV eviction policy"), QString("lru"));
  QCOMPARE(cell_text(t, "run", "$ per GPU-hour"), QString::number(sc.usd_per_gpu_hour, 'f', 2));
  QCOMPARE(cell_text(t, "run", "$ per hour"), QString::number(sc.usd_per_gpu_hour * gpus, 'f', 2));
  QCOMPARE(cell_text(t, "run", "$ per hour"), QString("15.00"));

  // The run list: the name, then the same identity.
  const QString line = run_list_line(*w->runs()->run(0));
  QVERIFY2(line.startsWith("3 × 2 × H100-SXM (TP 2) = 6 GPUs · Llama-3-8B · least_outstanding · lru · $15.00/h"),
           qPrintable(line));
  QListWidgetItem* item = w->runs()->list()->item(0);
  QCOMPARE(item->data(Qt::UserRole + 1).toString(), line);
  QCOMPARE(item->text(), w->runs()->run(0)->name);  // renaming edits the name alone
}

void RunIdentityTest::slo_cells_are_green_with_a_tick_when_met_and_red_with_a_cross_when_missed() {
  ScriptedPrompts* prompts = nullptr;
  auto w = make_window(&prompts);
  Json passing = small_scenario(200, 5.0);
  passing["slo"] = {{"ttft_s", 30.0}, {"tpot_s", 5.0}};
  Json failing = small_scenario(200, 5.0);
  failing["slo"] = {{"ttft_s", 0.001}, {"e2e_s", 60.0}};
  QVERIFY(run_in_window(*w, passing));
  QVERIFY(run_in_window(*w, failing));
  QCOMPARE(w->runs()->count(), 2);
  QTableWidget* t = w->results()->summary_table();

  // The library's own figures for both runs decide what the cells must say.
  const kvsim::RunSummary& pass_summary = w->runs()->run(0)->summary;
  const kvsim::RunSummary& fail_summary = w->runs()->run(1)->summary;
  QVERIFY(pass_summary.ttft_s.p99 <= 30.0);
  QVERIFY(pass_summary.goodput.fraction >= kGoodputTarget);
  QVERIFY(fail_summary.ttft_s.p99 > 0.001);
  QVERIFY(fail_summary.goodput.fraction < kGoodputTarget);

  for (const char* label : {"TTFT p99 target", "TPOT p99 target", "goodput ≥ 99%"}) {
    QTableWidgetItem* c = cell(t, "SLOs", label, 0);
    QVERIFY2(c && c->text().startsWith("✓"), qPrintable(QString(label) + ": " + (c ? c->text() : "none")));
    QCOMPARE(c->background().color(), kSloPassed);
  }
  QVERIFY(cell_text(t, "SLOs", "E2E p99 target", 0).startsWith("— no target"));
  for (const char* label : {"TTFT p99 target", "goodput ≥ 99%"}) {
    QTableWidgetItem* c = cell(t, "SLOs", label, 1);
    QVERIFY2(c && c->text().startsWith("✗"), qPrintable(QString(label) + ": " + (c ? c->text() : "none")));
    QCOMPARE(c->background().color(), kSloFailed);
  }
  QVERIFY(cell_text(t, "SLOs", "TTFT p99 target", 1).contains("> 0.001 s"));
  QVERIFY(cell_text(t, "SLOs", "E2E p99 target", 1).startsWith("✓"));  // 60 s end to end is met
  QVERIFY(cell_text(t, "SLOs", "TPOT p99 target", 1).startsWith("— no target"));

  // The run list: a mark and a colour.
  QVERIFY(run_list_line(*w->runs()->run(0)).endsWith("SLOs ✓ met"));
  QVERIFY(run_list_line(*w->runs()->run(1)).endsWith("SLOs ✗ missed"));
  QCOMPARE(w->runs()->list()->item(0)->foreground().color(), QColor(0x1a7f1a));
  QCOMPARE(w->runs()->list()->item(1)->foreground().color(), QColor(0xb01010));
}

void RunIdentityTest::a_scenario_without_slos_shows_no_verdict() {
  ScriptedPrompts* prompts = nullptr;
  auto w = make_window(&prompts);
  Json scenario = small_scenario(100, 5.0);
  scenario.erase("slo");
  QVERIFY(run_in_window(*w, scenario));
  QTableWidget* t = w->results()->summary_table();
  for (const char* label : {"TTFT p99 target", "TPOT p99 target", "E2E p99 target", "goodput ≥ 99%"})
    QCOMPARE(cell_text(t, "SLOs", label), QString("— no target"));
  bool any = true;
  QVERIFY(slos_passed(w->runs()->run(0)->summary, &any));
  QVERIFY(!any);
  QVERIFY(!run_list_line(*w->runs()->run(0)).contains("SLOs"));
}

QTEST_MAIN(RunIdentityTest)
#include "test_run_identity.moc"
