// Renders kvsim-gui after two runs compared side by side, for the README:
//   build/release/gui/kvsim_gui_screenshot docs/img/kvsim-gui.png     (CTest runs it as gui.screenshot)
// The picture is the same bytes on every run (no wall times in it), so rerunning the tests leaves
// the committed file unchanged on the same fonts and Qt version.
// The runs: the small test scenario at max_num_seqs 64 and at 16, on the same synthetic trace.
#include <cstdio>

#include <QApplication>
#include <QTest>

#include <QLabel>
#include <QTabWidget>

#include "gui_test_support.h"
#include "results_view.h"
#include "run_list.h"
#include "scenario_document.h"
#include "scenario_editor.h"

using namespace kvsim::gui;

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: kvsim_gui_screenshot OUTPUT.png [SUMMARY_TAB.png]\n");
    return 2;
  }
  QApplication app(argc, argv);
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
  const QImage image = window->grab().toImage();
  if (argc == 3) {  // a second picture of the Summary tab, for checking the table by eye
    window->results()->tabs()->setCurrentIndex(1);
    QTest::qWait(50);
    window->grab().toImage().save(QString::fromLocal8Bit(argv[2]), "PNG");
  }
  if (!image.save(QString::fromLocal8Bit(argv[1]), "PNG")) {
    std::fprintf(stderr, "kvsim_gui_screenshot: cannot write %s\n", argv[1]);
    return 1;
  }
  std::printf("kvsim_gui_screenshot: wrote %s (%dx%d)\n", argv[1], image.width(), image.height());
  return 0;
}
