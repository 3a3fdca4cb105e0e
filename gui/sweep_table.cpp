#include "sweep_table.h"

#include <fstream>

#include <QDir>

#include "core/error.h"
#include "plan/sweep_results.h"
#include "plan/sweep_spec.h"

namespace kvsim::gui {

namespace {

// The numeric leaves of a summary, "a.b.c" -> value, as points.csv names its columns.
void numeric_leaves(const nlohmann::json& j, const std::string& prefix, std::map<std::string, double>& out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object())
      numeric_leaves(*it, key, out);
    else if (it->is_number())
      out[key] = it->get<double>();
    else if (it->is_boolean())
      out[key] = it->get<bool>() ? 1 : 0;
  }
}

}  // namespace

QString SweepTableAxis::value_text(size_t i) const {
  const nlohmann::json& v = values.at(i);
  return QString::fromStdString(v.is_string() ? v.get<std::string>() : v.dump());
}

SweepTable load_sweep_table(const QString& dir) {
  SweepTable table;
  table.dir = dir;
  const std::string sweep_path = QDir(dir).filePath("sweep.json").toStdString();
  std::ifstream in(sweep_path);
  if (!in) throw InputError(sweep_path + ": cannot be read (a sweep folder, written by kvsim sweep --out, has one)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(sweep_path + ": not JSON: " + e.what());
  }
  const SweepSpec spec = parse_sweep(j, QDir(dir).absolutePath().toStdString(), sweep_path);
  table.name = QString::fromStdString(spec.name);
  for (size_t a = 0; a < spec.axes.size(); ++a) {
    const SweepAxis& axis = spec.axes[a];
    SweepTableAxis t;
    t.pointer = axis.pointers.front();
    for (const std::string& p : axis.pointers) t.label += (t.label.isEmpty() ? "" : ", ") + QString::fromStdString(p);
    t.values = axis.values;
    t.numeric = !t.values.empty();
    for (const auto& v : t.values) t.numeric = t.numeric && v.is_number();
    t.seeds = spec.has_seed_axis && a + 1 == spec.axes.size();
    if (t.seeds) t.label = "seed (" + t.label + ")";
    table.axes.push_back(std::move(t));
  }
  const auto lines = read_points_file(QDir(dir).filePath("points.jsonl").toStdString());
  std::map<std::string, bool> metric_seen;
  for (const SweepPoint& p : enumerate_points(spec)) {
    SweepTablePoint row;
    row.index = p.index;
    for (const SweepTableAxis& axis : table.axes) {
      int found = -1;
      for (const auto& [pointer, value] : p.overrides) {
        if (pointer != axis.pointer) continue;
        for (size_t i = 0; i < axis.values.size() && found < 0; ++i)
          if (axis.values[i] == value) found = static_cast<int>(i);
      }
      row.value.push_back(found);
    }
    const auto line = lines.find(p.hash);
    if (line != lines.end()) {
      row.has_result = true;
      ++table.done;
      if (line->second.contains("error")) {
        row.error = QString::fromStdString(line->second["error"].is_string() ? line->second["error"].get<std::string>()
                                                                              : line->second["error"].dump());
        ++table.failed;
      } else if (line->second.contains("summary")) {
        numeric_leaves(line->second["summary"], "", row.metrics);
        for (const auto& [key, v] : row.metrics) metric_seen[key] = true;
      }
    }
    table.points.push_back(std::move(row));
  }
  for (const auto& [key, seen] : metric_seen) table.metrics.push_back(key);
  return table;
}

SweepSelection default_selection(const SweepTable& table) {
  SweepSelection s;
  s.fixed.assign(table.axes.size(), 0);
  for (size_t a = 1; a < table.axes.size() && s.series_axis < 0; ++a)
    if (!table.axes[a].seeds) s.series_axis = static_cast<int>(a);
  for (size_t a = 0; a < table.axes.size(); ++a)
    if (table.axes[a].seeds) s.fixed[a] = -1;
  return s;
}

ChartData sweep_chart(const SweepTable& table, const SweepSelection& sel) {
  ChartData chart;
  chart.id = "sweep";
  chart.y_title = QString::fromStdString(sel.metric);
  chart.y_column = chart.y_title;
  if (sel.x_axis < 0 || static_cast<size_t>(sel.x_axis) >= table.axes.size()) return chart;
  const SweepTableAxis& x = table.axes[static_cast<size_t>(sel.x_axis)];
  chart.x_column = QString::fromStdString(x.pointer);
  chart.x_title = x.label;
  if (!x.numeric) {
    QStringList names;
    for (size_t i = 0; i < x.values.size(); ++i) names << QString("%1 = %2").arg(i).arg(x.value_text(i));
    chart.x_title += " (" + names.join(", ") + ")";
  }
  chart.title = chart.y_title + " against " + QString::fromStdString(x.pointer);
  const bool has_series = sel.series_axis >= 0 && static_cast<size_t>(sel.series_axis) < table.axes.size() &&
                          sel.series_axis != sel.x_axis;
  const size_t lines = has_series ? table.axes[static_cast<size_t>(sel.series_axis)].values.size() : 1;
  for (size_t s = 0; s < lines; ++s) {
    std::vector<double> sum(x.values.size(), 0);
    std::vector<size_t> n(x.values.size(), 0);
    for (const SweepTablePoint& p : table.points) {
      if (!p.has_result || !p.error.isEmpty()) continue;
      const auto metric = p.metrics.find(sel.metric);
      if (metric == p.metrics.end()) continue;
      bool match = true;
      for (size_t a = 0; a < table.axes.size() && match; ++a) {
        if (static_cast<int>(a) == sel.x_axis) continue;
        if (has_series && static_cast<int>(a) == sel.series_axis) {
          match = p.value[a] == static_cast<int>(s);
          continue;
        }
        const int want = a < sel.fixed.size() ? sel.fixed[a] : 0;
        match = want < 0 || p.value[a] == want;
      }
      const int xi = p.value[static_cast<size_t>(sel.x_axis)];
      if (!match || xi < 0) continue;
      sum[static_cast<size_t>(xi)] += metric->second;
      ++n[static_cast<size_t>(xi)];
    }
    SeriesData series;
    series.color = palette_color(s);
    if (has_series) {
      const SweepTableAxis& axis = table.axes[static_cast<size_t>(sel.series_axis)];
      series.run = QString::fromStdString(axis.pointer) + " = " + axis.value_text(s);
    } else {
      series.run = chart.y_title;
    }
    for (size_t i = 0; i < x.values.size(); ++i) {
      if (n[i] == 0) continue;
      const double xv = x.numeric ? x.values[i].get<double>() : static_cast<double>(i);
      series.points.emplace_back(xv, sum[i] / static_cast<double>(n[i]));
    }
    chart.series.push_back(std::move(series));
  }
  return chart;
}

}  // namespace kvsim::gui
