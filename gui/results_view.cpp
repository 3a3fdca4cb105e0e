#include "results_view.h"

#include <QChart>
#include <QDir>
#include <QGridLayout>
#include <QHash>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "run_identity.h"
#include "summary_rows.h"
#include "user_prompts.h"

namespace kvsim::gui {

namespace {

constexpr int kChartColumns = 3;
constexpr int kRedrawIntervalMs = 5;

QString csv_field(const QString& s) {
  if (!s.contains(',') && !s.contains('"') && !s.contains('\n')) return s;
  QString quoted = s;
  quoted.replace("\"", "\"\"");
  return "\"" + quoted + "\"";
}

SummaryRow slo_row(const SloVerdict& v) { return {"SLOs", v.label, v.value, v.text()}; }

}  // namespace

std::vector<SummaryRow> summary_table_rows(const RunSummary& summary) {
  std::vector<SummaryRow> rows = identity_rows(summary);
  for (const SloVerdict& v : slo_verdicts(summary)) rows.push_back(slo_row(v));
  for (SummaryRow& row : summary_rows(summary)) rows.push_back(std::move(row));
  return rows;
}

const QColor kSloPassed(0xc8, 0xf0, 0xc8);
const QColor kSloFailed(0xf8, 0xc8, 0xc8);

ResultsView::ResultsView(UserPrompts* prompts, QWidget* parent)
    : QWidget(parent), prompts_(prompts), tabs_(new QTabWidget), table_(new QTableWidget), redraw_timer_(new QTimer(this)) {
  // One chart per turn of the event loop, so that redrawing nine charts never holds the UI
  // thread for long; the interval leaves room for each chart's first paint.
  redraw_timer_->setInterval(kRedrawIntervalMs);
  connect(redraw_timer_, &QTimer::timeout, this, &ResultsView::redraw_next);
  auto* grid_page = new QWidget;
  auto* grid = new QGridLayout(grid_page);
  grid->setContentsMargins(4, 4, 4, 4);
  grid->setSpacing(6);
  const std::vector<ChartData> empty = build_charts({});
  for (size_t i = 0; i < empty.size(); ++i) {
    auto* panel = new ChartPanel(prompts_);
    panel->setObjectName(empty[i].id);
    panel->show_data(empty[i]);
    grid->addWidget(panel, static_cast<int>(i) / kChartColumns, static_cast<int>(i) % kChartColumns);
    panels_.push_back(panel);
  }
  auto* scroll = new QScrollArea;
  scroll->setWidget(grid_page);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);

  auto* summary_page = new QWidget;
  auto* summary_layout = new QVBoxLayout(summary_page);
  summary_layout->setContentsMargins(4, 4, 4, 4);
  table_->setObjectName("summary");
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->verticalHeader()->setDefaultSectionSize(20);
  summary_layout->addWidget(table_);
  auto* save_csv = new QPushButton("Save table as CSV…");
  connect(save_csv, &QPushButton::clicked, this, [this] {
    const QString path = prompts_->save_file(this, "Save summary table", "summary_table.csv", "CSV files (*.csv)");
    if (path.isEmpty() || refuse_result_file(prompts_, this, path)) return;
    QSaveFile f(path);
    const QByteArray bytes = summary_csv().toUtf8();
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit())
      prompts_->show_error(this, "Table not saved", path + ": " + f.errorString());
  });
  summary_layout->addWidget(save_csv, 0, Qt::AlignRight);

  tabs_->addTab(scroll, "Charts");
  tabs_->addTab(summary_page, "Summary");
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(tabs_);
  fill_table({});
}

ChartPanel* ResultsView::panel(const QString& id) const {
  for (ChartPanel* p : panels_)
    if (p->data().id == id) return p;
  return nullptr;
}

void ResultsView::show_runs(const std::vector<const RunRecord*>& runs) {
  pending_ = build_charts(runs);
  next_ = 0;
  fill_table(runs);
  redraw_timer_->start();
}

void ResultsView::redraw_next() {
  if (next_ < pending_.size() && next_ < panels_.size()) {
    panels_[next_]->show_data(pending_[next_]);
    ++next_;
  }
  if (next_ >= pending_.size() || next_ >= panels_.size()) {
    redraw_timer_->stop();
    pending_.clear();
    next_ = 0;
    emit redrawn();
  }
}

bool ResultsView::redrawing() const { return redraw_timer_->isActive(); }

void ResultsView::finish_redraw() {
  while (redrawing()) redraw_next();
}

void ResultsView::fill_table(const std::vector<const RunRecord*>& runs) {
  // Every run has the same rows but for its KV tiers: the table has each row any run has, in
  // order, and a run without it shows an empty cell.
  // The run's identity and its SLO verdicts come first, then the figures `kvsim run` prints.
  std::vector<SummaryRow> layout_rows = summary_table_rows(RunSummary{});
  std::vector<std::vector<SummaryRow>> run_rows;
  const auto key = [](const SummaryRow& r) { return r.section + "\n" + r.label; };
  QHash<QString, int> row_of;
  for (size_t r = 0; r < layout_rows.size(); ++r) row_of.insert(key(layout_rows[r]), static_cast<int>(r));
  for (const RunRecord* run : runs) {
    run_rows.push_back(summary_table_rows(run->summary));
    for (const SummaryRow& row : run_rows.back()) {
      if (row_of.contains(key(row))) continue;
      row_of.insert(key(row), static_cast<int>(layout_rows.size()));
      layout_rows.push_back(row);
    }
  }
  table_->clear();
  table_->setRowCount(static_cast<int>(layout_rows.size()));
  table_->setColumnCount(2 + static_cast<int>(runs.size()));
  QStringList headers{"section", "figure"};
  for (const RunRecord* r : runs) headers << r->name;
  table_->setHorizontalHeaderLabels(headers);
  for (size_t c = 0; c < runs.size(); ++c) {
    auto* header = table_->horizontalHeaderItem(2 + static_cast<int>(c));
    header->setForeground(runs[c]->color);
    header->setToolTip(runs[c]->saved_to.isEmpty() ? "not saved yet" : runs[c]->saved_to);
  }
  for (size_t r = 0; r < layout_rows.size(); ++r) {
    table_->setItem(static_cast<int>(r), 0, new QTableWidgetItem(layout_rows[r].section));
    table_->setItem(static_cast<int>(r), 1, new QTableWidgetItem(layout_rows[r].label));
  }
  for (size_t c = 0; c < runs.size(); ++c) {
    for (const SummaryRow& row : run_rows[c]) {
      auto* item = new QTableWidgetItem(row.text);
      item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      table_->setItem(row_of.value(key(row)), 2 + static_cast<int>(c), item);
    }
    for (const SloVerdict& v : slo_verdicts(runs[c]->summary)) {
      if (!v.set) continue;
      QTableWidgetItem* item = table_->item(row_of.value(key(slo_row(v))), 2 + static_cast<int>(c));
      item->setBackground(v.passed ? kSloPassed : kSloFailed);
      item->setToolTip(v.passed ? "SLO met" : "SLO missed");
    }
  }
}

QString ResultsView::summary_csv() const {
  QString out;
  for (int c = 0; c < table_->columnCount(); ++c)
    out += (c ? "," : "") + csv_field(table_->horizontalHeaderItem(c)->text());
  out += "\n";
  for (int r = 0; r < table_->rowCount(); ++r) {
    for (int c = 0; c < table_->columnCount(); ++c)
      out += (c ? "," : "") + csv_field(table_->item(r, c) ? table_->item(r, c)->text() : QString());
    out += "\n";
  }
  return out;
}

QStringList ResultsView::export_paths(const QString& dir) const {
  QStringList paths;
  for (ChartPanel* p : panels_) paths << QDir(dir).filePath(p->data().id + ".png") << QDir(dir).filePath(p->data().id + ".csv");
  paths << QDir(dir).filePath("summary_table.csv");
  return paths;
}

QStringList ResultsView::export_all(const QString& dir, QString* error) {
  finish_redraw();
  QStringList written;
  if (!QDir().mkpath(dir)) {
    *error = dir + ": cannot create the folder";
    return written;
  }
  for (ChartPanel* p : panels_) {
    const QString png = QDir(dir).filePath(p->data().id + ".png");
    const QString csv = QDir(dir).filePath(p->data().id + ".csv");
    if (!p->save_png(png)) {
      *error = png + ": cannot write the image";
      return written;
    }
    written << png;
    if (!p->save_csv(csv)) {
      *error = csv + ": cannot write the file";
      return written;
    }
    written << csv;
  }
  const QString table = QDir(dir).filePath("summary_table.csv");
  QSaveFile f(table);
  const QByteArray bytes = summary_csv().toUtf8();
  if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit()) {
    *error = table + ": " + f.errorString();
    return written;
  }
  written << table;
  return written;
}

}  // namespace kvsim::gui
