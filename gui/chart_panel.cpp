#include "chart_panel.h"

#include <cmath>
#include <map>

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QDir>
#include <QFile>
#include <QHBoxLayout>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPainter>
#include <QScatterSeries>
#include <QSaveFile>
#include <QStackedBarSeries>
#include <QToolButton>
#include <QValueAxis>
#include <QVBoxLayout>

#include "results_folder.h"
#include "user_prompts.h"

namespace kvsim::gui {

namespace {

QFont small_font(int delta) {
  QFont f;
  f.setPointSize(std::max(6, f.pointSize() + delta));
  return f;
}

void style_axis(QValueAxis* axis, const QString& title) {
  axis->setTitleText(title);
  axis->setTitleFont(small_font(-1));
  axis->setLabelsFont(small_font(-2));
}

// printf format for axis labels over [lo, hi]: no exponent for everyday magnitudes.
QString label_format(double lo, double hi) {
  const double span = std::max(std::abs(lo), std::abs(hi));
  if (span >= 1e6) return "%.2e";
  if (span >= 10) return "%.0f";
  if (span >= 1) return "%.1f";
  return "%.3g";
}

QString seconds(double v) { return QString::number(v, 'g', 3) + " s"; }

void add_line_series(QChart* chart, const ChartData& data, QValueAxis* x, QValueAxis* y) {
  double x_min = 0, x_max = 0, y_min = 0, y_max = 0;
  bool any = false;
  QString legend_run;  // the run whose legend entry is shown already
  std::map<QString, QString> percentiles;  // run -> "P50 … · P99 …" for the CDF legend
  for (const auto& s : data.series) {
    if (s.kind == SeriesData::Kind::kP50) percentiles[s.run] = "P50 " + seconds(s.points.front().x());
    if (s.kind == SeriesData::Kind::kP99) percentiles[s.run] += " · P99 " + seconds(s.points.front().x());
  }
  for (const auto& s : data.series) {
    QXYSeries* series = nullptr;
    if (s.kind == SeriesData::Kind::kLine) {
      auto* l = new QLineSeries;
      QPen pen(s.color);
      pen.setWidthF(1.6);
      pen.setStyle(s.style);
      l->setPen(pen);
      series = l;
    } else {
      auto* m = new QScatterSeries;
      m->setMarkerShape(s.kind == SeriesData::Kind::kP50 ? QScatterSeries::MarkerShapeCircle
                                                          : QScatterSeries::MarkerShapeRectangle);
      m->setMarkerSize(9);
      m->setColor(s.color);
      m->setBorderColor(Qt::black);
      series = m;
    }
    series->setName(s.label());
    const std::vector<QPointF> drawn = points_to_draw(s.points);
    series->replace(QList<QPointF>(drawn.begin(), drawn.end()));
    chart->addSeries(series);
    series->attachAxis(x);
    series->attachAxis(y);
    // One legend entry per run: its first line, labelled with the run (and its percentiles).
    const bool first_of_run = s.kind == SeriesData::Kind::kLine && s.run != legend_run;
    for (QLegendMarker* marker : chart->legend()->markers(series)) {
      marker->setVisible(first_of_run);
      if (!first_of_run) continue;
      const auto p = percentiles.find(s.run);
      marker->setLabel(p == percentiles.end() ? s.run : s.run + " (" + p->second + ")");
    }
    if (first_of_run) legend_run = s.run;
    for (const auto& p : s.points) {
      if (!any) {
        x_min = x_max = p.x();
        y_min = y_max = p.y();
        any = true;
      }
      x_min = std::min(x_min, p.x());
      x_max = std::max(x_max, p.x());
      y_min = std::min(y_min, p.y());
      y_max = std::max(y_max, p.y());
    }
  }
  if (!any) {
    x_max = 1;
    y_max = 1;
  }
  x->setRange(std::min(0.0, x_min), x_max > x_min ? x_max : x_min + 1);
  x->applyNiceNumbers();
  if (data.y_column == "fraction") {
    y->setRange(0, 1);
    y->setTickCount(6);
  } else {
    y->setRange(std::min(0.0, y_min), y_max > y_min ? y_max * 1.05 : y_min + 1);
    y->applyNiceNumbers();
  }
  x->setLabelFormat(label_format(x->min(), x->max()));
  y->setLabelFormat(label_format(y->min(), y->max()));
}

void add_bar_series(QChart* chart, const ChartData& data) {
  QAbstractBarSeries* series = data.stacked ? static_cast<QAbstractBarSeries*>(new QStackedBarSeries)
                                            : static_cast<QAbstractBarSeries*>(new QBarSeries);
  double top = 0;
  std::vector<double> stack(static_cast<size_t>(data.categories.size()), 0.0);
  for (const auto& set : data.sets) {
    auto* bar = new QBarSet(set.name);
    bar->setColor(set.color);
    for (size_t i = 0; i < set.values.size(); ++i) {
      *bar << set.values[i];
      stack[i] = data.stacked ? stack[i] + set.values[i] : std::max(stack[i], set.values[i]);
      top = std::max(top, stack[i]);
    }
    series->append(bar);
  }
  if (!data.stacked) {
    series->setLabelsVisible(true);
    series->setLabelsFormat("@value");
    series->setLabelsPosition(QAbstractBarSeries::LabelsOutsideEnd);
    series->setLabelsPrecision(4);
  }
  chart->addSeries(series);
  auto* x = new QBarCategoryAxis;
  x->append(data.categories);
  x->setLabelsFont(small_font(-2));
  chart->addAxis(x, Qt::AlignBottom);
  series->attachAxis(x);
  auto* y = new QValueAxis;
  style_axis(y, data.y_title);
  chart->addAxis(y, Qt::AlignLeft);
  series->attachAxis(y);
  y->setRange(0, top > 0 ? top * 1.15 : 1);
  y->applyNiceNumbers();
  y->setLabelFormat(label_format(0, y->max()));
}

}  // namespace

std::vector<QPointF> points_to_draw(const std::vector<QPointF>& points) {
  const size_t n = points.size();
  if (n <= kMaxDrawnPoints) return points;
  const size_t buckets = kMaxDrawnPoints / 2;
  std::vector<QPointF> drawn;
  drawn.reserve(kMaxDrawnPoints);
  for (size_t b = 0; b < buckets; ++b) {
    const size_t begin = b * n / buckets, end = (b + 1) * n / buckets;
    size_t lo = begin, hi = begin;
    for (size_t i = begin; i < end; ++i) {
      if (points[i].y() < points[lo].y()) lo = i;
      if (points[i].y() > points[hi].y()) hi = i;
    }
    drawn.push_back(points[std::min(lo, hi)]);
    drawn.push_back(points[std::max(lo, hi)]);
  }
  return drawn;
}

ChartPanel::ChartPanel(UserPrompts* prompts, QWidget* parent)
    : QWidget(parent), prompts_(prompts), view_(new QChartView) {
  view_->setRenderHint(QPainter::Antialiasing);
  view_->setMinimumSize(300, 240);
  auto* png = new QToolButton;
  png->setText("PNG…");
  png->setToolTip("Save this chart as a PNG image");
  auto* csv = new QToolButton;
  csv->setText("CSV…");
  csv->setToolTip("Save this chart's data as CSV");
  png->setAutoRaise(true);
  csv->setAutoRaise(true);
  connect(png, &QToolButton::clicked, this, &ChartPanel::ask_and_save_png);
  connect(csv, &QToolButton::clicked, this, &ChartPanel::ask_and_save_csv);
  auto* buttons = new QHBoxLayout;
  buttons->setContentsMargins(0, 0, 0, 0);
  buttons->addStretch();
  buttons->addWidget(png);
  buttons->addWidget(csv);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(view_, 1);
  layout->addLayout(buttons);
  show_data(ChartData{});
}

QChart* ChartPanel::chart() const { return view_->chart(); }

QChart* make_chart(const ChartData& data) {
  auto* chart = new QChart;
  chart->setTitle(data.title);
  chart->setTitleFont(small_font(0));
  chart->setMargins(QMargins(4, 4, 4, 4));
  chart->legend()->setFont(small_font(-2));
  chart->legend()->setAlignment(Qt::AlignBottom);
  chart->setAnimationOptions(QChart::NoAnimation);
  if (data.bars) {
    add_bar_series(chart, data);
  } else {
    auto* x = new QValueAxis;
    auto* y = new QValueAxis;
    style_axis(x, data.x_title);
    style_axis(y, data.y_title);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    add_line_series(chart, data, x, y);
  }
  return chart;
}

void ChartPanel::show_data(const ChartData& data) {
  data_ = data;
  QChart* old = view_->chart();
  view_->setChart(make_chart(data_));
  delete old;
}

bool ChartPanel::save_png(const QString& path, QSize size) const {
  const qreal scale = 2.0;
  QImage image(size * scale, QImage::Format_ARGB32_Premultiplied);
  image.setDevicePixelRatio(scale);
  image.fill(Qt::white);
  // A fresh chart at the export size, so the picture does not depend on the window's layout.
  QChartView offscreen;
  offscreen.setRenderHint(QPainter::Antialiasing);
  offscreen.setChart(make_chart(data_));
  offscreen.resize(size);
  offscreen.chart()->resize(QSizeF(size));
  {
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    offscreen.scene()->render(&painter, QRectF(QPointF(0, 0), QSizeF(size)), QRectF(QPointF(0, 0), QSizeF(size)));
  }
  QSaveFile file(path);  // a failed export leaves the file that was there
  return file.open(QIODevice::WriteOnly) && image.save(&file, "PNG") && file.commit();
}

bool ChartPanel::save_csv(const QString& path) const {
  QSaveFile file(path);
  const QByteArray bytes = chart_csv(data_).toUtf8();
  return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size() && file.commit();
}

bool refuse_result_file(UserPrompts* prompts, QWidget* parent, const QString& path) {
  if (!is_result_file(path.toStdString())) return false;
  prompts->show_error(parent, "Not saved",
                      path + " is one of a run's result files; saving over it would lose the run. "
                             "Choose another name or folder.");
  return true;
}

void ChartPanel::ask_and_save_png() {
  const QString path = prompts_->save_file(this, "Save chart as PNG", data_.id + ".png", "PNG images (*.png)");
  if (path.isEmpty() || refuse_result_file(prompts_, this, path)) return;
  if (!save_png(path)) prompts_->show_error(this, "Chart not saved", path + ": cannot write the image");
}

void ChartPanel::ask_and_save_csv() {
  const QString path = prompts_->save_file(this, "Save chart data as CSV", data_.id + ".csv", "CSV files (*.csv)");
  if (path.isEmpty() || refuse_result_file(prompts_, this, path)) return;
  if (!save_csv(path)) prompts_->show_error(this, "Data not saved", path + ": cannot write the file");
}

}  // namespace kvsim::gui
