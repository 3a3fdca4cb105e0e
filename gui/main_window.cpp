#include "main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QToolBar>

#include "core/error.h"
#include "results_folder.h"
#include "results_view.h"
#include "run_list.h"
#include "scenario_document.h"
#include "scenario_editor.h"
#include "scenario_template.h"
#include "plan_view.h"
#include "sweep_view.h"

namespace kvsim::gui {

namespace {

QString scenario_name(const Json& j) {
  if (j.is_object() && j.contains("name") && j["name"].is_string() && !j["name"].get<std::string>().empty())
    return QString::fromStdString(j["name"].get<std::string>());
  return "unnamed";
}

}  // namespace

MainWindow::MainWindow(std::unique_ptr<UserPrompts> prompts, QWidget* parent)
    : QMainWindow(parent),
      catalog_(Catalog::open_default()),
      prompts_(std::move(prompts)),
      document_(new ScenarioDocument(this)),
      editor_(nullptr),
      runs_(nullptr),
      results_(nullptr),
      controller_(new RunController(catalog_, this)),
      progress_(new QProgressBar),
      progress_label_(new QLabel),
      cancel_button_(new QPushButton("Cancel")) {
  document_->reset(new_scenario_template(catalog_), QString());
  build_actions();
  build_layout();

  connect(document_, &ScenarioDocument::dirty_changed, this, &MainWindow::update_title);
  connect(document_, &ScenarioDocument::path_changed, this, &MainWindow::update_title);
  connect(document_, &ScenarioDocument::history_changed, this, &MainWindow::update_actions);
  connect(controller_, &RunController::run_started, this, &MainWindow::on_run_started);
  connect(controller_, &RunController::run_progress, this, &MainWindow::on_run_progress);
  connect(controller_, &RunController::run_extent_known, this, &MainWindow::on_run_started);
  connect(controller_, &RunController::run_finished, this, &MainWindow::on_run_finished);
  connect(controller_, &RunController::run_failed, this, &MainWindow::on_run_failed);
  connect(controller_, &RunController::run_cancelled, this, &MainWindow::on_run_cancelled);
  connect(controller_, &RunController::folder_loaded, this, [this](std::shared_ptr<RunRecord> run) {
    runs_->add(std::move(run));
    statusBar()->showMessage("Opened " + runs_->run(runs_->count() - 1)->folder, 5000);
    update_actions();
  });
  connect(controller_, &RunController::folder_failed, this, [this](const QString& message) {
    prompts_->show_error(this, "Cannot open the results folder", message);
  });
  connect(runs_, &RunList::shown_changed, this, &MainWindow::redraw_results);
  connect(runs_, &RunList::current_changed, this, &MainWindow::update_actions);
  update_title();
  update_actions();
  restore_window_state();
}

MainWindow::~MainWindow() {
  // The workers (runs, validation, sweeps, plans) use the catalog, a member destroyed before the
  // child objects that own them: those cancel and wait for their workers now, while it is alive.
  delete controller_;
  delete views_;
}

void MainWindow::build_actions() {
  const auto action = [this](const QString& text, const QKeySequence& key, const QString& tip, auto slot) {
    auto* a = new QAction(text, this);
    if (!key.isEmpty()) a->setShortcut(key);
    a->setToolTip(tip);
    a->setStatusTip(tip);
    connect(a, &QAction::triggered, this, slot);
    return a;
  };
  // The platform's keys, and the ones every Linux desktop user expects: Qt's generic X11 bindings
  // have no Save As, and Redo differs between desktops.
  const auto keys = [](QKeySequence::StandardKey standard, std::initializer_list<QKeySequence> extra) {
    QList<QKeySequence> list = QKeySequence::keyBindings(standard);
    for (const QKeySequence& k : extra)
      if (!list.contains(k)) list << k;
    return list;
  };
  new_action_ = action("&New scenario", QKeySequence::New, "Start from the template scenario", [this] { new_scenario(); });
  open_action_ = action("&Open scenario…", QKeySequence::Open, "Open a scenario JSON file", [this] { open_scenario(); });
  save_action_ = action("&Save scenario", QKeySequence::Save, "Save the scenario", [this] { save_scenario(); });
  save_as_action_ = action("Save scenario &as…", QKeySequence::SaveAs, "Save the scenario under a new name",
                           [this] { save_scenario_as(); });
  save_as_action_->setShortcuts(keys(QKeySequence::SaveAs, {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S)}));
  quit_action_ = action("&Quit", QKeySequence::Quit, "Quit kvsim-gui", [this] { close(); });
  quit_action_->setShortcuts(keys(QKeySequence::Quit, {QKeySequence(Qt::CTRL | Qt::Key_Q)}));
  undo_action_ = action("&Undo", QKeySequence(), "Undo the last edit of the scenario", [this] { document_->undo(); });
  undo_action_->setShortcuts(keys(QKeySequence::Undo, {QKeySequence(Qt::CTRL | Qt::Key_Z)}));
  redo_action_ = action("&Redo", QKeySequence(), "Redo the edit undone last", [this] { document_->redo(); });
  redo_action_->setShortcuts(
      keys(QKeySequence::Redo, {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence(Qt::CTRL | Qt::Key_Y)}));
  run_action_ = action("&Run", QKeySequence(Qt::CTRL | Qt::Key_R), "Simulate the scenario (a worker thread runs it)",
                       [this] { start_run(); });
  cancel_action_ = action("&Cancel run", QKeySequence(Qt::Key_Escape), "Stop the run in progress",
                          [this] { cancel_run(); });
  validate_action_ = action("&Validate", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_V),
                            "Check the scenario as `kvsim validate` does", [this] { editor_->validate_now(); });
  open_results_action_ = action("Open results folder…", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O),
                                "Open a folder written by `kvsim run --out` without rerunning",
                                [this] { open_results(); });
  save_results_action_ = action("Save results folder…", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E),
                                "Save the selected run as `kvsim run --out` writes it", [this] { save_results(); });
  export_action_ = action("Export charts…", QKeySequence(), "Every chart as PNG and CSV, and the summary table",
                          [this] { export_charts(); });
  edit_run_action_ = action("Edit its scenario", QKeySequence(), "Load the selected run's scenario into the editor",
                            [this] { edit_run_scenario(); });
  remove_run_action_ = action("Remove", QKeySequence(), "Remove the selected run from the comparison",
                              [this] { remove_run(); });
  run_action_->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
  cancel_action_->setIcon(style()->standardIcon(QStyle::SP_MediaStop));

  QMenu* file = menuBar()->addMenu("&File");
  file->addActions({new_action_, open_action_, save_action_, save_as_action_});
  file->addSeparator();
  file->addActions({open_results_action_, save_results_action_, export_action_});
  file->addSeparator();
  file->addAction(quit_action_);
  QMenu* edit = menuBar()->addMenu("&Edit");
  edit->addActions({undo_action_, redo_action_});
  QMenu* run = menuBar()->addMenu("&Run");
  run->addActions({run_action_, cancel_action_, validate_action_});
  QMenu* runs = menuBar()->addMenu("R&esults");
  runs->addActions({open_results_action_, save_results_action_, export_action_, edit_run_action_, remove_run_action_});

  QToolBar* bar = addToolBar("Main");
  bar->setObjectName("main_toolbar");
  bar->setMovable(false);
  bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  bar->addActions({new_action_, open_action_, save_action_});
  bar->addSeparator();
  bar->addActions({run_action_, cancel_action_});
  bar->addSeparator();
  bar->addActions({open_results_action_, save_results_action_, export_action_});
}

void MainWindow::build_layout() {
  editor_ = new ScenarioEditor(document_, catalog_, prompts_.get());
  results_ = new ResultsView(prompts_.get());
  runs_ = new RunList({open_results_action_, save_results_action_, edit_run_action_, remove_run_action_});

  auto* right = new QSplitter(Qt::Vertical);
  right->setObjectName("results_splitter");
  right->addWidget(results_);
  right->addWidget(runs_);
  right->setStretchFactor(0, 5);
  right->setStretchFactor(1, 1);
  right->setChildrenCollapsible(false);
  auto* main = new QSplitter(Qt::Horizontal);
  main->setObjectName("main_splitter");
  main->addWidget(editor_);
  main->addWidget(right);
  // A wider window widens the charts more than the form.
  main->setStretchFactor(0, 1);
  main->setStretchFactor(1, 3);
  main->setChildrenCollapsible(false);
  main_splitter_ = main;
  results_splitter_ = right;
  // The single runs, a sweep's results and the planner, one tab each.
  views_ = new QTabWidget;
  views_->setObjectName("views");
  views_->setDocumentMode(true);
  views_->addTab(main, "Scenario and runs");
  sweep_ = new SweepView(catalog_, prompts_.get());
  views_->addTab(sweep_, "Sweep");
  plan_ = new PlanView(catalog_, prompts_.get());
  plan_->editor_scenario = [this] {
    return std::make_pair(nlohmann::json(document_->json()), QString::fromStdString(document_->base_dir()));
  };
  // A candidate clicked in the Plan tab: its scenario runs in the editor and the results views.
  connect(plan_, &PlanView::candidate_opened, this, [this](const nlohmann::json& scenario, const QString&) {
    if (!maybe_discard_changes()) return;
    document_->reset(Json(scenario), QString());
    views_->setCurrentIndex(0);
    start_run();
  });
  views_->addTab(plan_, "Plan");
  setCentralWidget(views_);

  // The status line shrinks with the window (its full text is in the tooltip), so that the
  // progress bar and Cancel stay on screen.
  progress_label_->setMinimumWidth(60);
  progress_label_->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
  progress_->setMaximumWidth(260);
  progress_->setMinimumWidth(80);
  progress_->setTextVisible(true);
  progress_->hide();
  cancel_button_->hide();
  cancel_button_->setToolTip("Stop the run; nothing of it is kept");
  connect(cancel_button_, &QPushButton::clicked, this, &MainWindow::cancel_run);
  statusBar()->addPermanentWidget(progress_label_);
  statusBar()->addPermanentWidget(progress_);
  statusBar()->addPermanentWidget(cancel_button_);
}

namespace {

constexpr int kPreferredWidth = 1600, kPreferredHeight = 1000;

QSettings window_settings() { return QSettings("kvsim", "kvsim-gui"); }

}  // namespace

void MainWindow::fit_to_screen() {
  const QScreen* s = screen();
  const QRect available = s != nullptr ? s->availableGeometry() : QRect(0, 0, kPreferredWidth, kPreferredHeight);
  // The frame (title bar, borders) comes on top of the size: leave it room.
  const QSize size(std::min(kPreferredWidth, available.width() * 92 / 100),
                   std::min(kPreferredHeight, available.height() * 88 / 100));
  resize(size.expandedTo(minimumSizeHint()).boundedTo(available.size()));
  move(available.topLeft() + QPoint((available.width() - width()) / 2, (available.height() - height()) / 3));
  // The editor takes about a third, never less than its fields need to be readable.
  const int editor = std::clamp(width() * 32 / 100, 360, 560);
  main_splitter_->setSizes({editor, std::max(1, width() - editor)});
}

void MainWindow::restore_window_state() {
  fit_to_screen();
  const QSettings settings = window_settings();
  // restoreGeometry moves a window saved on a screen that is gone back onto this one.
  if (restoreGeometry(settings.value("window/geometry").toByteArray())) {
    main_splitter_->restoreState(settings.value("window/main_splitter").toByteArray());
    results_splitter_->restoreState(settings.value("window/results_splitter").toByteArray());
  }
}

void MainWindow::save_window_state() const {
  QSettings settings = window_settings();
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/main_splitter", main_splitter_->saveState());
  settings.setValue("window/results_splitter", results_splitter_->saveState());
}

void MainWindow::update_title() {
  setWindowTitle(document_->display_name() + "[*] — kvsim-gui");
  setWindowModified(document_->dirty());
}

void MainWindow::update_actions() {
  const bool busy = controller_->busy();
  const bool has_run = runs_ != nullptr && runs_->count() > 0;
  undo_action_->setEnabled(document_->can_undo());
  redo_action_->setEnabled(document_->can_redo());
  run_action_->setEnabled(!busy);
  cancel_action_->setEnabled(busy);
  save_results_action_->setEnabled(has_run);
  export_action_->setEnabled(has_run);
  edit_run_action_->setEnabled(has_run);
  remove_run_action_->setEnabled(has_run);
}

void MainWindow::redraw_results() {
  results_->show_runs(runs_->shown());
  update_actions();
}

QString MainWindow::suggested_dir() const {
  return document_->path().isEmpty() ? QDir::currentPath() : QFileInfo(document_->path()).absolutePath();
}

// ---- scenario files -----------------------------------------------------------------------------

bool MainWindow::maybe_discard_changes() {
  // Text the JSON tab cannot parse is not in the document: it can only be kept by fixing it.
  const QString json_error = editor_->json_error();
  if (!json_error.isEmpty() &&
      !prompts_->confirm(this, "Discard the JSON text?",
                         "The JSON tab's text has a syntax error (" + json_error +
                             ") and cannot be saved. Discard that text?"))
    return false;
  if (!document_->dirty()) return true;
  switch (prompts_->ask_save_changes(this, document_->display_name())) {
    case UserPrompts::SaveChoice::kSave: return save_scenario();
    case UserPrompts::SaveChoice::kDiscard: return true;
    case UserPrompts::SaveChoice::kCancel: return false;
  }
  return false;
}

void MainWindow::new_scenario() {
  if (!maybe_discard_changes()) return;
  document_->reset(new_scenario_template(catalog_), QString());
}

bool MainWindow::open_scenario(const QString& path) {
  if (!maybe_discard_changes()) return false;
  const QString file =
      path.isEmpty() ? prompts_->open_file(this, "Open scenario", suggested_dir(), "Scenarios (*.json);;All files (*)")
                     : path;
  if (file.isEmpty()) return false;
  QString error;
  if (!document_->load(file, &error)) {
    prompts_->show_error(this, "Cannot open the scenario", error);
    return false;
  }
  statusBar()->showMessage("Opened " + file, 5000);
  return true;
}

bool MainWindow::save_scenario() {
  if (document_->path().isEmpty()) return save_scenario_as();
  return save_scenario_as(document_->path());
}

bool MainWindow::save_scenario_as(const QString& path) {
  const QString json_error = editor_->json_error();
  if (!json_error.isEmpty()) {
    prompts_->show_error(this, "The scenario has a JSON syntax error",
                         "Fix the JSON tab before saving (the file would get the last valid version):\n" + json_error);
    return false;
  }
  QString file = path;
  if (file.isEmpty()) {
    const QString suggested = QDir(suggested_dir()).filePath(scenario_name(document_->json()) + ".json");
    file = prompts_->save_file(this, "Save scenario", suggested, "Scenarios (*.json)");
  }
  if (file.isEmpty()) return false;
  QString error;
  if (!document_->save(file, &error)) {
    prompts_->show_error(this, "Cannot save the scenario", error);
    return false;
  }
  statusBar()->showMessage("Saved " + file, 5000);
  return true;
}

// ---- runs ---------------------------------------------------------------------------------------

bool MainWindow::start_run() {
  if (controller_->busy()) return false;
  const QString json_error = editor_->json_error();
  if (!json_error.isEmpty()) {
    prompts_->show_error(this, "The scenario has a JSON syntax error",
                         "Fix the JSON tab before running:\n" + json_error);
    return false;
  }
  const QString name = scenario_name(document_->json()) + " #" + QString::number(++run_counter_);
  if (!controller_->start(document_->json(), document_->base_dir(), document_->where(), name)) return false;
  extent_ = RunExtent{};
  last_progress_ = Progress{};
  progress_->setRange(0, 0);
  progress_->setValue(0);
  progress_->show();
  cancel_button_->show();
  progress_label_->setText("starting " + name + "…");
  update_actions();
  return true;
}

void MainWindow::cancel_run() {
  if (!controller_->busy()) return;
  controller_->cancel();
  progress_label_->setText("cancelling…");
}

void MainWindow::on_run_started(const RunExtent& extent) {
  extent_ = extent;
  // Per mille of the requests or of the simulated time; open-ended: a busy indicator.
  progress_->setRange(0, extent.requests > 0 || extent.duration_s > 0 ? 1000 : 0);
  if (last_progress_.wall_s > 0) on_run_progress(last_progress_);
}

void MainWindow::on_run_progress(const Progress& p) {
  last_progress_ = p;
  const double done = fraction_done(p, extent_);
  if (done >= 0) progress_->setValue(static_cast<int>(1000 * done));
  const QString text = describe_progress(p, extent_);
  progress_label_->setText(text);
  progress_label_->setToolTip(text);
}

void MainWindow::end_progress(const QString& message) {
  progress_->hide();
  cancel_button_->hide();
  progress_label_->setText(message);
  update_actions();
}

void MainWindow::on_run_finished(std::shared_ptr<RunRecord> run) {
  const QString message = QString("%1 finished: %2 s simulated in %3 s")
                              .arg(run->name)
                              .arg(run->summary.simulated_seconds, 0, 'f', 1)
                              .arg(run->wall_seconds, 0, 'f', 2);
  runs_->add(std::move(run));
  end_progress(message);
}

void MainWindow::on_run_failed(const QString& message, const std::vector<Issue>& issues) {
  end_progress("the run did not complete");
  editor_->show_issues(issues, "✘ the run stopped: see the messages below");
  prompts_->show_error(this, "The run did not complete", message);
}

void MainWindow::on_run_cancelled() { end_progress("run cancelled; nothing was kept"); }

// ---- results ------------------------------------------------------------------------------------

void MainWindow::open_results(const QString& dir) {
  const QString folder = dir.isEmpty() ? prompts_->choose_folder(this, "Open results folder", suggested_dir()) : dir;
  if (folder.isEmpty()) return;
  controller_->load_folder(folder);
}

bool MainWindow::save_results(const QString& dir) {
  const int index = runs_->current();
  if (index < 0) {
    prompts_->show_error(this, "No run to save", "Run a scenario or open a results folder first.");
    return false;
  }
  std::shared_ptr<RunRecord> run = runs_->run(index);
  const QString folder = dir.isEmpty() ? prompts_->choose_folder(this, "Save results folder for " + run->name,
                                                                 suggested_dir())
                                       : dir;
  if (folder.isEmpty()) return false;
  if (is_results_folder(folder.toStdString()) && QFileInfo(folder) != QFileInfo(run->folder) &&
      !prompts_->confirm(this, "Replace results?", folder + " already holds a run's results. Replace them?"))
    return false;
  try {
    copy_results_folder(run->folder.toStdString(), folder.toStdString());
  } catch (const std::exception& e) {
    prompts_->show_error(this, "Results not saved", QString::fromStdString(e.what()));
    return false;
  }
  run->saved_to = QDir(folder).absolutePath();
  runs_->refresh_labels();
  statusBar()->showMessage("Saved " + run->name + " to " + run->saved_to, 5000);
  return true;
}

bool MainWindow::export_charts(const QString& dir) {
  const QString folder = dir.isEmpty() ? prompts_->choose_folder(this, "Export charts to", suggested_dir()) : dir;
  if (folder.isEmpty()) return false;
  // Nothing is replaced without asking: a results folder's own files are never among the names
  // written, and any other file already there is listed in the question.
  QStringList existing;
  for (const QString& path : results_->export_paths(folder))
    if (QFileInfo::exists(path)) existing << QFileInfo(path).fileName();
  if (!existing.isEmpty()) {
    const QString where = is_results_folder(folder.toStdString())
                              ? folder + " is a run's results folder (its summary.json, requests.csv and "
                                         "timeseries.csv stay as they are). "
                              : QString();
    const QString shown = existing.size() > 8 ? existing.mid(0, 8).join(", ") + QString(" and %1 more").arg(existing.size() - 8)
                                              : existing.join(", ");
    if (!prompts_->confirm(this, "Replace exported files?",
                           where + QString("%1 file(s) of an earlier export are in %2: %3. Replace them?")
                                       .arg(existing.size())
                                       .arg(folder, shown)))
      return false;
  }
  QString error;
  const QStringList written = results_->export_all(folder, &error);
  if (!error.isEmpty()) {
    prompts_->show_error(this, "Charts not exported", error);
    return false;
  }
  statusBar()->showMessage(QString("Wrote %1 files to %2").arg(written.size()).arg(folder), 5000);
  return true;
}

void MainWindow::edit_run_scenario() {
  const int index = runs_->current();
  if (index < 0) return;
  const RunRecord& run = *runs_->run(index);
  Json scenario = run.scenario;  // the keys in the order the user wrote them
  if (!scenario.is_object() && run.summary.scenario.is_object()) scenario = Json(run.summary.scenario);
  if (!scenario.is_object()) {
    prompts_->show_error(this, "No scenario", run.name + "'s summary does not record its scenario.");
    return;
  }
  if (!maybe_discard_changes()) return;
  // A new document with nothing to save yet: it is the run's scenario, which the run keeps. (The
  // run's folder is not where the scenario came from, so it has no file.)
  document_->reset(scenario, QString());
}

void MainWindow::remove_run() {
  const int index = runs_->current();
  if (index < 0) return;
  const RunRecord& run = *runs_->run(index);
  if (run.saved_to.isEmpty() &&
      !prompts_->confirm(this, "Remove run?", run.name + " has not been saved to a folder. Remove it anyway?"))
    return;
  runs_->remove(index);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (!maybe_discard_changes()) {
    event->ignore();
    return;
  }
  int unsaved = 0;
  for (const auto& r : runs_->runs()) unsaved += r->saved_to.isEmpty();
  if (unsaved > 0 && !prompts_->confirm(this, "Quit?",
                                        QString("%1 run(s) have not been saved to a results folder and will be "
                                                "lost. Quit anyway?")
                                            .arg(unsaved))) {
    event->ignore();
    return;
  }
  if (controller_->busy()) controller_->cancel();
  save_window_state();
  event->accept();
}

}  // namespace kvsim::gui
