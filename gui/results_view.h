// The right half of the window: every chart of the shown runs (overlaid, one colour per run) in
// a grid, and the summary table with one column per run.
#pragma once
#include <vector>

#include <QWidget>

#include "chart_panel.h"
#include "run_record.h"
#include "summary_rows.h"

class QTabWidget;
class QTableWidget;
class QTimer;

namespace kvsim::gui {

class UserPrompts;

// The rows of a run's column in the summary table: what the run is (run_identity.h, section
// "run"), its SLO verdicts (section "SLOs"), then the figures `kvsim run` prints (summary_rows).
std::vector<SummaryRow> summary_table_rows(const RunSummary& summary);

// The background of an SLO's cell in the summary table (its text carries ✓ or ✗ as well).
extern const QColor kSloPassed, kSloFailed;

class ResultsView : public QWidget {
  Q_OBJECT

 public:
  ResultsView(UserPrompts* prompts, QWidget* parent = nullptr);

 signals:
  void redrawn();

 public:

  // Fills the table now and redraws the charts one per event-loop turn (see redrawing()).
  void show_runs(const std::vector<const RunRecord*>& runs);
  bool redrawing() const;
  // Draws the charts still waiting, now.
  void finish_redraw();
  const std::vector<ChartPanel*>& panels() const { return panels_; }
  ChartPanel* panel(const QString& id) const;
  QTableWidget* summary_table() const { return table_; }
  QTabWidget* tabs() const { return tabs_; }
  // The summary table as CSV: "section,figure,<run>,<run>,...".
  QString summary_csv() const;
  // The files export_all writes into `dir`: <id>.png and <id>.csv per chart, then
  // summary_table.csv. None of them is named like a results folder's files.
  QStringList export_paths(const QString& dir) const;
  // Writes export_paths(dir), each atomically. Returns the paths written; on failure sets `error`
  // and stops. It replaces files without asking: MainWindow::export_charts asks first.
  QStringList export_all(const QString& dir, QString* error);

 private:
  void fill_table(const std::vector<const RunRecord*>& runs);
  void redraw_next();
  UserPrompts* prompts_;
  QTabWidget* tabs_;
  QTableWidget* table_;
  std::vector<ChartPanel*> panels_;
  QTimer* redraw_timer_;
  std::vector<ChartData> pending_;  // what the panels from next_ on will show
  size_t next_ = 0;
};

}  // namespace kvsim::gui
