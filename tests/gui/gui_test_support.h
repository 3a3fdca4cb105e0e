// Helpers shared by the GUI tests: scenarios to run, prompts that answer from a script instead of
// opening dialogs, and waiting for a run or a validation to come back.
#pragma once
#include <deque>
#include <string>

#include <QByteArray>
#include <QString>
#include <QStringList>

#include "json_path.h"
#include "main_window.h"
#include "user_prompts.h"

class QComboBox;
class QLineEdit;

// QCOMPARE for JSON values (compares and prints their compact dumps; QCOMPARE itself cannot take
// nlohmann types, whose conversion operators confuse QTest's overloads).
#define KVSIM_JSON_COMPARE(actual, expected) \
  QCOMPARE(QString::fromStdString((actual).dump()), QString::fromStdString((expected).dump()))

// A wall-clock threshold, reported and never failed: on a shared machine the time measures the
// other work on its cores as much as the GUI. The speed it watches is measured by kvsim_gui_bench
// (tests/gui/bench_gui.cpp), with its figures in docs/performance.md.
#define KVSIM_TIMING_REPORT(ok, message)                                                              \
  do {                                                                                                \
    if (!(ok))                                                                                        \
      qWarning("%s: over its threshold (reported, not failed; %s)", qPrintable(message),              \
               qPrintable(kvsim::gui::test::machine_load()));                                         \
  } while (false)

namespace kvsim::gui::test {

// "load average 3.2 on 2 cores".
QString machine_load();

// A scripted user: answers questions from queues (defaults when empty: Cancel, no, "") and
// records every error shown.
class ScriptedPrompts final : public UserPrompts {
 public:
  std::deque<SaveChoice> save_choices;
  std::deque<bool> confirmations;
  std::deque<QString> paths;
  QStringList errors;     // "title: message"
  QStringList questions;  // what was asked, in order

  SaveChoice ask_save_changes(QWidget*, const QString& what) override;
  bool confirm(QWidget*, const QString& title, const QString& question) override;
  void show_error(QWidget*, const QString& title, const QString& message) override;
  QString open_file(QWidget*, const QString& title, const QString&, const QString&) override;
  QString save_file(QWidget*, const QString& title, const QString&, const QString&) override;
  QString choose_folder(QWidget*, const QString& title, const QString&) override;
};

// A window answering through a ScriptedPrompts, which `prompts` points at.
std::unique_ptr<MainWindow> make_window(ScriptedPrompts** prompts);

// The form's line edit or drop-down bound to exactly `pointer` (nullptr when there is none).
QLineEdit* text_field(MainWindow& w, const std::string& pointer);
QComboBox* choice_field(MainWindow& w, const std::string& pointer);
// A file's bytes, or "<missing PATH>".
QByteArray file_bytes(const QString& path);

// tests/gui/data/<name>.
QString data_path(const char* name);
// A small synthetic scenario (Llama-3-8B on H100-SXM, roofline): `requests` requests at `rate`
// req/s, shared system prompts so the prefix cache has hits.
Json small_scenario(int requests = 300, double rate = 20.0);
// small_scenario(200, 40) with a CPU tier and a small GPU cache, so that prefixes are evicted to the
// CPU tier and found there again (the run has a KV tier report).
Json tier_scenario();
// A run that takes many seconds of wall time (for cancel and responsiveness tests).
Json long_scenario();

// Loads `scenario` (as if from tests/gui/data) into the window, runs it and waits for the run to
// end and its charts to be drawn; false when it did not start or did not end in time.
bool run_in_window(MainWindow& w, const Json& scenario);

// Waits until the window's run ends (finished, failed or cancelled); false on timeout.
bool wait_for_run(MainWindow& w, int timeout_ms = 120000);
// Waits until the editor's validator has delivered the newest result.
bool wait_for_validation(MainWindow& w, int timeout_ms = 10000);

}  // namespace kvsim::gui::test
