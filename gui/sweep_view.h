// The Sweep tab: opens a sweep's results folder (`kvsim sweep --out`'s points.jsonl, points.csv,
// sweep.json) or runs a sweep file into a folder, with progress and Cancel, and plots any metric
// (a summary field, as points.csv names it) against any axis, one line per value of another axis;
// the remaining axes are held at a chosen value or averaged (the seeds, by default). The sweep
// runs through the library call `kvsim sweep` makes (run_sweep with run_points_on_threads and its
// cancel flag) on a worker thread, so the folder it writes is the CLI's and resumes like it.
#pragma once
#include <atomic>
#include <memory>
#include <vector>

#include <QWidget>

#include "catalog/catalog.h"
#include "sweep_table.h"

class QComboBox;
class QFormLayout;
class QLabel;
class QProgressBar;
class QPushButton;
class QThread;

namespace kvsim::gui {

class ChartPanel;
class UserPrompts;

class SweepView : public QWidget {
  Q_OBJECT

 public:
  SweepView(const Catalog& catalog, UserPrompts* prompts, QWidget* parent = nullptr);
  ~SweepView() override;  // cancels a sweep in flight and waits for its worker

  // Reads a sweep folder on a worker thread (asks for one when `dir` is empty); `loaded` or an
  // error dialog follows.
  void open_folder(const QString& dir = QString());
  // Runs the sweep file `file` into `out_dir` (asks for each when empty) on `jobs` threads (0:
  // one per core); false when it could not start (one is running, or the user cancelled).
  bool run_sweep_file(const QString& file = QString(), const QString& out_dir = QString(), unsigned jobs = 0);
  void cancel();
  bool busy() const { return thread_ != nullptr; }

  const SweepTable& table() const { return table_; }
  const SweepSelection& selection() const { return selection_; }
  // Chooses what is plotted (each index as in the combo boxes' order: axes in sweep order).
  void select(const SweepSelection& selection);
  ChartPanel* chart() const { return chart_; }
  QComboBox* x_axis_box() const { return x_box_; }
  QComboBox* series_box() const { return series_box_; }   // item 0 is "(one line)"
  QComboBox* metric_box() const { return metric_box_; }
  // The chooser of axis `axis`'s fixed value (item 0 "average", then its values); nullptr for
  // the x and series axes.
  QComboBox* fixed_box(int axis) const;
  QProgressBar* progress_bar() const { return progress_; }
  QLabel* status_label() const { return status_; }
  QPushButton* cancel_button() const { return cancel_button_; }

 signals:
  void loaded();      // a folder's table is shown
  void sweep_ended(bool complete);  // a sweep run ended (complete, or cancelled / failed)

 private:
  void show_table(SweepTable table);
  void rebuild_choosers();
  void redraw();
  void read_choosers();
  void start_worker(std::function<void()> work);

  const Catalog& catalog_;
  UserPrompts* prompts_;
  SweepTable table_;
  SweepSelection selection_;
  ChartPanel* chart_;
  QComboBox *x_box_, *series_box_, *metric_box_;
  QFormLayout* fixed_layout_;
  std::vector<QComboBox*> fixed_boxes_;
  QProgressBar* progress_;
  QLabel* status_;
  QPushButton *open_button_, *run_button_, *cancel_button_;
  QThread* thread_ = nullptr;
  std::shared_ptr<std::atomic<bool>> cancel_;
  bool updating_ = false;
};

}  // namespace kvsim::gui
