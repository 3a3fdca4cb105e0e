#include "run_list.h"

#include <algorithm>

#include <QAction>
#include <QGridLayout>
#include <QResizeEvent>
#include <QLabel>
#include <QListWidget>
#include <QPainter>
#include <QPixmap>
#include <QToolButton>
#include <QStyledItemDelegate>
#include <QVBoxLayout>

#include "chart_data.h"
#include "run_identity.h"

namespace kvsim::gui {

namespace {

QIcon swatch(const QColor& color) {
  QPixmap pixmap(14, 14);
  pixmap.fill(Qt::transparent);
  QPainter p(&pixmap);
  p.setBrush(color);
  p.setPen(Qt::black);
  p.drawRect(1, 1, 12, 12);
  return QIcon(pixmap);
}

// The line after the run's name: what it is and whether it met its SLOs.
constexpr int kIdentityRole = Qt::UserRole + 1;

// Draws "name — identity"; editing (double-click) changes the name alone.
class RunItemDelegate : public QStyledItemDelegate {
 public:
  using QStyledItemDelegate::QStyledItemDelegate;

 protected:
  void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override {
    QStyledItemDelegate::initStyleOption(option, index);
    const QString identity = index.data(kIdentityRole).toString();
    if (!identity.isEmpty()) option->text += "  —  " + identity;
  }
};

}  // namespace

QString run_list_line(const RunRecord& run) {
  bool any = false;
  const bool passed = slos_passed(run.summary, &any);
  return run_identity(run.summary).one_line() + (any ? (passed ? " · SLOs ✓ met" : " · SLOs ✗ missed") : "");
}

RunList::RunList(const QList<QAction*>& actions, QWidget* parent) : QWidget(parent), list_(new QListWidget) {
  list_->setObjectName("runs");
  list_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
  list_->setItemDelegate(new RunItemDelegate(list_));
  auto* title = new QLabel("<b>Runs</b> (tick to compare; double-click to rename)");
  buttons_layout_ = new QGridLayout;
  buttons_layout_->setContentsMargins(0, 0, 0, 0);
  for (QAction* a : actions) {
    auto* b = new QToolButton;
    b->setDefaultAction(a);
    b->setToolButtonStyle(Qt::ToolButtonTextOnly);
    buttons_.push_back(b);
  }
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(title);
  layout->addWidget(list_, 1);
  layout->addLayout(buttons_layout_);
  title->setWordWrap(true);
  arrange_buttons(static_cast<int>(buttons_.size()));
  // As narrow as two buttons side by side: a narrow window puts them on two rows (resizeEvent).
  int widest_pair = 0;
  for (size_t i = 0; i + 1 < buttons_.size(); i += 2)
    widest_pair = std::max(widest_pair, buttons_[i]->sizeHint().width() + buttons_[i + 1]->sizeHint().width());
  setMinimumWidth(widest_pair + 16);

  connect(list_, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
    if (updating_) return;
    const int index = list_->row(item);
    if (index < 0 || index >= count()) return;
    const QString name = item->text().trimmed();
    if (!name.isEmpty() && name != runs_[static_cast<size_t>(index)]->name) runs_[static_cast<size_t>(index)]->name = name;
    refresh_labels();
    emit shown_changed();
  });
  connect(list_, &QListWidget::currentRowChanged, this, &RunList::current_changed);
}

void RunList::arrange_buttons(int columns) {
  if (columns == button_columns_) return;
  button_columns_ = columns;
  for (QToolButton* b : buttons_) buttons_layout_->removeWidget(b);
  for (size_t i = 0; i < buttons_.size(); ++i)
    buttons_layout_->addWidget(buttons_[i], static_cast<int>(i) / columns, static_cast<int>(i) % columns, Qt::AlignLeft);
  buttons_layout_->setColumnStretch(columns, 1);
}

void RunList::resizeEvent(QResizeEvent* event) {
  int one_row = 16;
  for (QToolButton* b : buttons_) one_row += b->sizeHint().width() + buttons_layout_->horizontalSpacing();
  arrange_buttons(event->size().width() >= one_row ? static_cast<int>(buttons_.size()) : 2);
  QWidget::resizeEvent(event);
}

void RunList::add(std::shared_ptr<RunRecord> run) {
  run->color = palette_color(static_cast<size_t>(next_color_++));
  runs_.push_back(std::move(run));
  updating_ = true;
  auto* item = new QListWidgetItem;
  item->setFlags(item->flags() | Qt::ItemIsUserCheckable | Qt::ItemIsEditable);
  item->setCheckState(Qt::Checked);
  list_->addItem(item);
  updating_ = false;
  refresh_labels();
  list_->setCurrentRow(count() - 1);
  emit shown_changed();
}

void RunList::remove(int index) {
  if (index < 0 || index >= count()) return;
  runs_.erase(runs_.begin() + index);
  updating_ = true;
  delete list_->takeItem(index);
  updating_ = false;
  emit shown_changed();
}

std::vector<const RunRecord*> RunList::shown() const {
  std::vector<const RunRecord*> shown;
  for (int i = 0; i < count(); ++i)
    if (list_->item(i)->checkState() == Qt::Checked) shown.push_back(runs_[static_cast<size_t>(i)].get());
  return shown;
}

void RunList::set_shown(int index, bool shown) {
  list_->item(index)->setCheckState(shown ? Qt::Checked : Qt::Unchecked);
}

int RunList::current() const {
  const int row = list_->currentRow();
  return row >= 0 ? row : count() - 1;
}

void RunList::rename(int index, const QString& name) {
  runs_.at(static_cast<size_t>(index))->name = name;
  refresh_labels();
  emit shown_changed();
}

void RunList::refresh_labels() {
  updating_ = true;
  for (int i = 0; i < count(); ++i) {
    const RunRecord& r = *runs_[static_cast<size_t>(i)];
    QListWidgetItem* item = list_->item(i);
    item->setText(r.name);
    item->setData(kIdentityRole, run_list_line(r));
    bool any = false;
    const bool passed = slos_passed(r.summary, &any);
    if (any) item->setForeground(passed ? QColor(0x1a7f1a) : QColor(0xb01010));
    item->setIcon(swatch(r.color));
    QString tip = r.saved_to.isEmpty() ? QString("not saved: File > Save results folder keeps it")
                                       : "results folder: " + r.saved_to;
    if (r.wall_seconds > 0) tip += QString("\nsimulated in %1 s wall, %2 events").arg(r.wall_seconds, 0, 'f', 2).arg(r.events);
    item->setToolTip(tip);
  }
  updating_ = false;
}

}  // namespace kvsim::gui
