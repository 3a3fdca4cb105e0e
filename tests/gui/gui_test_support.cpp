#include "gui_test_support.h"

#include <QFile>
#include <QStandardPaths>
#include <QTest>
#include <QThread>

#include <algorithm>

#include "form_fields.h"
#include "results_view.h"
#include "scenario_form.h"
#include "run_controller.h"
#include "scenario_document.h"
#include "scenario_editor.h"

namespace kvsim::gui::test {

UserPrompts::SaveChoice ScriptedPrompts::ask_save_changes(QWidget*, const QString& what) {
  questions << "save changes to " + what;
  if (save_choices.empty()) return SaveChoice::kCancel;
  const SaveChoice c = save_choices.front();
  save_choices.pop_front();
  return c;
}

bool ScriptedPrompts::confirm(QWidget*, const QString& title, const QString& question) {
  questions << title + " " + question;
  if (confirmations.empty()) return false;
  const bool c = confirmations.front();
  confirmations.pop_front();
  return c;
}

void ScriptedPrompts::show_error(QWidget*, const QString& title, const QString& message) {
  errors << title + ": " + message;
}

QString ScriptedPrompts::open_file(QWidget*, const QString& title, const QString&, const QString&) {
  questions << title;
  if (paths.empty()) return {};
  const QString p = paths.front();
  paths.pop_front();
  return p;
}

QString ScriptedPrompts::save_file(QWidget* parent, const QString& title, const QString& dir, const QString& filter) {
  return open_file(parent, title, dir, filter);
}

QString ScriptedPrompts::choose_folder(QWidget* parent, const QString& title, const QString& dir) {
  return open_file(parent, title, dir, QString());
}

std::unique_ptr<MainWindow> make_window(ScriptedPrompts** prompts) {
  // Window geometry is read from and saved to a test settings file, never the user's.
  QStandardPaths::setTestModeEnabled(true);
  auto scripted = std::make_unique<ScriptedPrompts>();
  *prompts = scripted.get();
  return std::make_unique<MainWindow>(std::move(scripted));
}

QLineEdit* text_field(MainWindow& w, const std::string& pointer) {
  auto* f = dynamic_cast<TextField*>(w.editor()->form()->field(pointer));
  return f == nullptr ? nullptr : f->line_edit();
}

QComboBox* choice_field(MainWindow& w, const std::string& pointer) {
  auto* f = dynamic_cast<ChoiceField*>(w.editor()->form()->field(pointer));
  return f == nullptr ? nullptr : f->combo();
}

QByteArray file_bytes(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<missing " + path.toUtf8() + ">");
}

QString machine_load() {
  QFile f("/proc/loadavg");
  if (!f.open(QIODevice::ReadOnly)) return "load average unknown";
  const double load = QString::fromLatin1(f.readAll()).section(' ', 0, 0).toDouble();
  const int cores = std::max(1, QThread::idealThreadCount());
  return QString("load average %1 on %2 cores").arg(load, 0, 'f', 1).arg(cores);
}

QString data_path(const char* name) { return QString(KVSIM_GUI_TEST_DATA) + "/" + name; }

Json small_scenario(int requests, double rate) {
  Json j = Json::object();
  j["name"] = "gui-small";
  j["model"] = "Llama-3-8B";
  j["gpu"] = "H100-SXM";
  j["perf_model"] = {{"kind", "roofline"}};
  j["engine"] = {{"max_num_seqs", 64}};
  j["kv_cache"] = {{"enable_prefix_caching", true}, {"eviction_policy", "lru"}};
  j["workload"] = {{"synthetic",
                    {{"seed", 7},
                     {"num_requests", requests},
                     {"arrivals", {{"process", "poisson"}, {"rate", rate}}},
                     {"prompt_tokens", {{"dist", "uniform"}, {"min", 200}, {"max", 1200}}},
                     {"output_tokens", {{"dist", "uniform"}, {"min", 20}, {"max", 200}}},
                     {"system_prompt", {{"fraction", 0.8}, {"tokens", 512}, {"count", 4}}}}}};
  j["slo"] = {{"ttft_s", 1.0}, {"tpot_s", 0.05}};
  j["metrics"] = {{"timeseries_interval_s", 0.5}};
  return j;
}

Json tier_scenario() {
  Json j = small_scenario(200, 40.0);
  j["engine"]["num_gpu_blocks_override"] = 600;
  j["kv_cache"]["tiers"] = Json::array({Json{{"name", "cpu"}, {"kind", "cpu"}, {"capacity_gib", 64}}});
  return j;
}

Json long_scenario() {
  Json j = small_scenario(5000000, 200.0);
  j["name"] = "gui-long";
  return j;
}

bool wait_for_run(MainWindow& w, int timeout_ms) {
  return QTest::qWaitFor([&] { return !w.controller()->busy() && !w.results()->redrawing(); }, timeout_ms);
}

bool run_in_window(MainWindow& w, const Json& scenario) {
  w.document()->reset(scenario, data_path("scenario.json"));
  return w.start_run() && wait_for_run(w);
}

bool wait_for_validation(MainWindow& w, int timeout_ms) {
  return QTest::qWaitFor([&] { return !w.editor()->validation_pending(); }, timeout_ms);
}

}  // namespace kvsim::gui::test
