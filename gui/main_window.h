// kvsim-gui's window: the scenario editor on the left, the results of the kept runs on the right,
// the runs list under them, and a status bar with the run's progress and a Cancel button. Every
// action is a public method too, so the tests drive the window as a user would, without dialogs
// (a path argument skips the file chooser; UserPrompts answers the questions).
#pragma once
#include <memory>

#include <QMainWindow>

#include "catalog/catalog.h"
#include "run_controller.h"
#include "run_record.h"
#include "user_prompts.h"
#include "validation.h"

class QAction;
class QLabel;
class QProgressBar;
class QPushButton;
class QSplitter;
class QTabWidget;

namespace kvsim::gui {

class ResultsView;
class RunList;
class ScenarioDocument;
class ScenarioEditor;
class PlanView;
class SweepView;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(std::unique_ptr<UserPrompts> prompts = make_dialog_prompts(), QWidget* parent = nullptr);
  ~MainWindow() override;

  ScenarioDocument* document() const { return document_; }
  ScenarioEditor* editor() const { return editor_; }
  RunList* runs() const { return runs_; }
  ResultsView* results() const { return results_; }
  RunController* controller() const { return controller_; }
  // The top-level tabs: "Scenario and runs", "Sweep", "Plan".
  QTabWidget* views() const { return views_; }
  SweepView* sweep_view() const { return sweep_; }
  PlanView* plan_view() const { return plan_; }
  QProgressBar* progress_bar() const { return progress_; }
  QLabel* progress_label() const { return progress_label_; }
  QPushButton* cancel_button() const { return cancel_button_; }
  QAction* run_action() const { return run_action_; }
  QAction* save_as_action() const { return save_as_action_; }
  QAction* undo_action() const { return undo_action_; }
  QAction* redo_action() const { return redo_action_; }
  UserPrompts* prompts() const { return prompts_.get(); }
  const Catalog& catalog() const { return catalog_; }

  // File > New: the template scenario (asks before discarding unsaved edits).
  void new_scenario();
  // File > Open: asks for a file when `path` is empty; false when nothing was opened.
  bool open_scenario(const QString& path = QString());
  bool save_scenario();
  bool save_scenario_as(const QString& path = QString());
  // Run > Run: starts the edited scenario on a worker thread; false when it could not start.
  bool start_run();
  void cancel_run();
  // Opens a results folder (`kvsim run --out`'s) as a kept run, read on a worker thread.
  void open_results(const QString& dir = QString());
  // Saves the current run's folder exactly as `kvsim run --out` writes it.
  bool save_results(const QString& dir = QString());
  // Every chart as PNG and CSV, and the summary table, into a folder.
  bool export_charts(const QString& dir = QString());
  // Loads the current run's scenario (as run) into the editor.
  void edit_run_scenario();
  void remove_run();
  // Asks what to do with unsaved edits; true when the document may be replaced.
  bool maybe_discard_changes();
  // The window's size, position and splitters, kept in the user's settings (QSettings) when the
  // window closes and restored when the next one opens; a window that has none fits the screen.
  void save_window_state() const;
  void restore_window_state();

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void build_actions();
  void build_layout();
  void fit_to_screen();
  void update_title();
  void update_actions();
  void redraw_results();
  void on_run_started(const RunExtent& extent);
  void on_run_progress(const Progress& p);
  void on_run_finished(std::shared_ptr<RunRecord> run);
  void on_run_failed(const QString& message, const std::vector<Issue>& issues);
  void on_run_cancelled();
  void end_progress(const QString& message);
  QString suggested_dir() const;

  Catalog catalog_;
  std::unique_ptr<UserPrompts> prompts_;
  ScenarioDocument* document_;
  ScenarioEditor* editor_;
  RunList* runs_;
  ResultsView* results_;
  RunController* controller_;
  QTabWidget* views_ = nullptr;
  SweepView* sweep_ = nullptr;
  PlanView* plan_ = nullptr;
  QSplitter* main_splitter_ = nullptr;
  QSplitter* results_splitter_ = nullptr;
  QProgressBar* progress_;
  QLabel* progress_label_;
  QPushButton* cancel_button_;
  QAction *new_action_, *open_action_, *save_action_, *save_as_action_, *quit_action_;
  QAction *undo_action_, *redo_action_;
  QAction *run_action_, *cancel_action_, *validate_action_;
  QAction *open_results_action_, *save_results_action_, *export_action_, *edit_run_action_, *remove_run_action_;
  int run_counter_ = 0;
  RunExtent extent_;
  Progress last_progress_;
};

}  // namespace kvsim::gui
