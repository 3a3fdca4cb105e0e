// The GUI's speed goals as benchmarks (the GUI tests report these times; they do not fail on
// them): the window built and shown in under a second, Cancel ending a long run within 0.5 s, and
// the nine results charts of two runs redrawn in a few tens of milliseconds of the UI thread.
//   QT_QPA_PLATFORM=offscreen build/release/bin/kvsim_gui_bench
// Figures in docs/performance.md ("The GUI").
#include <benchmark/benchmark.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QTest>

#include "gui_test_support.h"
#include "results_view.h"
#include "run_controller.h"
#include "run_list.h"
#include "scenario_document.h"

using namespace kvsim::gui;

namespace {

// Building the window (catalogs listed, every chart created), showing it and painting it once.
void BM_WindowStartup(benchmark::State& state) {
  for (auto _ : state) {
    test::ScriptedPrompts* prompts = nullptr;
    auto w = test::make_window(&prompts);
    w->show();
    if (!QTest::qWaitForWindowExposed(w.get())) state.SkipWithError("the window was never shown");
    w->repaint();
    state.PauseTiming();
    w.reset();
    QCoreApplication::processEvents();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_WindowStartup)->Unit(benchmark::kMillisecond)->Iterations(10);

// From Cancel to the run's worker gone, 0.3 s into a run of millions of requests.
void BM_CancelLongRun(benchmark::State& state) {
  test::ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  for (auto _ : state) {
    w->document()->reset(test::long_scenario(), test::data_path("scenario.json"));
    if (!w->start_run()) state.SkipWithError("the run did not start");
    QTest::qWait(300);
    QElapsedTimer timer;
    timer.start();
    w->cancel_run();
    if (!QTest::qWaitFor([&] { return !w->controller()->busy(); }, 10000)) state.SkipWithError("cancel did not stop");
    state.SetIterationTime(static_cast<double>(timer.nsecsElapsed()) / 1e9);
  }
}
BENCHMARK(BM_CancelLongRun)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);

// The UI thread's work after a run: the summary table and the nine charts of two runs (600
// requests each) rebuilt and drawn.
void BM_RedrawTwoRuns(benchmark::State& state) {
  test::ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  w->resize(1600, 1000);
  w->show();
  if (!QTest::qWaitForWindowExposed(w.get())) state.SkipWithError("the window was never shown");
  for (int seqs : {64, 16}) {
    Json scenario = test::small_scenario(600, 24.0);
    scenario["engine"]["max_num_seqs"] = seqs;
    if (!test::run_in_window(*w, scenario)) state.SkipWithError("a run failed");
  }
  for (auto _ : state) {
    w->results()->show_runs(w->runs()->shown());
    w->results()->finish_redraw();
    w->results()->repaint();
  }
}
BENCHMARK(BM_RedrawTwoRuns)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
