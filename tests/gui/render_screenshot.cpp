// Renders the pictures of docs/gui.md and the README, headless, into a folder:
//   cmake --build build/release --target gui_screenshots      (into build/release/screenshots/)
//   QT_QPA_PLATFORM=offscreen build/release/gui/kvsim_gui_screenshot docs/img   (to update the docs)
// It is a command, not a test: nothing is written into the source tree unless asked.
//   kvsim-gui.png          the window after two runs compared side by side (the small test
//                          scenario at max_num_seqs 64 and at 16, on the same synthetic workload)
//   kvsim-gui-summary.png  the Summary tab of the same runs: identity, SLO verdicts, figures
//   kvsim-gui-fleet.png    the form's Disaggregation group: a prefill pool and a decode pool
//   kvsim-gui-sweep.png    the Sweep tab: P99 TTFT against the rate, a line per replica count
//   kvsim-gui-plan.png     the Plan tab: four GPU types at TP 1 and 2 for a 7B model at 40 req/s,
//                          P99 TTFT <= 0.5 s: the form, the frontier, the table by cost, the
//                          recommendation
// The pictures hold no wall times, so rerunning gives the same bytes on the same fonts and Qt.
#include <cstdio>
#include <fstream>

#include <QApplication>
#include <QDir>
#include <QLabel>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include "gui_test_support.h"
#include "results_view.h"
#include "run_list.h"
#include "scenario_document.h"
#include "scenario_editor.h"
#include "scenario_form.h"
#include "plan_view.h"
#include "sweep_view.h"

using namespace kvsim::gui;

namespace {

bool save(const QImage& image, const QDir& dir, const char* name) {
  const QString path = dir.filePath(name);
  if (!image.save(path, "PNG")) {
    std::fprintf(stderr, "kvsim_gui_screenshot: cannot write %s\n", qPrintable(path));
    return false;
  }
  std::printf("kvsim_gui_screenshot: wrote %s (%dx%d)\n", qPrintable(path), image.width(), image.height());
  return true;
}

// The small scenario at 1-3 replicas and 10-60 req/s, two seeds each.
Json screenshot_sweep() {
  Json base = test::small_scenario(400, 10.0);
  base["slo"] = {{"ttft_s", 0.5}};
  return Json{{"name", "replicas x rate"},
              {"base", base},
              {"axes", Json::array({Json{{"pointer", "/cluster/replicas"}, {"values", {1, 2, 3}}},
                                    Json{{"pointer", "/workload/synthetic/arrivals/rate"},
                                         {"range", {{"from", 10}, {"to", 60}, {"step", 10}}}}})},
              {"seeds", Json{{"values", {7, 8}}, {"pointers", {"/workload/synthetic/seed"}}}}};
}

// Qwen2.5-7B at 40 req/s on H100, A100, L40S and V100 at TP 1 and 2: the cheapest fleet at P99
// TTFT <= 0.5 s, and at twice the rate.
Json screenshot_plan() {
  Json base = test::small_scenario(400, 40.0);
  base["model"] = "Qwen2.5-7B";
  base.erase("slo");
  return Json{{"name", "7B chat at 40 req/s"},
              {"base", base},
              {"slo", {{"ttft_s", {{"p99", 0.5}}}}},
              {"candidates",
               {{"gpus", {"H100-SXM", "A100-80GB", "L40S", "V100-32GB"}},
                {"tensor_parallel", {1, 2}},
                {"weight_dtype", {"bf16"}},
                {"kv_dtype", {"fp16"}},          // the defaults, shown ticked in the form
                {"eviction_policy", {"lru"}}}},
              {"replicas", {{"min", 1}, {"max", 6}}},
              {"seeds", {{"count", 2}}},
              {"growth", {1, 2}}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: kvsim_gui_screenshot OUTPUT_DIR   (docs/img to update the documentation)\n");
    return 2;
  }
  QApplication app(argc, argv);
  const QDir out(QString::fromLocal8Bit(argv[1]));
  if (!QDir().mkpath(out.path())) {
    std::fprintf(stderr, "kvsim_gui_screenshot: cannot create %s\n", argv[1]);
    return 1;
  }
  test::ScriptedPrompts* prompts = nullptr;
  auto window = test::make_window(&prompts);
  window->resize(1600, 1000);
  window->show();
  if (!QTest::qWaitForWindowExposed(window.get())) {
    std::fprintf(stderr, "kvsim_gui_screenshot: the window was never shown\n");
    return 1;
  }
  const auto run = [&](const char* name, int max_num_seqs) {
    Json scenario = test::small_scenario(600, 24.0);
    scenario["name"] = name;
    scenario["engine"]["max_num_seqs"] = max_num_seqs;
    window->document()->reset(scenario, test::data_path("small.json"));
    if (!window->start_run() || !test::wait_for_run(*window)) return false;
    return prompts->errors.empty() && window->runs()->count() > 0;
  };
  if (!run("64 seqs", 64) || !run("16 seqs", 16)) {
    std::fprintf(stderr, "kvsim_gui_screenshot: a run failed: %s\n", qPrintable(prompts->errors.join("\n")));
    return 1;
  }
  for (int i = 0; i < window->runs()->count(); ++i) window->runs()->rename(i, i == 0 ? "64 seqs" : "16 seqs");
  test::wait_for_validation(*window);
  window->progress_label()->clear();  // it holds the wall time of the last run: not reproducible
  QTest::qWait(100);
  if (!save(window->grab().toImage(), out, "kvsim-gui.png")) return 1;
  window->results()->tabs()->setCurrentIndex(1);
  QTest::qWait(50);
  if (!save(window->grab().toImage(), out, "kvsim-gui-summary.png")) return 1;
  window->results()->tabs()->setCurrentIndex(0);

  // The form's Disaggregation group with two pools (a scenario loaded, not run), scrolled to it.
  Json pools = test::small_scenario(600, 24.0);
  pools["name"] = "prefill/decode pools";
  pools["cluster"] = {{"router", "least_outstanding"},
                      {"disaggregation",
                       {{"prefill", {{"replicas", 1}}},
                        {"decode", {{"replicas", 3}}},
                        {"first_token", "prefill"},
                        {"kv_transfer", {{"link", "nvlink"}, {"overlap", "layerwise"}}}}}};
  window->document()->reset(pools, test::data_path("small.json"));
  test::wait_for_validation(*window);
  ScenarioForm* form = window->editor()->form();
  QWidget* group = form->field("/cluster/disaggregation")->widget()->parentWidget();  // its group box
  form->scroll_area()->verticalScrollBar()->setValue(group->mapTo(form->scroll_area()->widget(), QPoint(0, 0)).y());
  if (QWidget* focused = QApplication::focusWidget()) focused->clearFocus();  // no blinking text cursor
  QTest::qWait(1000);  // the filled fields' clear buttons fade in
  if (!save(window->grab().toImage(), out, "kvsim-gui-fleet.png")) return 1;

  // The Sweep tab after a sweep of the small scenario (run into a scratch folder).
  QTemporaryDir scratch;
  const QString sweep_file = scratch.filePath("sweep.json");
  std::ofstream(sweep_file.toStdString()) << screenshot_sweep().dump(2);
  window->views()->setCurrentWidget(window->sweep_view());
  QSignalSpy ended(window->sweep_view(), &SweepView::sweep_ended);
  if (!window->sweep_view()->run_sweep_file(sweep_file, scratch.filePath("out"), 2) || !ended.wait(300000) ||
      !ended.at(0).at(0).toBool()) {
    std::fprintf(stderr, "kvsim_gui_screenshot: the sweep failed: %s\n", qPrintable(prompts->errors.join("\n")));
    return 1;
  }
  SweepSelection rate_by_replicas = window->sweep_view()->selection();
  rate_by_replicas.x_axis = 1;
  rate_by_replicas.series_axis = 0;
  window->sweep_view()->select(rate_by_replicas);
  QTest::qWait(100);
  if (!save(window->grab().toImage(), out, "kvsim-gui-sweep.png")) return 1;

  // The Plan tab after a small plan (into a scratch folder).
  PlanView* plan = window->plan_view();
  window->views()->setCurrentWidget(plan);
  plan->set_plan(screenshot_plan(), scratch.path());
  QSignalSpy planned(plan, &PlanView::plan_ended);
  if (!plan->run_plan(scratch.filePath("plan"), 2) || !planned.wait(300000) || !planned.at(0).at(0).toBool()) {
    std::fprintf(stderr, "kvsim_gui_screenshot: the plan failed: %s\n", qPrintable(prompts->errors.join("\n")));
    return 1;
  }
  plan->status_label()->setText("7B chat at 40 req/s: 8 candidates, written to the plan folder");  // no wall times
  QTest::qWait(100);
  if (!save(window->grab().toImage(), out, "kvsim-gui-plan.png")) return 1;
  return 0;
}
