#include "chart_data.h"

#include <iterator>

#include <QLocale>


namespace kvsim::gui {

namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// Bytes of one KV block across the GPUs of a replica, from the memory plan in the summary (JSON
// by nature: MemoryPlan::to_json); 0 when the run does not record it.
double block_bytes(const RunRecord& r) {
  const nlohmann::json& plan = r.summary.kv.memory_plan;
  if (!plan.is_object()) return 0;
  return plan.value("kv_bytes_per_block_per_gpu", 0.0) * plan.value("num_gpus", 0.0);
}

SeriesData line(const RunRecord& r, const QString& name, Qt::PenStyle style) {
  SeriesData s;
  s.run = r.name;
  s.name = name;
  s.color = r.color;
  s.style = style;
  return s;
}

ChartData cdf_chart(const std::vector<const RunRecord*>& runs, const char* id, const QString& metric,
                    CdfCurve RunRecord::*curve) {
  ChartData c;
  c.id = id;
  c.title = metric + " CDF";
  c.key = "● P50, ■ P99";
  c.x_title = metric + " (s)";
  c.y_title = "fraction of requests";
  c.x_column = QString(id).section('_', 0, 0) + "_s";
  c.y_column = "fraction";
  for (const RunRecord* r : runs) {
    const CdfCurve& cdf = r->*curve;
    SeriesData s = line(*r, "", Qt::SolidLine);
    s.points = cdf.points;
    c.series.push_back(s);
    if (cdf.samples == 0) continue;
    SeriesData p50 = line(*r, "P50", Qt::SolidLine);
    p50.kind = SeriesData::Kind::kP50;
    p50.points = {QPointF(cdf.p50, 0.5)};
    SeriesData p99 = line(*r, "P99", Qt::SolidLine);
    p99.kind = SeriesData::Kind::kP99;
    p99.points = {QPointF(cdf.p99, 0.99)};
    c.series.push_back(p50);
    c.series.push_back(p99);
  }
  return c;
}

template <typename F>
ChartData time_chart(const std::vector<const RunRecord*>& runs, const char* id, const QString& title,
                     const QString& y_title, const QString& y_column,
                     std::initializer_list<std::pair<const char*, Qt::PenStyle>> names, F value) {
  ChartData c;
  c.id = id;
  c.title = title;
  c.x_title = "simulated time (s)";
  c.y_title = y_title;
  c.x_column = "time_s";
  c.y_column = y_column;
  for (const RunRecord* r : runs) {
    int index = 0;
    for (const auto& [name, style] : names) {
      SeriesData s = line(*r, names.size() > 1 ? QString(name) : QString(), style);
      s.points.reserve(r->timeseries.size());
      for (const auto& row : r->timeseries) s.points.emplace_back(row.time_s, value(*r, row, index));
      c.series.push_back(std::move(s));
      ++index;
    }
  }
  return c;
}

}  // namespace

std::vector<ChartData> build_charts(const std::vector<const RunRecord*>& runs) {
  std::vector<ChartData> charts;
  charts.push_back(cdf_chart(runs, "ttft_cdf", "TTFT", &RunRecord::ttft));
  charts.push_back(cdf_chart(runs, "tpot_cdf", "TPOT", &RunRecord::tpot));
  charts.push_back(cdf_chart(runs, "e2e_cdf", "E2E latency", &RunRecord::e2e));

  bool in_gib = !runs.empty();
  for (const RunRecord* r : runs) in_gib = in_gib && block_bytes(*r) > 0;
  charts.push_back(time_chart(
      runs, "kv_memory", "KV cache memory", in_gib ? "KV cache (GiB)" : "KV blocks",
      in_gib ? "gib" : "blocks", {{"used", Qt::SolidLine}, {"cached", Qt::DashLine}, {"free", Qt::DotLine}},
      [in_gib](const RunRecord& r, const TimeseriesRow& row, int which) {
        const double blocks = static_cast<double>(which == 0 ? row.kv_blocks_used
                                                  : which == 1 ? row.kv_blocks_cached
                                                               : row.kv_blocks_free);
        return in_gib ? blocks * block_bytes(r) / kGiB : blocks;
      }));
  charts.push_back(time_chart(runs, "prefix_hit_rate", "Prefix cache hit rate (tokens)", "hit rate", "hit_rate",
                              {{"hit rate", Qt::SolidLine}},
                              [](const RunRecord&, const TimeseriesRow& row, int) { return row.prefix_hit_rate; }));
  charts.push_back(time_chart(runs, "running_waiting", "Requests", "requests", "requests",
                              {{"running", Qt::SolidLine}, {"waiting", Qt::DashLine}},
                              [](const RunRecord&, const TimeseriesRow& row, int which) {
                                return static_cast<double>(which == 0 ? row.running : row.waiting);
                              }));
  charts.push_back(time_chart(runs, "throughput", "Throughput", "tokens/s",
                              "tokens_per_s", {{"tokens/s", Qt::SolidLine}},
                              [](const RunRecord&, const TimeseriesRow& row, int) { return row.throughput_tok_s; }));

  ChartData cost;
  cost.id = "cost_breakdown";
  cost.title = "Cost of the run ($)";
  cost.bars = true;
  cost.stacked = true;
  cost.y_title = "$";
  cost.sets = {{"GPU", QColor(0x1f77b4), {}}, {"storage", QColor(0xff7f0e), {}}, {"transfer", QColor(0x2ca02c), {}}};
  ChartData per_token;
  per_token.id = "cost_per_million_tokens";
  per_token.title = "$ per million tokens";
  per_token.bars = true;
  per_token.y_title = "$ / M tokens";
  per_token.sets = {{"$ per million tokens", QColor(0x9467bd), {}}};
  for (const RunRecord* r : runs) {
    cost.categories << r->name;
    per_token.categories << r->name;
    cost.category_colors.push_back(r->color);
    per_token.category_colors.push_back(r->color);
    cost.sets[0].values.push_back(r->summary.cost.usd_gpu);
    cost.sets[1].values.push_back(r->summary.cost.usd_storage);
    cost.sets[2].values.push_back(r->summary.cost.usd_transfer);
    per_token.sets[0].values.push_back(r->summary.cost.usd_per_million_tokens);
  }
  charts.push_back(cost);
  charts.push_back(per_token);
  for (ChartData& c : charts) {
    if (c.id == "kv_memory") c.key = "— used, - - cached (free but reusable), ··· free";
    if (c.id == "running_waiting") c.key = "— running, - - waiting";
    if (c.id == "throughput") c.key = "prompt + generated tokens per second";
  }
  return charts;
}

namespace {

QString csv_field(const QString& s) {
  if (!s.contains(',') && !s.contains('"') && !s.contains('\n')) return s;
  QString quoted = s;
  quoted.replace("\"", "\"\"");
  return "\"" + quoted + "\"";
}

QString csv_number(double v) { return QString::number(v, 'g', QLocale::FloatingPointShortest); }

}  // namespace

QString chart_csv(const ChartData& chart) {
  QString out;
  if (chart.bars) {
    out += "run";
    for (const auto& set : chart.sets) out += "," + csv_field(set.name);
    out += "\n";
    for (int i = 0; i < chart.categories.size(); ++i) {
      out += csv_field(chart.categories[i]);
      for (const auto& set : chart.sets) out += "," + csv_number(set.values[static_cast<size_t>(i)]);
      out += "\n";
    }
    return out;
  }
  out += "run,series," + chart.x_column + "," + chart.y_column + "\n";
  for (const auto& s : chart.series) {
    const QString prefix = csv_field(s.run) + "," + csv_field(s.name.isEmpty() ? chart.y_column : s.name) + ",";
    for (const auto& p : s.points) out += prefix + csv_number(p.x()) + "," + csv_number(p.y()) + "\n";
  }
  return out;
}

QColor palette_color(size_t i) {
  static const QColor kPalette[] = {QColor(0x1f77b4), QColor(0xd62728), QColor(0x2ca02c), QColor(0xff7f0e),
                                    QColor(0x9467bd), QColor(0x8c564b), QColor(0xe377c2), QColor(0x7f7f7f),
                                    QColor(0xbcbd22), QColor(0x17becf)};
  return kPalette[i % std::size(kPalette)];
}

}  // namespace kvsim::gui
