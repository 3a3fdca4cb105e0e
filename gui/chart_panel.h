// One results chart: a Qt Charts view of a ChartData, with buttons that save it as PNG and its
// data as CSV. Redrawing replaces the whole chart, so a panel never shows a stale series.
#pragma once
#include <QWidget>

#include "chart_data.h"

class QChart;
class QChartView;

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

// A new chart (owned by the caller) drawing `data`.
QChart* make_chart(const ChartData& data);

class ChartPanel : public QWidget {
  Q_OBJECT

 public:
  ChartPanel(UserPrompts* prompts, QWidget* parent = nullptr);

  void show_data(const ChartData& data);
  const ChartData& data() const { return data_; }
  QChart* chart() const;
  QChartView* view() const { return view_; }

  // Renders the chart at `size` (device-independent pixels, 2x for sharp text) into a PNG file.
  bool save_png(const QString& path, QSize size = QSize(900, 600)) const;
  bool save_csv(const QString& path) const;

 private:
  void ask_and_save_png();
  void ask_and_save_csv();
  UserPrompts* prompts_;
  QChartView* view_;
  ChartData data_;
};

}  // namespace kvsim::gui
