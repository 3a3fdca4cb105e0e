// The runs kept for comparison: one line per run with its colour, a checkbox that shows it in the
// charts and the table, and its name (double-click to rename, e.g. "LRU" and "S3-FIFO").
#pragma once
#include <memory>
#include <vector>

#include <QWidget>

#include "run_record.h"

class QAction;
class QGridLayout;
class QListWidget;
class QToolButton;

namespace kvsim::gui {

// What the list says after a run's name: its identity (run_identity.h) and, when its scenario
// sets SLOs, "SLOs ✓ met" (drawn green) or "SLOs ✗ missed" (red).
QString run_list_line(const RunRecord& run);

class RunList : public QWidget {
  Q_OBJECT

 public:
  RunList(const QList<QAction*>& actions, QWidget* parent = nullptr);

  // Adds a run, shown, with the next colour; it becomes the current run.
  void add(std::shared_ptr<RunRecord> run);
  void remove(int index);
  int count() const { return static_cast<int>(runs_.size()); }
  const std::vector<std::shared_ptr<RunRecord>>& runs() const { return runs_; }
  std::shared_ptr<RunRecord> run(int index) const { return runs_.at(static_cast<size_t>(index)); }
  // The runs whose box is ticked, in list order.
  std::vector<const RunRecord*> shown() const;
  void set_shown(int index, bool shown);
  // The selected run (the last added when nothing was picked); -1 when the list is empty.
  int current() const;
  void rename(int index, const QString& name);
  // Marks runs whose files have not been saved anywhere.
  void refresh_labels();
  QListWidget* list() const { return list_; }

 signals:
  // The set of shown runs, a name or a colour changed: redraw.
  void shown_changed();
  void current_changed(int index);

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  // Lays the buttons out `columns` to a row.
  void arrange_buttons(int columns);

  QListWidget* list_;
  std::vector<QToolButton*> buttons_;
  QGridLayout* buttons_layout_ = nullptr;
  int button_columns_ = 0;
  std::vector<std::shared_ptr<RunRecord>> runs_;
  int next_color_ = 0;
  bool updating_ = false;
};

}  // namespace kvsim::gui
