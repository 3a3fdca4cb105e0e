// kvsim-gui [SCENARIO.json | RESULTS_FOLDER] [--quit-after-show]
//
// Opens the scenario (or the results folder written by `kvsim run --out`) given on the command
// line, else starts from the template scenario. --quit-after-show prints how long the window took
// to appear and exits: the startup figure in docs/gui.md comes from it.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

#include <QApplication>
#include <QFileInfo>
#include <QTimer>

#include "kvsim_version.h"
#include "main_window.h"

namespace {

const char* kUsage =
    "usage: kvsim-gui [SCENARIO.json | RESULTS_FOLDER] [--quit-after-show]\n\n"
    "Edit, run and compare kvsim scenarios (docs/gui.md). A folder argument opens the results\n"
    "that `kvsim run --out FOLDER` wrote. --quit-after-show prints the startup time and exits.\n"
    "Without a display, run it with QT_QPA_PLATFORM=offscreen.\n";

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

}  // namespace

int main(int argc, char** argv) {
  const auto start = std::chrono::steady_clock::now();
  if (has_flag(argc, argv, {"--help", "-h"})) {
    std::fputs(kUsage, stdout);
    return 0;
  }
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
