// The journeys users reported as broken (issue #13), driven as a user would and kept fixed:
// exports never replace a run's files, the wheel scrolls the form instead of changing drop-downs,
// edits undo and redo, the window fits a small screen and remembers its place, messages never
// move the field being clicked, KV tier results are shown, a run's scenario comes back as it was
// written, Save As has a shortcut, a trace run shows its total and how long it has left, and the
// form's Fleet groups (router, autoscaling, spot, response cache) write and show the JSON.
#include <QAbstractBarSeries>
#include <QAbstractScrollArea>
#include <QCheckBox>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QLogValueAxis>
#include <QValueAxis>
#include <QXYSeries>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QWheelEvent>

#include "chart_data.h"
#include "chart_panel.h"
#include "form_fields.h"
#include "gui_test_support.h"
#include "results_view.h"
#include "run_controller.h"
#include "run_list.h"
#include "scenario_document.h"
#include "scenario_editor.h"
#include "scenario_form.h"
#include "summary_rows.h"

using namespace kvsim::gui;
using namespace kvsim::gui::test;

namespace {

void load(MainWindow& w, const Json& scenario) { w.document()->reset(scenario, test::data_path("scenario.json")); }

// Shows the window and makes it the active one, so that focus and shortcuts work as on a desktop.
bool show_active(MainWindow& w) {
  w.show();
  QApplication::setActiveWindow(&w);
  return QTest::qWaitForWindowActive(&w);
}

void wheel_down(QWidget* over) {
  const QPointF local(over->width() / 2.0, over->height() / 2.0);
  QWheelEvent e(local, over->mapToGlobal(local), QPoint(), QPoint(0, -120), Qt::NoButton, Qt::NoModifier,
                Qt::NoScrollPhase, false);
  QApplication::sendEvent(over, &e);
}

// Types `text` into a line edit as a user would, replacing what it held.
void type_into(QLineEdit* edit, const QString& text) {
  QVERIFY(edit != nullptr);
  edit->selectAll();
  QTest::keyClicks(edit, text);
}

void choose(QComboBox* combo, const QString& text) {
  QVERIFY(combo != nullptr);
  const int index = combo->findText(text);
  QVERIFY2(index >= 0, qPrintable(text));
  combo->setCurrentIndex(index);
  emit combo->activated(index);
}

int y_in_window(QWidget* w) { return w->mapTo(w->window(), QPoint(0, 0)).y(); }

QString table_cell(QTableWidget* table, const QString& section, const QString& label, int column) {
  for (int r = 0; r < table->rowCount(); ++r)
    if (table->item(r, 0)->text() == section && table->item(r, 1)->text() == label)
      return table->item(r, column) != nullptr ? table->item(r, column)->text() : QString();
  return "<no row " + section + " / " + label + ">";
}

}  // namespace

class UserJourneysTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void exporting_charts_into_a_results_folder_keeps_its_files_and_asks_before_replacing();
  void a_chart_is_never_saved_over_a_result_file();
  void the_wheel_scrolls_the_form_past_a_dropdown_without_changing_it();
  void form_edits_undo_and_redo_from_the_menu_and_the_keyboard();
  void save_as_has_a_shortcut_on_every_desktop();
  void the_window_fits_a_small_screen_with_the_status_bar_and_cancel_on_it();
  void the_window_remembers_its_size_and_place();
  void messages_never_move_the_field_being_edited();
  void a_json_syntax_error_does_not_move_the_text_being_typed();
  void kv_tier_results_are_in_the_summary_table();
  void the_tier_table_shows_its_columns_readably();
  void a_runs_scenario_comes_back_in_its_key_order_and_unmodified();
  void a_trace_run_shows_its_total_percentage_and_time_left();
  void compared_runs_have_whole_legends_run_coloured_bars_hover_values_zoom_and_a_log_scale();
  void the_fleet_groups_write_autoscaling_spot_and_a_response_cache_that_the_run_uses_and_show_them_from_json();
  void the_disaggregation_group_splits_the_fleet_into_pools_that_the_run_uses_and_shows_them_from_json();

 private:
  QTemporaryDir settings_dir_;
};

void UserJourneysTest::initTestCase() {
  // Window geometry goes to this suite's own settings file: not the user's, and not the one other
  // suites running at the same time write when their windows close.
  QStandardPaths::setTestModeEnabled(true);
  QVERIFY(settings_dir_.isValid());
  QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, settings_dir_.path());
  QSettings("kvsim", "kvsim-gui").clear();
}

void UserJourneysTest::exporting_charts_into_a_results_folder_keeps_its_files_and_asks_before_replacing() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(test::run_in_window(*w, test::small_scenario(60)));
  QTemporaryDir dir;
  const QString folder = dir.filePath("run");
  QVERIFY(w->save_results(folder));
  QStringList result_files{"summary.json", "requests.csv", "timeseries.csv"};
  std::map<QString, QByteArray> before;
  for (const QString& f : result_files) before[f] = file_bytes(QDir(folder).filePath(f));

  // Into the results folder itself: nothing to replace yet, so no question; the run's files stay.
  QVERIFY(w->export_charts(folder));
  QVERIFY2(prompts->questions.isEmpty(), qPrintable(prompts->questions.join("\n")));
  for (const QString& f : result_files) QCOMPARE(file_bytes(QDir(folder).filePath(f)), before[f]);
  for (const QString& path : w->results()->export_paths(folder)) {
    QVERIFY2(QFile::exists(path), qPrintable(path));
    QVERIFY2(!result_files.contains(QFileInfo(path).fileName()), qPrintable(path));
  }
  // The folder still opens as a run.
  w->open_results(folder);
  QVERIFY(QTest::qWaitFor([&] { return w->runs()->count() == 2; }, 20000));
  QVERIFY2(prompts->errors.isEmpty(), qPrintable(prompts->errors.join("\n")));

  // Again: the earlier export's files are there; the user is asked, and "no" writes nothing.
  const QString marked = QDir(folder).filePath("ttft_cdf.csv");
  {
    QFile f(marked);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("mine\n");
  }
  prompts->confirmations = {false};
  QVERIFY(!w->export_charts(folder));
  QCOMPARE(prompts->questions.size(), 1);
  QVERIFY2(prompts->questions[0].contains("ttft_cdf.csv") && prompts->questions[0].contains("results folder"),
           qPrintable(prompts->questions[0]));
  QCOMPARE(file_bytes(marked), QByteArray("mine\n"));
  // "Yes" replaces the exports, and only them.
  prompts->confirmations = {true};
  QVERIFY(w->export_charts(folder));
  QVERIFY(file_bytes(marked).startsWith("run,series,"));
  for (const QString& f : result_files) QCOMPARE(file_bytes(QDir(folder).filePath(f)), before[f]);
}

void UserJourneysTest::a_chart_is_never_saved_over_a_result_file() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(test::run_in_window(*w, test::small_scenario(40)));
  QTemporaryDir dir;
  QVERIFY(w->save_results(dir.path()));
  const QString requests = dir.filePath("requests.csv");
  const QByteArray before = file_bytes(requests);
  ChartPanel* panel = w->results()->panel("ttft_cdf");
  QToolButton* csv = nullptr;
  for (QToolButton* b : panel->findChildren<QToolButton*>())
    if (b->text().startsWith("CSV")) csv = b;
  QVERIFY(csv != nullptr);
  prompts->paths = {requests};
  csv->click();
  QCOMPARE(file_bytes(requests), before);
  QCOMPARE(prompts->errors.size(), 1);
  QVERIFY2(prompts->errors[0].contains("result files"), qPrintable(prompts->errors[0]));
}

void UserJourneysTest::the_wheel_scrolls_the_form_past_a_dropdown_without_changing_it() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  load(*w, test::small_scenario());
  QVERIFY(show_active(*w));
  QComboBox* chunked = choice_field(*w, "/engine/enable_chunked_prefill");
  QVERIFY(chunked != nullptr);
  ScenarioForm* form = w->editor()->form();
  form->scroll_area()->ensureWidgetVisible(chunked);
  QScrollBar* bar = form->scroll_area()->verticalScrollBar();
  QVERIFY(bar->maximum() > 0);
  bar->setValue(bar->value() - 30 > 0 ? bar->value() - 30 : bar->value());
  const int index = chunked->currentIndex();
  const Json doc = w->document()->json();
  const int scrolled = bar->value();
  QVERIFY(!chunked->hasFocus());
  QCOMPARE(chunked->focusPolicy(), Qt::StrongFocus);  // a wheel does not give it focus
  wheel_down(chunked);
  QCOMPARE(chunked->currentIndex(), index);
  KVSIM_JSON_COMPARE(w->document()->json(), doc);
  QVERIFY2(bar->value() > scrolled, qPrintable(QString("%1 -> %2").arg(scrolled).arg(bar->value())));
  QVERIFY(!w->document()->dirty());
  // Once the user has clicked it (it has focus), the wheel is the drop-down's.
  chunked->setFocus(Qt::MouseFocusReason);
  QVERIFY(QTest::qWaitFor([&] { return chunked->hasFocus(); }, 2000));
  wheel_down(chunked);
  QVERIFY(chunked->currentIndex() != index);
  QVERIFY(w->document()->dirty());
}

void UserJourneysTest::form_edits_undo_and_redo_from_the_menu_and_the_keyboard() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  const Json original = test::small_scenario();
  load(*w, original);
  QVERIFY(!w->undo_action()->isEnabled());
  QVERIFY(show_active(*w));
  QLineEdit* seqs = text_field(*w, "/engine/max_num_seqs");
  QLineEdit* seed = text_field(*w, "/seed");
  seqs->setFocus();
  seqs->selectAll();
  QTest::keyClicks(seqs, "128");  // three keystrokes: one step
  seed->setFocus();
  QTest::keyClicks(seed, "5");
  QCOMPARE(w->document()->json()["engine"]["max_num_seqs"].get<int>(), 128);
  QCOMPARE(w->document()->json()["seed"].get<int>(), 5);
  QVERIFY(w->undo_action()->isEnabled());

  w->undo_action()->trigger();
  QVERIFY(!w->document()->json().contains("seed"));
  QCOMPARE(seed->text(), QString());
  QCOMPARE(w->document()->json()["engine"]["max_num_seqs"].get<int>(), 128);
  // Ctrl+Z in a line edit undoes the scenario's edit, not just the line's text.
  seqs->setFocus();
  QTest::keyClick(seqs, Qt::Key_Z, Qt::ControlModifier);
  KVSIM_JSON_COMPARE(w->document()->json(), original);
  QCOMPARE(seqs->text(), QString("64"));
  QVERIFY(w->editor()->json_text()->toPlainText().contains("\"max_num_seqs\": 64"));
  QVERIFY(!w->document()->dirty());
  QVERIFY(!w->undo_action()->isEnabled());

  QTest::keyClick(seqs, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
  QCOMPARE(w->document()->json()["engine"]["max_num_seqs"].get<int>(), 128);
  w->redo_action()->trigger();
  QCOMPARE(w->document()->json()["seed"].get<int>(), 5);
  QVERIFY(!w->redo_action()->isEnabled());
  // A new edit after an undo drops what could have been redone.
  w->undo_action()->trigger();
  QVERIFY(w->redo_action()->isEnabled());
  QComboBox* policy = choice_field(*w, "/kv_cache/eviction_policy");
  policy->setCurrentIndex(policy->findText("s3fifo"));
  emit policy->activated(policy->currentIndex());
  QVERIFY(!w->redo_action()->isEnabled());
  // Opening another scenario starts a new history.
  load(*w, original);
  QVERIFY(!w->undo_action()->isEnabled());
}

void UserJourneysTest::save_as_has_a_shortcut_on_every_desktop() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  const QKeySequence ctrl_shift_s(Qt::CTRL | Qt::SHIFT | Qt::Key_S);
  QVERIFY(w->save_as_action()->shortcuts().contains(ctrl_shift_s));
  // No other action claims it (an ambiguous shortcut does nothing).
  for (QAction* a : w->findChildren<QAction*>())
    if (a != w->save_as_action()) QVERIFY2(!a->shortcuts().contains(ctrl_shift_s), qPrintable(a->text()));
  QVERIFY(show_active(*w));
  QTest::keyClick(w.get(), Qt::Key_S, Qt::ControlModifier | Qt::ShiftModifier);
  QVERIFY2(prompts->questions.contains("Save scenario"), qPrintable(prompts->questions.join("\n")));
}

void UserJourneysTest::the_window_fits_a_small_screen_with_the_status_bar_and_cancel_on_it() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(show_active(*w));
  // The offscreen platform's screen (800 pixels wide) is smaller than any laptop's.
  const QRect available = w->screen()->availableGeometry();
  QVERIFY2(available.contains(w->geometry()),
           qPrintable(QString("window %1x%2 on a %3x%4 screen")
                          .arg(w->width()).arg(w->height()).arg(available.width()).arg(available.height())));
  const QSize minimum = w->minimumSizeHint();
  QVERIFY2(minimum.width() <= 800 && minimum.height() <= 600,
           qPrintable(QString("minimum %1x%2").arg(minimum.width()).arg(minimum.height())));
  load(*w, test::long_scenario());
  QVERIFY(w->start_run());
  QVERIFY(QTest::qWaitFor([&] { return w->progress_label()->text().startsWith("simulated"); }, 20000));
  QApplication::processEvents();
  if (qEnvironmentVariableIsSet("KVSIM_GUI_PNG_DIR"))  // to look at it
    w->grab().save(QDir(qEnvironmentVariable("KVSIM_GUI_PNG_DIR")).filePath("window_800x600.png"));
  const QRect window_rect = w->rect();
  for (QWidget* part : {static_cast<QWidget*>(w->cancel_button()), static_cast<QWidget*>(w->progress_bar())}) {
    QVERIFY(part->isVisible());
    const QRect r(part->mapTo(w.get(), QPoint(0, 0)), part->size());
    QVERIFY2(window_rect.contains(r), qPrintable(part->metaObject()->className()));
    QVERIFY(part->width() >= 40);
  }
  w->cancel_run();
  QVERIFY(test::wait_for_run(*w));
  // The form is never narrower than its fields: a narrow window scrolls it sideways.
  auto* scroll = w->editor()->form()->scroll_area();
  QWidget* content = scroll->widget();
  QVERIFY2(content->width() >= content->minimumSizeHint().width(),
           qPrintable(QString("%1 < %2").arg(content->width()).arg(content->minimumSizeHint().width())));
  w->resize(800, 600);
  QApplication::processEvents();
  QVERIFY(content->width() >= content->minimumSizeHint().width());
  QCOMPARE(w->size(), QSize(800, 600));
  // The editor keeps room for its fields; the runs' buttons go on two rows instead.
  QVERIFY2(w->editor()->width() >= 300, qPrintable(QString::number(w->editor()->width())));
  qInfo("form %d wide, its fields need %d", scroll->viewport()->width(), content->minimumSizeHint().width());
  if (qEnvironmentVariableIsSet("KVSIM_GUI_PNG_DIR"))
    w->grab().save(QDir(qEnvironmentVariable("KVSIM_GUI_PNG_DIR")).filePath("window_800x600_idle.png"));
}

void UserJourneysTest::the_window_remembers_its_size_and_place() {
  QSettings("kvsim", "kvsim-gui").clear();
  ScriptedPrompts* prompts = nullptr;
  auto first = test::make_window(&prompts);
  QVERIFY(show_active(*first));
  first->resize(640, 480);
  QApplication::processEvents();
  QVERIFY(first->close());
  auto second = test::make_window(&prompts);
  QCOMPARE(second->size(), QSize(640, 480));
  QSettings("kvsim", "kvsim-gui").clear();
}

void UserJourneysTest::messages_never_move_the_field_being_edited() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  load(*w, test::small_scenario());
  QVERIFY(show_active(*w));
  QVERIFY(test::wait_for_validation(*w));
  QVERIFY(!w->editor()->issues_shown());
  // The user is typing in a field below the scheduler's.
  QLineEdit* ttl = text_field(*w, "/kv_cache/ttl_s");
  w->editor()->form()->scroll_area()->ensureWidgetVisible(ttl, 0, 150);
  ttl->setFocus();
  QVERIFY(QTest::qWaitFor([&] { return ttl->hasFocus(); }, 2000));
  QApplication::processEvents();
  const int y = y_in_window(ttl);
  // A field above it turns invalid: the messages panel and the line under that field appear.
  w->document()->set_value("/engine/max_num_seqs", Json("lots"));
  w->document()->set_value("/deployment/tensor_parallel", Json(-3));
  QVERIFY(test::wait_for_validation(*w));
  QVERIFY(w->editor()->issues_shown());
  QVERIFY(!w->editor()->form()->field("/engine/max_num_seqs")->issue_text().isEmpty());
  QTest::qWait(50);
  QCOMPARE(y_in_window(ttl), y);
  // And disappear again.
  w->document()->set_value("/engine/max_num_seqs", Json(64));
  w->document()->set_value("/deployment/tensor_parallel", std::nullopt);
  QVERIFY(test::wait_for_validation(*w));
  QVERIFY(!w->editor()->issues_shown());
  QTest::qWait(50);
  QCOMPARE(y_in_window(ttl), y);
}

void UserJourneysTest::a_json_syntax_error_does_not_move_the_text_being_typed() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  load(*w, test::small_scenario());
  QVERIFY(show_active(*w));
  w->editor()->tabs()->setCurrentIndex(1);
  QPlainTextEdit* text = w->editor()->json_text();
  QApplication::processEvents();
  const int y = y_in_window(text);
  text->setPlainText(text->toPlainText() + "}");  // a stray brace
  QVERIFY(!w->editor()->json_error().isEmpty());
  QApplication::processEvents();
  QCOMPARE(y_in_window(text), y);
}

void UserJourneysTest::kv_tier_results_are_in_the_summary_table() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(test::run_in_window(*w, test::tier_scenario()));
  QVERIFY2(prompts->errors.isEmpty(), qPrintable(prompts->errors.join("\n")));
  QVERIFY(w->runs()->run(0)->summary.kv_tiers.has_value());
  const kvsim::KvTiersSummary& k = *w->runs()->run(0)->summary.kv_tiers;
  QTableWidget* table = w->results()->summary_table();
  const auto expect = [&](const QString& section, const QString& label, double v, int decimals) {
    const QString text = decimals < 0 ? QString::number(static_cast<qulonglong>(v)) : QString::number(v, 'f', decimals);
    QCOMPARE(table_cell(table, section, label, 2), text);
  };
  expect("KV tiers", "block hit rate, GPU only", k.block_hit_rate_gpu, 4);
  expect("KV tiers", "block hit rate, found in a tier", k.block_hit_rate_found, 4);
  expect("KV tiers", "blocks loaded", static_cast<double>(k.loaded_blocks), -1);
  QVERIFY(!k.tiers.empty());
  expect("tier cpu (cpu)", "block hit rate", k.tiers[0].block_hit_rate, 4);
  expect("tier cpu (cpu)", "GB written", k.tiers[0].gb_written, 3);
  QVERIFY2(k.tiers[0].gb_written > 0, "the scenario should offload to the CPU tier");
  bool any_link = false;
  for (int r = 0; r < table->rowCount(); ++r) any_link = any_link || table->item(r, 0)->text().startsWith("link ");
  QVERIFY(any_link);
  // A second run without tiers: its column is empty on the tier rows, and its own rows line up.
  Json plain = test::small_scenario(60);
  QVERIFY(test::run_in_window(*w, plain));
  QCOMPARE(table->columnCount(), 4);
  QCOMPARE(table_cell(table, "KV tiers", "block hit rate, GPU only", 3), QString());
  QCOMPARE(table_cell(table, "requests", "completed", 3), QString("60"));
}

void UserJourneysTest::the_tier_table_shows_its_columns_readably() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  Json scenario = test::small_scenario();
  scenario["kv_cache"]["tiers"] = Json::array(
      {Json{{"name", "cpu"}, {"kind", "cpu"}, {"capacity_gib", 256}, {"usd_per_gb_month", 0.5}},
       Json{{"name", "nvme"}, {"kind", "ssd"}, {"capacity_gib", 2048}, {"read_gb_per_s", 6.5}}});
  load(*w, scenario);
  QVERIFY(show_active(*w));
  auto* tiers = dynamic_cast<TierListField*>(w->editor()->form()->field("/kv_cache/tiers"));
  QTableWidget* t = tiers->table();
  QCOMPARE(t->rowCount(), 2);
  const QFontMetrics fm(t->horizontalHeader()->font());
  for (int c = 0; c < t->columnCount(); ++c) {
    const QString header = t->horizontalHeaderItem(c)->text();
    QVERIFY2(t->columnWidth(c) >= fm.horizontalAdvance(header), qPrintable(header));
  }
  // The table spans the form's width (it is not squeezed into the field column).
  QVERIFY2(t->width() >= w->editor()->form()->scroll_area()->viewport()->width() * 3 / 4,
           qPrintable(QString("%1 of %2").arg(t->width()).arg(w->editor()->form()->scroll_area()->viewport()->width())));
}

void UserJourneysTest::a_runs_scenario_comes_back_in_its_key_order_and_unmodified() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  const Json scenario = test::small_scenario(40);
  // Keys far from alphabetical order.
  Json reordered = Json::object();
  reordered["workload"] = scenario["workload"];
  reordered["name"] = scenario["name"];
  reordered["slo"] = scenario["slo"];
  reordered["model"] = scenario["model"];
  reordered["gpu"] = scenario["gpu"];
  reordered["perf_model"] = scenario["perf_model"];
  reordered["metrics"] = scenario["metrics"];
  reordered["engine"] = scenario["engine"];
  reordered["kv_cache"] = scenario["kv_cache"];
  QVERIFY(test::run_in_window(*w, reordered));
  w->new_scenario();
  w->edit_run_scenario();
  QCOMPARE(QString::fromStdString(w->document()->json().dump()), QString::fromStdString(reordered.dump()));
  QVERIFY(!w->document()->dirty());
  QVERIFY(!w->windowTitle().contains('*') || !w->isWindowModified());
  QVERIFY(prompts->questions.isEmpty());  // nothing was unsaved, so nothing was asked

  // The same from a results folder saved and opened again: summary.json keeps the key order.
  QTemporaryDir dir;
  const QString folder = dir.filePath("run");
  QVERIFY(w->save_results(folder));
  w->open_results(folder);
  QVERIFY(QTest::qWaitFor([&] { return w->runs()->count() == 2; }, 20000));
  w->new_scenario();
  w->edit_run_scenario();
  QCOMPARE(QString::fromStdString(w->document()->json().dump()), QString::fromStdString(reordered.dump()));
}

void UserJourneysTest::a_trace_run_shows_its_total_percentage_and_time_left() {
  // The status line itself, from the figures a run reports.
  kvsim::Progress p;
  p.simulated_s = 30;
  p.requests_done = 250;
  p.wall_s = 2.0;
  const QString text = describe_progress(p, RunExtent{1000, 0});
  QVERIFY2(text.contains("250/1000 requests done (25%)") && text.contains("about 6 s left"), qPrintable(text));
  QVERIFY(!describe_progress(p, RunExtent{}).contains("%"));
  QCOMPARE(fraction_done(p, RunExtent{1000, 0}), 0.25);

  // A trace workload's total is counted while it runs: a trace long enough to be still running
  // when its count (a fast read of the file) comes back.
  QTemporaryDir dir;
  const QString trace = dir.filePath("azure.csv");
  {
    QFile f(trace);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QByteArray text = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
    const QDateTime start(QDate(2023, 11, 16), QTime(18, 0));
    for (int i = 0; i < 20000; ++i)
      text += start.addMSecs(i * 50).toString("yyyy-MM-dd HH:mm:ss.zzz").toUtf8() + "0000," +
              QByteArray::number(300 + i % 700) + "," + QByteArray::number(20 + i % 180) + "\n";
    f.write(text);
  }
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  Json scenario = test::small_scenario();
  scenario["workload"] = {{"trace", {{"format", "azure"}, {"path", trace.toStdString()}}}};
  load(*w, scenario);
  QSignalSpy counted(w->controller(), &RunController::run_extent_known);
  w->controller()->set_progress_interval(0.02);
  QVERIFY(w->start_run());
  QVERIFY(QTest::qWaitFor([&] { return !counted.isEmpty() || !w->controller()->busy(); }, 60000));
  QVERIFY2(prompts->errors.isEmpty(), qPrintable(prompts->errors.join("\n")));
  if (counted.isEmpty()) QSKIP("the run ended before its trace was counted (a very fast machine)");
  QCOMPARE(counted[0][0].value<RunExtent>().requests, uint64_t{20000});
  QVERIFY(QTest::qWaitFor([&] { return w->progress_label()->text().contains("/20000 requests done ("); }, 10000) ||
          !w->controller()->busy());
  if (w->controller()->busy()) {
    QVERIFY2(w->progress_label()->text().contains("%)"), qPrintable(w->progress_label()->text()));
    QCOMPARE(w->progress_bar()->maximum(), 1000);
  }
  w->cancel_run();
  QVERIFY(test::wait_for_run(*w));
}

void UserJourneysTest::compared_runs_have_whole_legends_run_coloured_bars_hover_values_zoom_and_a_log_scale() {
  QTest::failOnWarning(QRegularExpression("Logarithm"));  // nothing at or below 0 reaches a log axis
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(show_active(*w));
  Json scenario = test::small_scenario(60);
  QVERIFY(test::run_in_window(*w, scenario));
  scenario["engine"]["max_num_seqs"] = 8;
  QVERIFY(test::run_in_window(*w, scenario));
  const QString long_name = "LRU eviction, 8 sequences at most, on the small synthetic workload";
  w->runs()->rename(0, "S3-FIFO with the default small queue");
  w->runs()->rename(1, long_name);
  w->results()->finish_redraw();
  QApplication::processEvents();

  // The legend is text under the chart that wraps: every run with both percentiles.
  ChartPanel* ttft = w->results()->panel("ttft_cdf");
  const QString legend = ttft->legend()->text();
  QVERIFY(ttft->legend()->isVisible() && ttft->legend()->wordWrap());
  QVERIFY2(legend.contains(long_name.toHtmlEscaped()) && legend.count("P50 ") == 2 && legend.count("P99 ") == 2,
           qPrintable(legend));
  QVERIFY(ttft->legend()->height() >= ttft->legend()->heightForWidth(ttft->legend()->width()));
  const double p99 = w->runs()->run(1)->ttft.p99;
  QVERIFY2(legend.contains(QString::number(p99, 'g', 3)), qPrintable(legend));

  // Bars are drawn in their run's colour; their values are in the legend, whole.
  ChartPanel* per_token = w->results()->panel("cost_per_million_tokens");
  auto* bars = qobject_cast<QAbstractBarSeries*>(per_token->chart()->series().at(0));
  QVERIFY(bars != nullptr);
  for (int r = 0; r < 2; ++r) {
    const RunRecord& run = *w->runs()->run(r);
    bool found = false;
    for (QBarSet* set : bars->barSets()) {
      if (!set->label().startsWith(run.name) || set->at(r) == 0) continue;
      QCOMPARE(set->color(), run.color);
      found = true;
    }
    QVERIFY2(found, qPrintable(run.name));
    QVERIFY(per_token->legend()->text().contains(run.name.toHtmlEscaped()));
  }

  // Hovering a line or a bar shows its values.
  auto* line = qobject_cast<QXYSeries*>(ttft->chart()->series().at(0));
  emit line->hovered(QPointF(0.25, 0.5), true);
  QVERIFY2(ttft->hover_value().contains(line->name()) && ttft->hover_value().contains("0.25") &&
               ttft->hover_value().contains("TTFT (s)"),
           qPrintable(ttft->hover_value()));
  emit line->hovered(QPointF(0.25, 0.5), false);
  QVERIFY(ttft->hover_value().isEmpty());
  QBarSet* first = bars->barSets().at(0);
  emit bars->hovered(true, 0, first);
  QVERIFY2(per_token->hover_value().startsWith(first->label()), qPrintable(per_token->hover_value()));

  // Zoom in by dragging, back with Reset zoom.
  QCOMPARE(ttft->view()->rubberBand(), QChartView::RectangleRubberBand);
  ttft->chart()->zoomIn(QRectF(ttft->chart()->plotArea().center(), QSizeF(40, 40)));
  QVERIFY(ttft->chart()->isZoomed());
  ttft->reset_zoom_button()->click();
  QVERIFY(!ttft->chart()->isZoomed());

  // A log scale: latency for a CDF, the value for a time series; the data (and CSV) stay whole.
  const QString csv_before = chart_csv(ttft->data());
  ttft->set_log_scale(true);
  QVERIFY(qobject_cast<QLogValueAxis*>(ttft->chart()->axes(Qt::Horizontal).at(0)) != nullptr);
  QCOMPARE(chart_csv(ttft->data()), csv_before);
  ChartPanel* memory = w->results()->panel("kv_memory");
  memory->set_log_scale(true);
  QVERIFY(qobject_cast<QLogValueAxis*>(memory->chart()->axes(Qt::Vertical).at(0)) != nullptr);
  memory->set_log_scale(false);
  per_token->set_log_scale(true);  // a bar stands on 0: bars keep a linear scale
  QVERIFY(qobject_cast<QValueAxis*>(per_token->chart()->axes(Qt::Vertical).at(0)) != nullptr);
  QVERIFY(qobject_cast<QValueAxis*>(memory->chart()->axes(Qt::Vertical).at(0)) != nullptr);
  // The scale stays when the runs are redrawn.
  w->runs()->set_shown(0, false);
  w->results()->finish_redraw();
  QVERIFY(qobject_cast<QLogValueAxis*>(ttft->chart()->axes(Qt::Horizontal).at(0)) != nullptr);
  if (qEnvironmentVariableIsSet("KVSIM_GUI_PNG_DIR")) {  // to look at them
    w->runs()->set_shown(0, true);
    w->results()->finish_redraw();
    for (ChartPanel* p : w->results()->panels())
      p->save_png(QDir(qEnvironmentVariable("KVSIM_GUI_PNG_DIR")).filePath(p->data().id + ".png"));
  }
}

void UserJourneysTest::the_fleet_groups_write_autoscaling_spot_and_a_response_cache_that_the_run_uses_and_show_them_from_json() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  load(*w, test::small_scenario(300, 40.0));
  ScenarioForm* form = w->editor()->form();
  const auto presence = [&](const char* pointer) {
    auto* f = dynamic_cast<PresenceField*>(form->field(pointer));
    return f != nullptr ? f->check_box() : nullptr;
  };
  QCheckBox *scaling = presence("/cluster/autoscaling"), *spot = presence("/cluster/spot"), *cache = presence("/response_cache");
  QVERIFY(scaling != nullptr && spot != nullptr && cache != nullptr);
  QVERIFY(!scaling->isChecked() && !spot->isChecked() && !cache->isChecked());

  // Form -> JSON: a capacity planner's toggles.
  choose(choice_field(*w, "/cluster/router"), "prefix_aware");
  scaling->click();
  QVERIFY(scaling->isChecked());
  type_into(text_field(*w, "/cluster/autoscaling/target"), "8");
  type_into(text_field(*w, "/cluster/autoscaling/max_replicas"), "3");
  type_into(text_field(*w, "/cluster/autoscaling/evaluation_interval_s"), "1");
  type_into(text_field(*w, "/cluster/autoscaling/cooldown_s"), "2");
  type_into(text_field(*w, "/cluster/cold_start/provisioning_s"), "2");
  spot->click();
  type_into(text_field(*w, "/cluster/spot/usd_per_gpu_hour"), "1.5");
  type_into(text_field(*w, "/cluster/spot/fraction"), "0.5");
  cache->click();
  type_into(text_field(*w, "/response_cache/semantic_hit_probability"), "0.25");
  const Json expected_cluster = {{"router", "prefix_aware"},
                                 {"autoscaling", {{"policy", "concurrency"}, {"target", 8}, {"min_replicas", 1}, {"max_replicas", 3},
                                                  {"evaluation_interval_s", 1}, {"cooldown_s", 2}}},
                                 {"cold_start", {{"provisioning_s", 2}}},
                                 {"spot", {{"usd_per_gpu_hour", 1.5}, {"fraction", 0.5}}}};
  KVSIM_JSON_COMPARE(w->document()->json()["cluster"], expected_cluster);
  KVSIM_JSON_COMPARE(w->document()->json()["response_cache"], (Json{{"semantic_hit_probability", 0.25}}));
  const Json shown = Json::parse(w->editor()->json_text()->toPlainText().toStdString());
  KVSIM_JSON_COMPARE(shown, w->document()->json());
  QVERIFY(test::wait_for_validation(*w));
  QVERIFY2(w->editor()->validator()->last().valid, qPrintable(w->editor()->form()->field("/cluster")->issue_text()));

  // The run uses them: an elastic fleet that scaled up, spot replicas, semantic cache hits.
  QVERIFY(w->start_run() && test::wait_for_run(*w));
  QVERIFY2(prompts->errors.isEmpty(), qPrintable(prompts->errors.join("\n")));
  const kvsim::RunSummary& s = w->runs()->run(0)->summary;
  QVERIFY(s.fleet.is_object());
  QCOMPARE(QString::fromStdString(s.fleet.at("autoscaling_policy").get<std::string>()), QString("concurrency"));
  QVERIFY(s.fleet.at("scale_up_decisions").get<int>() > 0);
  QVERIFY(s.fleet.at("replica_hours").at("spot").get<double>() > 0);
  QVERIFY(s.response_cache && s.response_cache->semantic_hits > 0);
  QCOMPARE(s.requests.completed + s.requests.dropped, s.requests.arrived);

  // Switching a group off removes its section.
  spot->click();
  QVERIFY(!w->document()->json()["cluster"].contains("spot"));

  // JSON -> form: the JSON tab's fleet shows in the groups.
  Json j = test::small_scenario();
  j["cluster"] = {{"router", "power_of_two"},
                  {"autoscaling", {{"policy", "queue_length"}, {"target", 4}, {"max_replicas", 5}}},
                  {"spot", {{"usd_per_gpu_hour", 2.5}, {"fallback", "none"}}},
                  {"max_queue_wait_s", 30}};
  j["response_cache"] = {{"capacity", 500}, {"ttl_s", 60}};
  w->editor()->json_text()->setPlainText(QString::fromStdString(j.dump(2)));
  KVSIM_JSON_COMPARE(w->document()->json(), j);
  QCOMPARE(choice_field(*w, "/cluster/router")->currentText(), QString("power_of_two"));
  QVERIFY(scaling->isChecked() && spot->isChecked() && cache->isChecked());
  QCOMPARE(choice_field(*w, "/cluster/autoscaling/policy")->currentText(), QString("queue_length"));
  QCOMPARE(text_field(*w, "/cluster/autoscaling/target")->text(), QString("4"));
  QCOMPARE(text_field(*w, "/cluster/autoscaling/max_replicas")->text(), QString("5"));
  QCOMPARE(text_field(*w, "/cluster/autoscaling/min_replicas")->text(), QString());  // absent: the default
  QCOMPARE(text_field(*w, "/cluster/max_queue_wait_s")->text(), QString("30"));
  QCOMPARE(text_field(*w, "/cluster/spot/usd_per_gpu_hour")->text(), QString("2.5"));
  QCOMPARE(choice_field(*w, "/cluster/spot/fallback")->currentText(), QString("none"));
  QCOMPARE(text_field(*w, "/response_cache/capacity")->text(), QString("500"));
  QCOMPARE(text_field(*w, "/response_cache/ttl_s")->text(), QString("60"));
  j["cluster"].erase("autoscaling");
  j.erase("response_cache");
  w->editor()->json_text()->setPlainText(QString::fromStdString(j.dump(2)));
  QVERIFY(!scaling->isChecked() && spot->isChecked() && !cache->isChecked());
  QCOMPARE(text_field(*w, "/cluster/autoscaling/target")->text(), QString());
}

void UserJourneysTest::the_disaggregation_group_splits_the_fleet_into_pools_that_the_run_uses_and_shows_them_from_json() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  Json scenario = test::small_scenario(200, 20.0);
  scenario["cluster"]["replicas"] = 4;
  load(*w, scenario);
  ScenarioForm* form = w->editor()->form();
  auto* presence = dynamic_cast<PresenceField*>(form->field("/cluster/disaggregation"));
  QVERIFY(presence != nullptr);
  QCheckBox* pools = presence->check_box();
  QVERIFY(!pools->isChecked());
  QLineEdit* replicas = text_field(*w, "/cluster/replicas");
  const QString own_placeholder = replicas->placeholderText();

  // Ticked: the fleet's four replicas become two pools of two, in one undo step.
  pools->click();
  QVERIFY(pools->isChecked());
  KVSIM_JSON_COMPARE(w->document()->json()["cluster"]["disaggregation"],
                     (Json{{"prefill", {{"replicas", 2}}}, {"decode", {{"replicas", 2}}}}));
  QCOMPARE(w->document()->json()["cluster"]["replicas"].get<int>(), 4);  // the pools' total: kept
  QCOMPARE(text_field(*w, "/cluster/disaggregation/prefill/replicas")->text(), QString("2"));
  // A planner's pools: one prefill, three decode, the first token from the prefill pool over NVLink,
  // layer by layer. The fleet's replicas go (they would have to equal the total), the field says the total.
  type_into(text_field(*w, "/cluster/disaggregation/prefill/replicas"), "1");
  type_into(text_field(*w, "/cluster/disaggregation/decode/replicas"), "3");
  replicas->selectAll();
  QTest::keyClick(replicas, Qt::Key_Backspace);
  choose(choice_field(*w, "/cluster/disaggregation/first_token"), "prefill");
  choose(choice_field(*w, "/cluster/disaggregation/kv_transfer/link"), "nvlink");
  choose(choice_field(*w, "/cluster/disaggregation/kv_transfer/overlap"), "layerwise");
  type_into(text_field(*w, "/cluster/disaggregation/kv_transfer/gpu_gb_per_s"), "200");
  QVERIFY(!w->document()->json()["cluster"].contains("replicas"));
  QCOMPARE(replicas->placeholderText(), QString("4: the pools' total"));
  const Json expected = {{"prefill", {{"replicas", 1}}},
                         {"decode", {{"replicas", 3}}},
                         {"first_token", "prefill"},
                         {"kv_transfer", {{"link", "nvlink"}, {"overlap", "layerwise"}, {"gpu_gb_per_s", 200}}}};
  KVSIM_JSON_COMPARE(w->document()->json()["cluster"]["disaggregation"], expected);
  KVSIM_JSON_COMPARE(Json::parse(w->editor()->json_text()->toPlainText().toStdString()), w->document()->json());
  QVERIFY(test::wait_for_validation(*w));
  QVERIFY2(w->editor()->validator()->last().valid, qPrintable(form->field("/cluster/disaggregation")->issue_text()));

  // The run has the two pools, and the summary says so.
  QVERIFY(w->start_run() && test::wait_for_run(*w));
  QVERIFY2(prompts->errors.isEmpty(), qPrintable(prompts->errors.join("\n")));
  const kvsim::RunSummary& s = w->runs()->run(0)->summary;
  QVERIFY(s.disaggregation.has_value());
  QCOMPARE(s.disaggregation->decode.replicas, uint64_t{3});
  QCOMPARE(QString::fromStdString(s.disaggregation->kv_transfer.link), QString("nvlink"));
  QTableWidget* table = w->results()->summary_table();
  const QString row = table_cell(table, "run", "disaggregated pools", 2);
  QVERIFY2(row.startsWith("prefill 1 × ") && row.contains(" + decode 3 × "), qPrintable(row));
  QCOMPARE(table_cell(table, "run", "replicas", 2), QString("4"));

  // Unticked: the pools go and their total is the fleet's size again.
  pools->click();
  QVERIFY(!w->document()->json()["cluster"].contains("disaggregation"));
  QCOMPARE(w->document()->json()["cluster"]["replicas"].get<int>(), 4);
  QCOMPARE(replicas->placeholderText(), own_placeholder);

  // JSON -> form: a ratio layout shows in the group, and the fleet's replicas are what it splits.
  Json j = test::small_scenario();
  j["cluster"] = {{"replicas", 6}, {"disaggregation", {{"ratio", "1:2"}, {"kv_transfer", {{"link", "roce_100g"}}}}}};
  w->editor()->json_text()->setPlainText(QString::fromStdString(j.dump(2)));
  KVSIM_JSON_COMPARE(w->document()->json(), j);
  QVERIFY(pools->isChecked());
  QCOMPARE(text_field(*w, "/cluster/disaggregation/ratio")->text(), QString("1:2"));
  QCOMPARE(choice_field(*w, "/cluster/disaggregation/kv_transfer/link")->currentText(), QString("roce_100g"));
  QCOMPARE(choice_field(*w, "/cluster/disaggregation/first_token")->currentIndex(), 0);  // absent: the default
  QCOMPARE(text_field(*w, "/cluster/disaggregation/prefill/replicas")->text(), QString());
  QCOMPARE(replicas->text(), QString("6"));
  QVERIFY(replicas->placeholderText().startsWith("required with a ratio"));
  j["cluster"].erase("disaggregation");
  w->editor()->json_text()->setPlainText(QString::fromStdString(j.dump(2)));
  QVERIFY(!pools->isChecked());
  QCOMPARE(text_field(*w, "/cluster/disaggregation/ratio")->text(), QString());
}

QTEST_MAIN(UserJourneysTest)
#include "test_user_journeys.moc"
