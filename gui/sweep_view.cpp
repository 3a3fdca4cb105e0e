#include "sweep_view.h"

#include <thread>

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QThread>
#include <QVBoxLayout>

#include "chart_panel.h"
#include "core/error.h"
#include "plan/sweep_runner.h"
#include "user_prompts.h"

namespace kvsim::gui {

SweepView::SweepView(const Catalog& catalog, UserPrompts* prompts, QWidget* parent)
    : QWidget(parent),
      catalog_(catalog),
      prompts_(prompts),
      chart_(new ChartPanel(prompts)),
      x_box_(new QComboBox),
      series_box_(new QComboBox),
      metric_box_(new QComboBox),
      fixed_layout_(new QFormLayout),
      progress_(new QProgressBar),
      status_(new QLabel("Open a sweep folder (kvsim sweep --out) or run a sweep file.")),
      open_button_(new QPushButton("Open sweep folder…")),
      run_button_(new QPushButton("Run sweep file…")),
      cancel_button_(new QPushButton("Cancel")) {
  setObjectName("sweep_view");
  chart_->setObjectName("sweep_chart");
  x_box_->setObjectName("sweep_x_axis");
  series_box_->setObjectName("sweep_series_axis");
  metric_box_->setObjectName("sweep_metric");
  metric_box_->setMaxVisibleItems(30);
  status_->setWordWrap(true);
  progress_->hide();
  cancel_button_->hide();
  connect(open_button_, &QPushButton::clicked, this, [this] { open_folder(); });
  connect(run_button_, &QPushButton::clicked, this, [this] { run_sweep_file(); });
  connect(cancel_button_, &QPushButton::clicked, this, &SweepView::cancel);

  for (QPushButton* b : {open_button_, run_button_, cancel_button_}) b->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
  auto* top = new QHBoxLayout;
  top->addWidget(open_button_);
  top->addWidget(run_button_);
  top->addWidget(progress_, 1);
  top->addWidget(cancel_button_);
  top->addStretch(0);
  auto* choose = new QFormLayout;
  choose->addRow("x axis", x_box_);
  choose->addRow("one line per", series_box_);
  choose->addRow("metric", metric_box_);
  auto* left = new QVBoxLayout;
  left->addLayout(choose);
  left->addWidget(new QLabel("<b>Other axes</b> (a value, or the average over all)"));
  left->addLayout(fixed_layout_);
  left->addStretch(1);
  auto* body = new QHBoxLayout;
  body->addLayout(left, 1);
  body->addWidget(chart_, 3);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(status_);
  layout->addLayout(body, 1);

  for (QComboBox* box : {x_box_, series_box_})
    connect(box, &QComboBox::currentIndexChanged, this, [this] {
      if (updating_) return;
      read_choosers();
      rebuild_choosers();
      redraw();
    });
  connect(metric_box_, &QComboBox::currentIndexChanged, this, [this] {
    if (updating_) return;
    read_choosers();
    redraw();
  });
}

SweepView::~SweepView() {
  if (cancel_) cancel_->store(true);
  if (thread_) thread_->wait();
}

QComboBox* SweepView::fixed_box(int axis) const {
  return axis >= 0 && static_cast<size_t>(axis) < fixed_boxes_.size() ? fixed_boxes_[static_cast<size_t>(axis)] : nullptr;
}

void SweepView::start_worker(std::function<void()> work) {
  thread_ = QThread::create(std::move(work));
  thread_->setParent(this);  // deleted with the view (after its destructor waits) if not before
  connect(thread_, &QThread::finished, this, [this] {
    thread_->deleteLater();
    thread_ = nullptr;
    open_button_->setEnabled(true);
    run_button_->setEnabled(true);
  });
  open_button_->setEnabled(false);
  run_button_->setEnabled(false);
  thread_->start();
}

void SweepView::open_folder(const QString& dir_in) {
  if (busy()) return;
  const QString dir = dir_in.isEmpty() ? prompts_->choose_folder(this, "Open sweep folder", QString()) : dir_in;
  if (dir.isEmpty()) return;
  status_->setText("Reading " + dir + " …");
  start_worker([this, dir] {
    try {
      auto table = std::make_shared<SweepTable>(load_sweep_table(dir));
      QMetaObject::invokeMethod(this, [this, table] { show_table(std::move(*table)); }, Qt::QueuedConnection);
    } catch (const std::exception& e) {
      const QString message = QString::fromStdString(e.what());
      QMetaObject::invokeMethod(
          this,
          [this, message] {
            status_->setText("Not opened: " + message);
            prompts_->show_error(this, "Cannot open the sweep folder", message);
          },
          Qt::QueuedConnection);
    }
  });
}

bool SweepView::run_sweep_file(const QString& file_in, const QString& dir_in, unsigned jobs) {
  if (busy()) return false;
  const QString file =
      file_in.isEmpty() ? prompts_->open_file(this, "Run sweep file", QString(), "Sweep files (*.json)") : file_in;
  if (file.isEmpty()) return false;
  const QString dir = dir_in.isEmpty() ? prompts_->choose_folder(this, "Write the sweep's results into", QString()) : dir_in;
  if (dir.isEmpty()) return false;
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
  cancel_ = std::make_shared<std::atomic<bool>>(false);
  progress_->setRange(0, 0);
  progress_->show();
  cancel_button_->show();
  cancel_button_->setEnabled(true);
  status_->setText("Starting the sweep " + file + " …");
  start_worker([this, file, dir, jobs, cancel = cancel_] {
    QString message;
    bool complete = false, cancelled = false;
    try {
      const SweepSpec spec = load_sweep(file.toStdString());
      SweepOptions options;
      options.out_dir = dir.toStdString();
      options.cancel = cancel.get();
      options.on_progress = [this](const SweepProgress& p) {
        QMetaObject::invokeMethod(
            this,
            [this, p] {
              progress_->setRange(0, static_cast<int>(p.total));
              progress_->setValue(static_cast<int>(p.done));
              const double rate = p.wall_s > 0 ? static_cast<double>(p.ran) / p.wall_s : 0;
              QString text = QString("%1/%2 points (%3 failed) · %4 points/s").arg(p.done).arg(p.total).arg(p.failed).arg(rate, 0, 'f', 1);
              if (rate > 0) text += QString(" · about %1 s left").arg(static_cast<double>(p.total - p.done) / rate, 0, 'f', 0);
              status_->setText(text);
            },
            Qt::QueuedConnection);
      };
      const SweepOutcome outcome = run_sweep(spec, options, run_points_on_threads(spec, catalog_, jobs, cancel.get()));
      complete = outcome.complete;
      cancelled = cancel->load() && !complete;
      message = QString("%1 of %2 points have results (%3 failed)%4")
                    .arg(outcome.progress.done)
                    .arg(outcome.progress.total)
                    .arg(outcome.progress.failed)
                    .arg(cancelled ? "; cancelled: running the same sweep into the folder again resumes it" : "");
    } catch (const std::exception& e) {
      message = QString::fromStdString(e.what());
      QMetaObject::invokeMethod(
          this, [this, message] { prompts_->show_error(this, "The sweep did not run", message); }, Qt::QueuedConnection);
    }
    std::shared_ptr<SweepTable> table;
    try {
      table = std::make_shared<SweepTable>(load_sweep_table(dir));
    } catch (const std::exception&) {
      // Nothing ran (an invalid sweep file): there is no folder to show.
    }
    QMetaObject::invokeMethod(
        this,
        [this, table, message, complete] {
          progress_->hide();
          cancel_button_->hide();
          if (table) show_table(std::move(*table));
          status_->setText(message);
          emit sweep_ended(complete);
        },
        Qt::QueuedConnection);
    (void)cancelled;
  });
  return true;
}

void SweepView::cancel() {
  if (!cancel_) return;
  cancel_->store(true);
  cancel_button_->setEnabled(false);
  status_->setText("Cancelling: the points in flight stop …");
}

void SweepView::show_table(SweepTable table) {
  table_ = std::move(table);
  selection_ = default_selection(table_);
  status_->setText(QString("%1: %2 points, %3 with results, %4 failed")
                       .arg(table_.name.isEmpty() ? table_.dir : table_.name)
                       .arg(table_.points.size())
                       .arg(table_.done)
                       .arg(table_.failed));
  updating_ = true;
  x_box_->clear();
  series_box_->clear();
  series_box_->addItem("(one line)");
  for (const SweepTableAxis& axis : table_.axes) {
    x_box_->addItem(axis.label);
    series_box_->addItem(axis.label);
  }
  metric_box_->clear();
  for (const std::string& m : table_.metrics) metric_box_->addItem(QString::fromStdString(m));
  updating_ = false;
  select(selection_);
  emit loaded();
}

void SweepView::select(const SweepSelection& selection) {
  selection_ = selection;
  selection_.fixed.resize(table_.axes.size(), 0);
  updating_ = true;
  x_box_->setCurrentIndex(selection_.x_axis);
  series_box_->setCurrentIndex(selection_.series_axis + 1);
  metric_box_->setCurrentIndex(metric_box_->findText(QString::fromStdString(selection_.metric)));
  updating_ = false;
  rebuild_choosers();
  redraw();
}

void SweepView::read_choosers() {
  selection_.x_axis = x_box_->currentIndex();
  selection_.series_axis = series_box_->currentIndex() - 1;
  if (metric_box_->currentIndex() >= 0) selection_.metric = metric_box_->currentText().toStdString();
  for (size_t a = 0; a < fixed_boxes_.size(); ++a)
    if (fixed_boxes_[a]) selection_.fixed[a] = fixed_boxes_[a]->currentIndex() - 1;
}

void SweepView::rebuild_choosers() {
  while (fixed_layout_->rowCount() > 0) fixed_layout_->removeRow(0);
  fixed_boxes_.assign(table_.axes.size(), nullptr);
  for (size_t a = 0; a < table_.axes.size(); ++a) {
    if (static_cast<int>(a) == selection_.x_axis || static_cast<int>(a) == selection_.series_axis) continue;
    const SweepTableAxis& axis = table_.axes[a];
    auto* box = new QComboBox;
    box->setObjectName(QString("sweep_fixed_%1").arg(a));
    box->addItem("average");
    for (size_t i = 0; i < axis.values.size(); ++i) box->addItem(axis.value_text(i));
    box->setCurrentIndex(selection_.fixed[a] + 1);
    connect(box, &QComboBox::currentIndexChanged, this, [this] {
      read_choosers();
      redraw();
    });
    fixed_layout_->addRow(axis.label, box);
    fixed_boxes_[a] = box;
  }
}

void SweepView::redraw() { chart_->show_data(sweep_chart(table_, selection_)); }

}  // namespace kvsim::gui
