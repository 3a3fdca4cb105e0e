#include "chart_panel.h"

#include <cmath>
#include <map>

#include <QBarCategoryAxis>
#include <QCursor>
#include <QLabel>
#include <QLogValueAxis>
#include <QTextDocument>
#include <QToolTip>
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

// The legend entries of a line chart: one per run, with its percentiles when the chart has them.
std::vector<LegendEntry> line_legend(const ChartData& data) {
  std::vector<LegendEntry> entries;
  std::map<QString, QString> percentiles;  // run -> "P50 … · P99 …"
  for (const auto& s : data.series) {
    if (s.kind == SeriesData::Kind::kP50) percentiles[s.run] = "P50 " + seconds(s.points.front().x());
    if (s.kind == SeriesData::Kind::kP99) percentiles[s.run] += " · P99 " + seconds(s.points.front().x());
  }
  for (const auto& s : data.series) {
    if (s.kind != SeriesData::Kind::kLine || (!entries.empty() && entries.back().run == s.run)) continue;
    const auto p = percentiles.find(s.run);
    entries.push_back({s.run, s.color, p == percentiles.end() ? s.run : s.run + " (" + p->second + ")"});
  }
  return entries;
}

// The points of `points` a log axis can show (those above 0 on it).
std::vector<QPointF> positive_on(const std::vector<QPointF>& points, bool on_x) {
  std::vector<QPointF> kept;
  kept.reserve(points.size());
  for (const QPointF& p : points)
    if ((on_x ? p.x() : p.y()) > 0) kept.push_back(p);
  return kept;
}

QAbstractAxis* value_axis(bool log, const QString& title) {
  if (log) {
    auto* axis = new QLogValueAxis;
    axis->setBase(10);
    axis->setMinorTickCount(-1);  // 2..9 between the powers of ten
    axis->setTitleText(title + " (log)");
    axis->setTitleFont(small_font(-1));
    axis->setLabelsFont(small_font(-2));
    axis->setLabelFormat("%g");
    return axis;
  }
  auto* axis = new QValueAxis;
  style_axis(axis, title);
  return axis;
}

void set_range(QAbstractAxis* axis, double lo, double hi, bool from_zero, bool fraction) {
  if (auto* log = qobject_cast<QLogValueAxis*>(axis)) {
    if (!(lo > 0)) lo = hi > 0 ? hi / 1000 : 1e-3;
    if (!(hi > lo)) hi = lo * 10;
    log->setRange(std::pow(10.0, std::floor(std::log10(lo))), std::pow(10.0, std::ceil(std::log10(hi))));
    return;
  }
  auto* v = static_cast<QValueAxis*>(axis);
  if (fraction) {
    v->setRange(0, 1);
    v->setTickCount(6);
  } else {
    if (from_zero) lo = std::min(0.0, lo);
    v->setRange(lo, hi > lo ? hi : lo + 1);
    v->applyNiceNumbers();
  }
  v->setLabelFormat(label_format(v->min(), v->max()));
}

void add_line_series(QChart* chart, const ChartData& data, bool log) {
  const bool log_x = log && data.log_on_x(), log_y = log && !data.log_on_x();
  QAbstractAxis* x = value_axis(log_x, data.x_title);
  QAbstractAxis* y = value_axis(log_y, data.y_title);
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  double x_min = 0, x_max = 0, y_min = 0, y_max = 0;
  bool any = false;
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
    const std::vector<QPointF> points = log ? positive_on(s.points, log_x) : s.points;
    const std::vector<QPointF> drawn = points_to_draw(points);
    series->replace(QList<QPointF>(drawn.begin(), drawn.end()));
    chart->addSeries(series);
    series->attachAxis(x);
    series->attachAxis(y);
    for (const auto& p : points) {
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
  set_range(x, x_min, x_max, true, false);
  set_range(y, y_min, y_max > y_min && !log_y ? y_max * 1.05 : y_max, true, data.y_column == "fraction");
}

// Bars in the colour of their run. A bar chart with several sets (the cost split) is stacked: its
// sets are told apart by fill pattern, solid for the first.
const Qt::BrushStyle kSetPatterns[] = {Qt::SolidPattern, Qt::Dense4Pattern, Qt::BDiagPattern, Qt::CrossPattern};

void add_bar_series(QChart* chart, const ChartData& data) {
  // One set per (set, run) with a value at its run only: each bar has its run's colour, and
  // stacking keeps one bar per run.
  auto* series = new QStackedBarSeries;
  double top = 0;
  std::vector<double> stack(static_cast<size_t>(data.categories.size()), 0.0);
  for (size_t k = 0; k < data.sets.size(); ++k) {
    const BarSetData& set = data.sets[k];
    for (size_t r = 0; r < set.values.size(); ++r) {
      auto* bar = new QBarSet(data.categories[static_cast<int>(r)] + " · " + set.name);
      const QColor color = r < data.category_colors.size() ? data.category_colors[r] : set.color;
      bar->setColor(color);
      bar->setBrush(QBrush(color, kSetPatterns[k % std::size(kSetPatterns)]));
      bar->setBorderColor(color.darker(130));
      for (size_t i = 0; i < set.values.size(); ++i) *bar << (i == r ? set.values[i] : 0.0);
      series->append(bar);
      stack[r] += set.values[r];
      top = std::max(top, stack[r]);
    }
  }
  series->setBarWidth(0.6);
  chart->addSeries(series);
  auto* x = new QBarCategoryAxis;
  x->append(data.categories);
  // The runs' names and values are in the legend under the chart, which wraps instead of cutting.
  x->setLabelsVisible(false);
  x->setGridLineVisible(false);
  chart->addAxis(x, Qt::AlignBottom);
  series->attachAxis(x);
  QAbstractAxis* y = value_axis(false, data.y_title);
  chart->addAxis(y, Qt::AlignLeft);
  series->attachAxis(y);
  set_range(y, 0, top > 0 ? top * 1.1 : 1, true, false);
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
    : QWidget(parent), prompts_(prompts), view_(new QChartView), legend_(new QLabel) {
  view_->setRenderHint(QPainter::Antialiasing);
  view_->setMinimumSize(300, 240);
  // Drag a rectangle to zoom in; right-click zooms out, Reset zoom goes back to everything.
  view_->setRubberBand(QChartView::RectangleRubberBand);
  view_->setToolTip("Drag to zoom in, right-click to zoom out; hover a line or bar for its values");
  legend_->setObjectName("legend");
  legend_->setWordWrap(true);
  legend_->setTextFormat(Qt::RichText);
  legend_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  legend_->setContentsMargins(6, 0, 6, 0);
  legend_->setFont(small_font(-1));
  const auto button = [this](const QString& text, const QString& tip) {
    auto* b = new QToolButton;
    b->setText(text);
    b->setToolTip(tip);
    b->setAutoRaise(true);
    return b;
  };
  log_button_ = button("Log", "Logarithmic scale (latency for a CDF, the value otherwise)");
  log_button_->setObjectName("log_scale");
  log_button_->setCheckable(true);
  reset_zoom_button_ = button("Reset zoom", "Show the whole chart again");
  reset_zoom_button_->setObjectName("reset_zoom");
  auto* png = button("PNG…", "Save this chart as a PNG image");
  auto* csv = button("CSV…", "Save this chart's data as CSV");
  connect(log_button_, &QToolButton::toggled, this, [this] { show_data(data_); });
  connect(reset_zoom_button_, &QToolButton::clicked, this, [this] { chart()->zoomReset(); });
  connect(png, &QToolButton::clicked, this, &ChartPanel::ask_and_save_png);
  connect(csv, &QToolButton::clicked, this, &ChartPanel::ask_and_save_csv);
  auto* buttons = new QHBoxLayout;
  buttons->setContentsMargins(0, 0, 0, 0);
  buttons->setSpacing(0);
  buttons->addWidget(log_button_);
  buttons->addWidget(reset_zoom_button_);
  buttons->addStretch();
  buttons->addWidget(png);
  buttons->addWidget(csv);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(view_, 1);
  layout->addWidget(legend_);
  layout->addLayout(buttons);
  show_data(ChartData{});
}

bool ChartPanel::log_scale() const { return log_button_->isChecked(); }

void ChartPanel::set_log_scale(bool log) { log_button_->setChecked(log); }

void ChartPanel::connect_hover(QChart* chart) {
  const QString x_title = data_.x_title, y_title = data_.y_title;
  for (QAbstractSeries* s : chart->series()) {
    if (auto* xy = qobject_cast<QXYSeries*>(s)) {
      connect(xy, &QXYSeries::hovered, this, [this, xy, x_title, y_title](const QPointF& p, bool on) {
        show_value_tip(on ? hover_text(xy->name(), x_title, p.x(), y_title, p.y()) : QString());
      });
    } else if (auto* bars = qobject_cast<QAbstractBarSeries*>(s)) {
      connect(bars, &QAbstractBarSeries::hovered, this, [this](bool on, int index, QBarSet* set) {
        show_value_tip(on ? set->label() + ": " + QString::number(set->at(index), 'g', 6) : QString());
      });
    }
  }
}

QString hover_text(const QString& series, const QString& x_title, double x, const QString& y_title, double y) {
  return QString("%1\n%2: %3\n%4: %5")
      .arg(series, x_title, QString::number(x, 'g', 5), y_title, QString::number(y, 'g', 5));
}

void ChartPanel::show_value_tip(const QString& text) {
  hover_text_ = text;
  if (text.isEmpty()) QToolTip::hideText();
  else QToolTip::showText(QCursor::pos(), text, view_);
}

QChart* ChartPanel::chart() const { return view_->chart(); }

QChart* make_chart(const ChartData& data, bool log) {
  auto* chart = new QChart;
  chart->setTitle(data.title);
  chart->setTitleFont(small_font(0));
  chart->setMargins(QMargins(4, 4, 4, 4));
  chart->legend()->setFont(small_font(-2));
  chart->legend()->setAlignment(Qt::AlignBottom);
  chart->legend()->setShowToolTips(true);
  chart->setAnimationOptions(QChart::NoAnimation);
  if (data.bars) add_bar_series(chart, data);
  else add_line_series(chart, data, log);
  // The legend is text under the chart (legend_html): it wraps where Qt's legend cuts.
  chart->legend()->hide();
  return chart;
}

std::vector<LegendEntry> legend_entries(const ChartData& data) {
  if (!data.bars) return line_legend(data);
  std::vector<LegendEntry> entries;
  for (int r = 0; r < data.categories.size(); ++r) {
    const size_t i = static_cast<size_t>(r);
    const QColor color = i < data.category_colors.size() ? data.category_colors[i] : QColor(Qt::gray);
    QStringList parts;
    double total = 0;
    for (const auto& set : data.sets) {
      total += set.values[i];
      parts << set.name + " " + QString::number(set.values[i], 'g', 4);
    }
    QString text = data.categories[r] + ": ";
    text += data.sets.size() == 1 ? QString::number(total, 'g', 4)
                                  : QString::number(total, 'g', 4) + " (" + parts.join(", ") + ")";
    entries.push_back({data.categories[r], color, text});
  }
  return entries;
}

QString legend_html(const ChartData& data) {
  QStringList lines;
  for (const LegendEntry& e : legend_entries(data))
    lines << QString("<span style=\"color:%1\">&#9632;</span>&nbsp;%2").arg(e.color.name(), e.text.toHtmlEscaped());
  if (!data.key.isEmpty()) lines << "<i>" + data.key.toHtmlEscaped() + "</i>";
  if (data.bars && data.sets.size() > 1) {
    QStringList key;
    const char* pattern_names[] = {"solid", "dotted", "hatched", "crossed"};
    for (size_t k = 0; k < data.sets.size(); ++k) key << QString(pattern_names[k % 4]) + " " + data.sets[k].name;
    lines << "<i>" + key.join(", ").toHtmlEscaped() + "</i>";
  }
  return lines.join("<br>");
}

void ChartPanel::show_data(const ChartData& data) {
  data_ = data;
  QChart* old = view_->chart();
  // A bar stands on 0, which a log scale has not: bars keep a linear one.
  log_button_->setEnabled(!data_.bars);
  QChart* chart = make_chart(data_, log_scale() && !data_.bars);
  view_->setChart(chart);
  delete old;
  connect_hover(chart);
  legend_->setText(legend_html(data_));
  legend_->setVisible(!legend_->text().isEmpty());
}

bool save_chart_png(QChart* chart, const QString& path, QSize size, const QString& legend_rich_text) {
  const qreal scale = 2.0;
  QImage image(size * scale, QImage::Format_ARGB32_Premultiplied);
  image.setDevicePixelRatio(scale);
  image.fill(Qt::white);
  // The chart at the export size, so the picture does not depend on the window's layout. The
  // legend goes under it as the panel shows it, wrapped to the width.
  QTextDocument legend;
  legend.setDefaultFont(small_font(0));
  legend.setHtml(legend_rich_text);
  legend.setTextWidth(size.width() - 16);
  const int legend_height =
      legend_rich_text.isEmpty() ? 0 : static_cast<int>(std::ceil(legend.size().height())) + 4;
  const QSize chart_size(size.width(), std::max(100, size.height() - legend_height));
  QChartView offscreen;
  offscreen.setRenderHint(QPainter::Antialiasing);
  QChart* empty = offscreen.chart();  // a view starts with a chart of its own, which setChart releases
  offscreen.setChart(chart);
  delete empty;
  offscreen.resize(chart_size);
  offscreen.chart()->resize(QSizeF(chart_size));
  {
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    const QRectF area(QPointF(0, 0), QSizeF(chart_size));
    offscreen.scene()->render(&painter, area, area);
    painter.translate(8, chart_size.height());
    if (legend_height > 0) legend.drawContents(&painter);
  }
  QSaveFile file(path);  // a failed export leaves the file that was there
  return file.open(QIODevice::WriteOnly) && image.save(&file, "PNG") && file.commit();
}

bool ChartPanel::save_png(const QString& path, QSize size) const {
  return save_chart_png(make_chart(data_, log_scale() && !data_.bars), path, size, legend_html(data_));
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
