// kvsim-gui [SCENARIO.json | RESULTS_FOLDER] [--quit-after-show]
// kvsim-gui --plan PLAN.json --out DIR [--jobs N]
//
// Opens the scenario (or the results folder written by `kvsim run --out`) given on the command
// line, else starts from the template scenario. --quit-after-show prints how long the window took
// to appear and exits: the startup figure in docs/gui.md comes from it. --plan runs a plan as
// `kvsim plan` does, without a window, and draws report.md's charts with the Plan tab's chart code
// (the kvsim CLI links no Qt); on a folder `kvsim plan` already filled it reuses every run.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

#include <QApplication>
#include <QFileInfo>
#include <QTimer>

#include "core/error.h"
#include "kvsim_version.h"
#include "main_window.h"
#include "plan/planner.h"
#include "plan_chart.h"

namespace {

const char* kUsage =
    "usage: kvsim-gui [SCENARIO.json | RESULTS_FOLDER] [--quit-after-show]\n"
    "       kvsim-gui --plan PLAN.json --out DIR [--jobs N]\n\n"
    "Edit, run and compare kvsim scenarios (docs/gui.md). A folder argument opens the results\n"
    "that `kvsim run --out FOLDER` wrote. --quit-after-show prints the startup time and exits.\n"
    "Without a display, run it with QT_QPA_PLATFORM=offscreen.\n"
    "--plan runs a capacity plan as `kvsim plan` does (docs/plan.md), headless, and adds the\n"
    "frontier charts (PNG) to DIR/report.md; runs already in DIR/points.jsonl are reused.\n";

bool has_flag(int argc, char** argv, std::initializer_list<const char*> flags) {
  for (int i = 1; i < argc; ++i)
    for (const char* f : flags)
      if (std::strcmp(argv[i], f) == 0) return true;
  return false;
}

// Qt aborts when it finds no display; say what to do instead.
bool display_available(int argc, char** argv) {
#if defined(__linux__)
  return std::getenv("DISPLAY") != nullptr || std::getenv("WAYLAND_DISPLAY") != nullptr ||
         std::getenv("QT_QPA_PLATFORM") != nullptr || has_flag(argc, argv, {"-platform", "--platform"});
#else
  (void)argc;
  (void)argv;
  return true;
#endif
}

// kvsim-gui --plan PLAN.json --out DIR [--jobs N]: the plan with its charts, no window.
int run_plan_headless(int argc, char** argv) {
  std::string plan, out;
  unsigned jobs = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--plan" && has_value) plan = argv[++i];
    else if (a == "--out" && has_value) out = argv[++i];
    else if (a == "--jobs" && has_value) jobs = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
    else {
      std::fprintf(stderr, "kvsim-gui: unexpected argument %s with --plan (see kvsim-gui --help)\n", a.c_str());
      return 2;
    }
  }
  if (plan.empty() || out.empty()) {
    std::fputs("kvsim-gui: --plan needs PLAN.json and --out DIR (see kvsim-gui --help)\n", stderr);
    return 2;
  }
  if (std::getenv("QT_QPA_PLATFORM") == nullptr) setenv("QT_QPA_PLATFORM", "offscreen", 1);
  QApplication app(argc, argv);
  try {
    const kvsim::Catalog catalog = kvsim::Catalog::open_default();
    const kvsim::PlanSpec spec = kvsim::load_plan(plan, catalog);
    kvsim::PlanOptions options;
    options.out_dir = out;
    options.jobs = jobs;
    options.render_charts = kvsim::gui::render_plan_charts;
    const kvsim::PlanResult result = kvsim::run_plan(spec, options);
    std::printf("kvsim-gui: plan %s: %zu simulations run now, %zu reused; charts:", spec.name.c_str(), result.runs,
                result.runs_reused);
    for (const auto& chart : result.charts) std::printf(" %s", chart.first.c_str());
    std::printf("\noutputs: %s/{plan.json,candidates.csv,frontier.csv,report.md}\n", out.c_str());
    if (!result.growth.empty() && !result.growth[0].recommendation.empty())
      std::printf("recommendation: %s\n", result.growth[0].recommendation.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kvsim-gui: %s\n", e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const auto start = std::chrono::steady_clock::now();
  if (has_flag(argc, argv, {"--help", "-h"})) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (has_flag(argc, argv, {"--plan"})) return run_plan_headless(argc, argv);
  if (!display_available(argc, argv)) {
    std::fputs("kvsim-gui: no display (neither DISPLAY nor WAYLAND_DISPLAY is set); to run without one:\n"
               "  QT_QPA_PLATFORM=offscreen kvsim-gui ...\n",
               stderr);
    return 1;
  }
  QApplication app(argc, argv);
  QApplication::setApplicationName("kvsim-gui");
  QApplication::setApplicationVersion(kvsim::kVersion);

  bool quit_after_show = false;
  QString target;
  for (const QString& arg : QApplication::arguments().mid(1)) {
    if (arg == "--quit-after-show") {
      quit_after_show = true;
    } else if (arg.startsWith('-')) {
      std::fprintf(stderr, "kvsim-gui: unknown flag %s (see kvsim-gui --help)\n", qPrintable(arg));
      return 2;
    } else {
      target = arg;
    }
  }

  kvsim::gui::MainWindow window;
  if (!target.isEmpty()) {
    if (QFileInfo(target).isDir()) window.open_results(target);
    else window.open_scenario(target);
  }
  window.show();
  if (quit_after_show) {
    // Runs once the event loop has laid out and painted the window.
    QTimer::singleShot(0, &window, [&] {
      window.repaint();  // the first frame, painted now rather than whenever the platform asks
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      std::printf("kvsim-gui: window shown %.0f ms after start\n", ms);
      std::fflush(stdout);
      QApplication::exit(0);
    });
  }
  return QApplication::exec();
}
