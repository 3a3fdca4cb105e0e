// One results chart: a Qt Charts view of a ChartData, with buttons that save it as PNG and its
// data as CSV. Redrawing replaces the whole chart, so a panel never shows a stale series.
#pragma once
#include <QWidget>

#include "chart_data.h"

class QChart;
class QChartView;
class QLabel;
class QToolButton;

namespace kvsim::gui {

class UserPrompts;

// A line is drawn with at most this many points (the data and its CSV keep them all).
inline constexpr size_t kMaxDrawnPoints = 600;

// The points a line is drawn with: all of them up to kMaxDrawnPoints, else the lowest and the
// highest point of each of kMaxDrawnPoints / 2 equal runs of points, in order, so that peaks
// stay visible. Exactly kMaxDrawnPoints points then.
std::vector<QPointF> points_to_draw(const std::vector<QPointF>& points);

// True (after telling the user) when `path` is a run's result file (results_folder.h), which
// no export may replace.
bool refuse_result_file(UserPrompts* prompts, QWidget* parent, const QString& path);

// A new chart (owned by the caller) drawing `data`, on a log scale if `log` (see
// ChartData::log_on_x; points at or below 0 on that axis are left out of the drawing). Bar
// charts stand on 0 and ignore `log`.
QChart* make_chart(const ChartData& data, bool log = false);

// Renders `chart` (taking it) offscreen at `size` (device-independent pixels, at 2x for sharp
// text) with `legend_rich_text` under it, into a PNG file written atomically.
bool save_chart_png(QChart* chart, const QString& path, QSize size, const QString& legend_rich_text = QString());

// One line of a chart's legend: a run, its colour, and what the chart says of it ("LRU (P50
// 0.12 s · P99 0.5 s)", or a bar chart's values).
struct LegendEntry {
  QString run;
  QColor color;
  QString text;
};
std::vector<LegendEntry> legend_entries(const ChartData& data);
// The legend as rich text, one entry per line (the panel's label and the PNG draw it).
QString legend_html(const ChartData& data);
// What hovering a point shows: the series, then each axis with its value.
QString hover_text(const QString& series, const QString& x_title, double x, const QString& y_title, double y);

class ChartPanel : public QWidget {
  Q_OBJECT

 public:
  ChartPanel(UserPrompts* prompts, QWidget* parent = nullptr);

  void show_data(const ChartData& data);
  const ChartData& data() const { return data_; }
  QChart* chart() const;
  QChartView* view() const { return view_; }
  // The legend under the chart (word-wrapped, never cut).
  QLabel* legend() const { return legend_; }
  QToolButton* reset_zoom_button() const { return reset_zoom_button_; }
  bool log_scale() const;
  void set_log_scale(bool log);
  // The values last shown on hover ("" when none).
  const QString& hover_value() const { return hover_text_; }

  // Renders the chart at `size` (device-independent pixels, 2x for sharp text) into a PNG file.
  bool save_png(const QString& path, QSize size = QSize(900, 600)) const;
  bool save_csv(const QString& path) const;

 private:
  void ask_and_save_png();
  void ask_and_save_csv();
  void connect_hover(QChart* chart);
  void show_value_tip(const QString& text);
  UserPrompts* prompts_;
  QChartView* view_;
  QLabel* legend_;
  QToolButton* log_button_ = nullptr;
  QToolButton* reset_zoom_button_ = nullptr;
  ChartData data_;
  QString hover_text_;
};

}  // namespace kvsim::gui
