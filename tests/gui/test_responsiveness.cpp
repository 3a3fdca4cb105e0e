// The window stays responsive while the library runs: the UI thread is idle for most of the run,
// and in an optimised build spends at most 50 ms of its own CPU in any gap between two beats of a
// 5 ms heartbeat timer (from Run to the charts drawn; a debug build with sanitizers reports it),
// progress comes in as simulated time and requests done, and Cancel stops a long run and keeps
// nothing. Wall-clock times (the longest gap, how long Cancel took) are reported against their
// goals (50 ms, 0.5 s), not failed on: on a shared machine they measure other work as well.
// kvsim_gui_bench measures them (docs/performance.md). CTest runs this suite alone (RUN_SERIAL).
#include <algorithm>
#include <ctime>

#include <QElapsedTimer>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTest>
#include <QTimer>

#include "gui_test_support.h"
#include "results_view.h"
#include "run_controller.h"
#include "run_list.h"
#include "scenario_document.h"

using namespace kvsim::gui;
using kvsim::gui::test::ScriptedPrompts;

namespace {

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

void load(MainWindow& w, const Json& scenario) { w.document()->reset(scenario, test::data_path("scenario.json")); }

}  // namespace

class ResponsivenessTest : public QObject {
  Q_OBJECT

 private slots:
  void the_ui_thread_stays_idle_and_responsive_during_a_run();
  void cancel_stops_a_long_run_and_keeps_nothing();
  void progress_reports_simulated_time_and_requests_done();
};

void ResponsivenessTest::the_ui_thread_stays_idle_and_responsive_during_a_run() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  w->show();
  QVERIFY(QTest::qWaitForWindowExposed(w.get()));
  load(*w, test::small_scenario(250000, 60.0));  // about two seconds of wall time

  // Every gap between heartbeats, with the UI thread's own CPU time in it: a long gap with little
  // CPU means the thread was runnable but the machine gave it no core (other processes).
  QElapsedTimer clock;
  qint64 last = 0, worst = 0, beats = 0;
  double last_cpu = thread_cpu_ms(), worst_cpu = 0;
  QTimer heartbeat;
  heartbeat.setTimerType(Qt::PreciseTimer);
  heartbeat.setInterval(5);
  QObject::connect(&heartbeat, &QTimer::timeout, [&] {
    const qint64 now = clock.elapsed();
    const double cpu = thread_cpu_ms();
    if (now - last > worst) {
      worst = now - last;
      worst_cpu = cpu - last_cpu;
    }
    last = now;
    last_cpu = cpu;
    ++beats;
  });
  // The UI thread's CPU time while the run goes (until its result arrives, before the redraw).
  double run_cpu_ms = 0;
  qint64 run_ms = 0;
  const double cpu_at_start = thread_cpu_ms();
  QObject::connect(w->controller(), &RunController::run_finished, w.get(), [&] {
    run_cpu_ms = thread_cpu_ms() - cpu_at_start;
    run_ms = clock.elapsed();
  });
  clock.start();
  heartbeat.start();
  QVERIFY(w->start_run());
  QVERIFY(test::wait_for_run(*w, 300000));  // the run, then its nine charts drawn
  QTest::qWait(50);
  heartbeat.stop();
  QVERIFY2(prompts->errors.isEmpty(), qPrintable(prompts->errors.join("\n")));
  QCOMPARE(w->runs()->count(), 1);
  const double wall = w->runs()->run(0)->wall_seconds;
  qInfo("run: %.2f s wall; %lld heartbeats in %lld ms; longest gap %lld ms (%.1f ms of it on the UI thread's CPU)",
        wall, static_cast<long long>(beats), static_cast<long long>(clock.elapsed()), static_cast<long long>(worst),
        worst_cpu);
  qInfo("UI thread CPU during the run: %.0f ms in %lld ms", run_cpu_ms, static_cast<long long>(run_ms));
  QVERIFY2(wall > 0.5, "the run was too short to say anything about responsiveness");
  // A gap the UI thread spent on its own work fails; its wall-clock length, which counts the time
  // another process held the core, is reported.
  const QString gap = QString("the UI thread stopped for %1 ms (%2 ms of CPU on it)").arg(worst).arg(worst_cpu, 0, 'f', 1);
  // The simulation is not on the UI thread: it is idle for most of the run.
  QVERIFY2(run_cpu_ms < 0.5 * static_cast<double>(run_ms),
           qPrintable(QString("the UI thread used %1 ms of CPU in the run's %2 ms").arg(run_cpu_ms).arg(run_ms)));
#ifdef NDEBUG
  QVERIFY2(worst_cpu <= 50, qPrintable(gap));
#else
  // An unoptimised build with sanitizers (the debug preset) draws several times slower: reported.
  KVSIM_TIMING_REPORT(worst_cpu <= 50, gap);
#endif
  KVSIM_TIMING_REPORT(worst <= 50, gap);
}

void ResponsivenessTest::cancel_stops_a_long_run_and_keeps_nothing() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  load(*w, test::long_scenario());
  QVERIFY(w->start_run());
  QVERIFY(w->cancel_button()->isVisibleTo(w.get()));
  QTest::qWait(700);  // well into the run
  QVERIFY(w->controller()->busy());
  QElapsedTimer timer;
  timer.start();
  QTest::mouseClick(w->cancel_button(), Qt::LeftButton);
  QVERIFY(QTest::qWaitFor([&] { return !w->controller()->busy(); }, 5000));
  const qint64 ms = timer.elapsed();
  qInfo("cancel took %lld ms", static_cast<long long>(ms));
  KVSIM_TIMING_REPORT(ms < 500, QString("cancel took %1 ms").arg(ms));
  QCOMPARE(w->runs()->count(), 0);
  QVERIFY(prompts->errors.isEmpty());
  QVERIFY(w->progress_label()->text().contains("cancelled"));
  QVERIFY(w->run_action()->isEnabled());
  QVERIFY(w->progress_bar()->isHidden());
}

void ResponsivenessTest::progress_reports_simulated_time_and_requests_done() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  load(*w, test::long_scenario());
  QVERIFY(w->start_run());
  QVERIFY(QTest::qWaitFor([&] { return w->progress_label()->text().startsWith("simulated"); }, 10000));
  QVERIFY(QTest::qWaitFor([&] { return w->progress_bar()->value() > 0; }, 10000));
  QCOMPARE(w->progress_bar()->maximum(), 1000);  // per mille of the requests
  QVERIFY2(w->progress_label()->text().contains("/5000000 requests done"), qPrintable(w->progress_label()->text()));
  QVERIFY(!w->run_action()->isEnabled());
  QVERIFY(!w->start_run());  // one run at a time
  w->cancel_run();
  QVERIFY(test::wait_for_run(*w));
}

QTEST_MAIN(ResponsivenessTest)
#include "test_responsiveness.moc"
