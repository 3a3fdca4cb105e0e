#include "plan_chart.h"

#include <algorithm>
#include <cmath>

#include <QApplication>
#include <QChart>
#include <QDir>
#include <QLegendMarker>
#include <QLineSeries>
#include <QScatterSeries>
#include <QThread>
#include <QValueAxis>

#include "chart_panel.h"

namespace kvsim::gui {

std::vector<PlanPoint> plan_points(const PlanGrowthResult& g, const std::string& metric) {
  std::vector<PlanPoint> points;
  for (size_t i = 0; i < g.candidates.size(); ++i) {
    const PlanCandidateResult& c = g.candidates[i];
    if (c.status == PlanStatus::invalid || !c.slo_values.is_object() || !c.slo_values.contains(metric) ||
        !c.slo_values[metric].is_number())
      continue;
    PlanPoint p;
    p.candidate = i;
    p.usd_per_hour = c.usd_per_hour;
    p.value = c.slo_values[metric].get<double>();
    p.passed = c.status == PlanStatus::feasible;
    p.on_frontier = std::find(g.frontier.begin(), g.frontier.end(), i) != g.frontier.end();
    points.push_back(p);
  }
  return points;
}

bool plan_slo_limit(const PlanSpec& spec, const std::string& metric, double* limit) {
  for (const PlanSlo& s : spec.slos)
    if (s.key() == metric) {
      *limit = s.max_s;
      return true;
    }
  return false;
}

QChart* make_plan_chart(const PlanResult& result, size_t growth) {
  auto* chart = new QChart;
  chart->setAnimationOptions(QChart::NoAnimation);
  chart->setMargins(QMargins(4, 4, 4, 4));
  if (growth >= result.growth.size()) return chart;
  const PlanGrowthResult& g = result.growth[growth];
  const std::string& metric = result.spec.frontier_metric;
  chart->setTitle(QString("%1 against $ per hour%2")
                      .arg(QString::fromStdString(metric))
                      .arg(g.factor != 1 ? QString(" at %1× the rate").arg(g.factor) : QString()));
  auto* passed = new QScatterSeries;
  passed->setName(kPlanPassedSeries);
  passed->setMarkerShape(QScatterSeries::MarkerShapeCircle);
  passed->setMarkerSize(11);
  passed->setColor(QColor(0x2ca02c));
  passed->setBorderColor(QColor(0x1a6b1a));
  auto* failed = new QScatterSeries;
  failed->setName(kPlanFailedSeries);
  failed->setMarkerShape(QScatterSeries::MarkerShapeRotatedRectangle);
  failed->setMarkerSize(10);
  failed->setColor(QColor(0xd62728));
  failed->setBorderColor(QColor(0x8b1a1a));
  auto* frontier = new QLineSeries;
  frontier->setName(kPlanFrontierSeries);
  frontier->setPen(QPen(QColor(0x1f77b4), 1.5));
  const std::vector<PlanPoint> points = plan_points(g, metric);
  double x_max = 0, y_max = 0;
  std::vector<QPointF> front;
  for (const PlanPoint& p : points) {
    (p.passed ? passed : failed)->append(p.usd_per_hour, p.value);
    if (p.on_frontier) front.emplace_back(p.usd_per_hour, p.value);
    x_max = std::max(x_max, p.usd_per_hour);
    y_max = std::max(y_max, p.value);
  }
  std::sort(front.begin(), front.end(), [](const QPointF& a, const QPointF& b) { return a.x() < b.x(); });
  for (const QPointF& p : front) frontier->append(p);
  double limit = 0;
  const bool has_limit = plan_slo_limit(result.spec, metric, &limit);
  if (has_limit) y_max = std::max(y_max, limit);
  x_max = x_max > 0 ? x_max * 1.08 : 1;
  y_max = y_max > 0 ? y_max * 1.08 : 1;
  chart->addSeries(frontier);
  chart->addSeries(passed);
  chart->addSeries(failed);
  QLineSeries* slo = nullptr;
  if (has_limit) {
    slo = new QLineSeries;
    slo->setName(QString("%1 (%2 ≤ %3 s)").arg(kPlanSloSeries, QString::fromStdString(metric)).arg(limit));
    slo->setPen(QPen(QColor(0x555555), 1.5, Qt::DashLine));
    slo->append(0, limit);
    slo->append(x_max, limit);
    chart->addSeries(slo);
  }
  auto* x = new QValueAxis;
  x->setTitleText("$ per hour of the fleet (replicas × GPUs × $/GPU-hour)");
  x->setRange(0, x_max);
  x->setLabelFormat("%g");
  auto* y = new QValueAxis;
  y->setTitleText(QString::fromStdString(metric) + " (s, worst seed)");
  y->setRange(0, y_max);
  x->applyNiceNumbers();
  y->applyNiceNumbers();
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  for (QAbstractSeries* s : chart->series()) {
    s->attachAxis(x);
    s->attachAxis(y);
  }
  chart->legend()->setAlignment(Qt::AlignBottom);
  return chart;
}

namespace {

std::vector<std::pair<std::string, std::string>> render_here(const PlanResult& result, const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> written;
  for (size_t g = 0; g < result.growth.size(); ++g) {
    const double k = result.growth[g].factor;
    const std::string name = g == 0 ? "frontier.png" : "frontier-x" + QString::number(k).toStdString() + ".png";
    const std::string caption = result.spec.frontier_metric + " against $ per hour" +
                                (g == 0 ? std::string() : " at " + QString::number(k).toStdString() + "x the rate") +
                                ": green circles meet every SLO, red diamonds miss one, the line is the frontier, the "
                                "dashed line the SLO";
    if (save_chart_png(make_plan_chart(result, g), QDir(QString::fromStdString(dir)).filePath(QString::fromStdString(name)),
                       QSize(900, 600)))
      written.emplace_back(name, caption);
  }
  return written;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> render_plan_charts(const PlanResult& result, const std::string& dir) {
  if (QCoreApplication::instance() == nullptr) {
    // A process without Qt (kvsim plan): an offscreen application for the charts, kept for the
    // process's life.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    static int argc = 1;
    static char name[] = "kvsim";
    static char* argv[] = {name, nullptr};
    static QApplication* app = new QApplication(argc, argv);
    (void)app;
  }
  if (QThread::currentThread() == QCoreApplication::instance()->thread()) return render_here(result, dir);
  // Charts are widgets: they are drawn on the application's thread while this one waits.
  std::vector<std::pair<std::string, std::string>> written;
  QMetaObject::invokeMethod(
      QCoreApplication::instance(), [&] { written = render_here(result, dir); }, Qt::BlockingQueuedConnection);
  return written;
}

}  // namespace kvsim::gui
