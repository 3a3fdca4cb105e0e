// The Sweep tab: a small sweep run from its file with progress (the library's run_sweep on a
// worker, the CLI's folder), its lines equal to the values of points.csv for the chosen axes and
// metric, seeds fixed or averaged, the folder opened again, Cancel, and a bad sweep file.
#include <fstream>
#include <map>

#include <QChart>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QStringList>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include "chart_panel.h"
#include "gui_test_support.h"
#include "sweep_view.h"

using namespace kvsim::gui;
using namespace kvsim::gui::test;

namespace {

// One line of CSV as RFC 4180 writes it (a field with a comma or quote is quoted, quotes doubled).
QStringList csv_cells(const QString& line) {
  QStringList cells;
  QString cell;
  bool quoted = false;
  for (int i = 0; i < line.size(); ++i) {
    const QChar c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      cell += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      cells << cell;
      cell.clear();
    } else {
      cell += c;
    }
  }
  cells << cell;
  return cells;
}

// points.csv as rows of column -> text (no cell of these sweeps spans lines).
std::vector<std::map<QString, QString>> read_points_csv(const QString& path) {
  QFile f(path);
  std::vector<std::map<QString, QString>> rows;
  if (!f.open(QIODevice::ReadOnly)) return rows;
  const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
  const QStringList header = csv_cells(lines.value(0));
  for (int i = 1; i < lines.size(); ++i) {
    const QStringList cells = csv_cells(lines[i]);
    if (cells.size() != header.size()) return {};
    std::map<QString, QString> row;
    for (int c = 0; c < header.size() && c < cells.size(); ++c) row[header[c]] = cells[c];
    rows.push_back(row);
  }
  return rows;
}

// replicas 1, 2 x rate 10, 40 x seeds 7, 8: eight runs of 150 requests.
Json small_sweep() {
  Json base = small_scenario(150, 10.0);
  return Json{{"name", "gui-sweep"},
              {"base", base},
              {"axes", Json::array({Json{{"pointer", "/cluster/replicas"}, {"values", {1, 2}}},
                                    Json{{"pointer", "/workload/synthetic/arrivals/rate"}, {"values", {10, 40}}}})},
              {"seeds", Json{{"values", {7, 8}}, {"pointers", {"/workload/synthetic/seed"}}}}};
}

QString write_json(const QTemporaryDir& dir, const char* name, const Json& j) {
  const QString path = dir.filePath(name);
  std::ofstream(path.toStdString()) << j.dump(2);
  return path;
}

const SeriesData* line_named(const ChartData& chart, const QString& run) {
  for (const SeriesData& s : chart.series)
    if (s.run == run) return &s;
  return nullptr;
}

// A Sweep tab of its own, answering through a script, and a folder for its files.
struct SweepRig {
  QTemporaryDir tmp;
  kvsim::Catalog catalog = kvsim::Catalog::open_default();
  ScriptedPrompts prompts;
  SweepView view{catalog, &prompts};
  QSignalSpy ended{&view, &SweepView::sweep_ended};
  QString out = tmp.filePath("out");
  // Writes `sweep` and starts it into `out` on two threads.
  bool start(const Json& sweep) { return view.run_sweep_file(write_json(tmp, "sweep.json", sweep), out, 2); }
};

}  // namespace

class SweepViewTest : public QObject {
  Q_OBJECT

 private slots:
  void a_sweep_runs_from_its_file_and_its_lines_equal_points_csv();
  void cancel_stops_a_sweep_and_leaves_no_points_csv();
  void a_bad_sweep_file_shows_the_pointer_at_fault();
  void an_axis_of_names_is_placed_at_its_positions_and_failed_points_are_left_out();
  void the_window_has_a_sweep_tab();
};

void SweepViewTest::a_sweep_runs_from_its_file_and_its_lines_equal_points_csv() {
  SweepRig rig;
  auto& [tmp, catalog, prompts, view, ended, out] = rig;
  QVERIFY(rig.start(small_sweep()));
  QVERIFY(view.busy());
  QVERIFY(view.cancel_button()->isVisibleTo(&view));
  QVERIFY(ended.wait(120000));
  QVERIFY2(prompts.errors.isEmpty(), qPrintable(prompts.errors.join("\n")));
  QCOMPARE(ended.at(0).at(0).toBool(), true);
  QVERIFY(QTest::qWaitFor([&] { return !view.busy(); }, 5000));
  QVERIFY2(view.status_label()->text().startsWith("8 of 8 points"), qPrintable(view.status_label()->text()));

  const auto csv = read_points_csv(out + "/points.csv");
  QCOMPARE(csv.size(), size_t{8});
  const SweepTable& table = view.table();
  QCOMPARE(table.points.size(), size_t{8});
  QCOMPARE(table.done, size_t{8});
  QCOMPARE(table.axes.size(), size_t{3});
  QVERIFY(table.axes[2].seeds);
  // The default: x the first axis, a line per value of the second, the seeds averaged.
  QCOMPARE(view.selection().x_axis, 0);
  QCOMPARE(view.selection().series_axis, 1);
  QCOMPARE(view.selection().fixed[2], -1);

  // P99 TTFT against the rate, one line per replica count, at seed 8: points.csv's very values.
  view.x_axis_box()->setCurrentIndex(1);
  view.series_box()->setCurrentIndex(1);  // item 0 is "(one line)"
  view.metric_box()->setCurrentIndex(view.metric_box()->findText("ttft_s.p99"));
  QVERIFY(view.fixed_box(2) != nullptr);
  QVERIFY(view.fixed_box(0) == nullptr && view.fixed_box(1) == nullptr);
  view.fixed_box(2)->setCurrentIndex(2);  // "average", 7, 8
  const ChartData& chart = view.chart()->data();
  QCOMPARE(chart.y_column, QString("ttft_s.p99"));
  QCOMPARE(chart.x_column, QString("/workload/synthetic/arrivals/rate"));
  QCOMPARE(chart.series.size(), size_t{2});
  for (const char* replicas : {"1", "2"}) {
    const SeriesData* line = line_named(chart, QString("/cluster/replicas = ") + replicas);
    QVERIFY(line != nullptr);
    QCOMPARE(line->points.size(), size_t{2});
    for (const QPointF& p : line->points) {
      int matches = 0;
      for (const auto& row : csv) {
        if (row.at("/cluster/replicas") != replicas || row.at("/workload/synthetic/seed") != "8" ||
            row.at("/workload/synthetic/arrivals/rate").toDouble() != p.x())
          continue;
        ++matches;
        QCOMPARE(p.y(), row.at("ttft_s.p99").toDouble());
      }
      QCOMPARE(matches, 1);
    }
  }
  // Averaged over the seeds: the mean of the two rows.
  view.fixed_box(2)->setCurrentIndex(0);
  const SeriesData* two = line_named(view.chart()->data(), "/cluster/replicas = 2");
  QVERIFY(two != nullptr);
  for (const QPointF& p : two->points) {
    double sum = 0;
    int n = 0;
    for (const auto& row : csv)
      if (row.at("/cluster/replicas") == "2" && row.at("/workload/synthetic/arrivals/rate").toDouble() == p.x()) {
        sum += row.at("ttft_s.p99").toDouble();
        ++n;
      }
    QCOMPARE(n, 2);
    QCOMPARE(p.y(), sum / 2);
  }
  // The chart drawn has the two lines, and exports as CSV.
  QVERIFY(view.chart()->chart()->series().size() >= 2);
  QVERIFY(view.chart()->save_csv(tmp.filePath("sweep_chart.csv")));

  // The same folder opened again (as written by kvsim sweep --out) gives the same table.
  SweepView reopened(catalog, &prompts);
  QSignalSpy loaded(&reopened, &SweepView::loaded);
  reopened.open_folder(out);
  QVERIFY(loaded.wait(30000));
  QCOMPARE(reopened.table().done, size_t{8});
  QCOMPARE(reopened.table().metrics, table.metrics);
  for (size_t i = 0; i < table.points.size(); ++i)
    QCOMPARE(reopened.table().points[i].metrics.at("goodput.fraction"), table.points[i].metrics.at("goodput.fraction"));
}

void SweepViewTest::cancel_stops_a_sweep_and_leaves_no_points_csv() {
  SweepRig rig;
  auto& [tmp, catalog, prompts, view, ended, out] = rig;
  Json sweep = small_sweep();
  sweep["base"] = long_scenario();
  sweep["axes"][0]["values"] = {1, 2, 3, 4, 5, 6};
  QVERIFY(rig.start(sweep));
  QTest::qWait(500);
  QVERIFY(view.busy());
  QTest::mouseClick(view.cancel_button(), Qt::LeftButton);
  QVERIFY(ended.wait(30000));
  QCOMPARE(ended.at(0).at(0).toBool(), false);
  QVERIFY(QTest::qWaitFor([&] { return !view.busy(); }, 5000));
  QVERIFY2(view.status_label()->text().contains("cancelled"), qPrintable(view.status_label()->text()));
  QVERIFY(!QFile::exists(out + "/points.csv"));  // a points.csv is only ever a complete one
  QVERIFY(view.table().done < view.table().points.size());
  QVERIFY(prompts.errors.isEmpty());
}

void SweepViewTest::a_bad_sweep_file_shows_the_pointer_at_fault() {
  SweepRig rig;
  auto& [tmp, catalog, prompts, view, ended, out] = rig;
  Json sweep = small_sweep();
  sweep["axes"][0]["pointer"] = "cluster/replicas";
  QVERIFY(rig.start(sweep));
  QVERIFY(ended.wait(30000));
  QCOMPARE(prompts.errors.size(), 1);
  QVERIFY2(prompts.errors[0].contains("/axes/0/pointer"), qPrintable(prompts.errors[0]));
  QVERIFY(!QFile::exists(out));

  // Not a sweep folder.
  QSignalSpy loaded(&view, &SweepView::loaded);
  QVERIFY(QTest::qWaitFor([&] { return !view.busy(); }, 5000));
  view.open_folder(tmp.path());
  QVERIFY(QTest::qWaitFor([&] { return prompts.errors.size() == 2; }, 10000));
  QVERIFY2(prompts.errors[1].contains("sweep.json"), qPrintable(prompts.errors[1]));
  QCOMPARE(loaded.count(), 0);
}

void SweepViewTest::an_axis_of_names_is_placed_at_its_positions_and_failed_points_are_left_out() {
  SweepRig rig;
  auto& [tmp, catalog, prompts, view, ended, out] = rig;
  Json sweep = small_sweep();
  sweep["axes"] = Json::array({Json{{"pointer", "/gpu"}, {"values", {"H100-SXM", "no-such-gpu", "A100-80GB"}}}});
  sweep.erase("seeds");
  QVERIFY(rig.start(sweep));
  QVERIFY(ended.wait(120000));
  QCOMPARE(ended.at(0).at(0).toBool(), true);  // a failed point is a result: the sweep completes
  QVERIFY(prompts.errors.isEmpty());
  const SweepTable& table = view.table();
  QCOMPARE(table.failed, size_t{1});
  QVERIFY(table.points[1].error.contains("/gpu"));
  QVERIFY(!table.axes[0].numeric);
  const ChartData& chart = view.chart()->data();
  QCOMPARE(chart.series.size(), size_t{1});
  QVERIFY(chart.x_title.contains("0 = H100-SXM, 1 = no-such-gpu, 2 = A100-80GB"));
  const auto csv = read_points_csv(out + "/points.csv");
  QCOMPARE(csv.size(), size_t{3});
  const std::vector<QPointF>& points = chart.series[0].points;
  QCOMPARE(points.size(), size_t{2});  // the failed GPU has no point
  QCOMPARE(points[0], QPointF(0, csv[0].at("ttft_s.p99").toDouble()));
  QCOMPARE(points[1], QPointF(2, csv[2].at("ttft_s.p99").toDouble()));
  QVERIFY(!csv[1].at("error").isEmpty());
}

void SweepViewTest::the_window_has_a_sweep_tab() {
  ScriptedPrompts* prompts = nullptr;
  auto w = make_window(&prompts);
  QCOMPARE(w->views()->tabText(1), QString("Sweep"));
  QCOMPARE(w->views()->widget(1), static_cast<QWidget*>(w->sweep_view()));
}

QTEST_MAIN(SweepViewTest)
#include "test_sweep_view.moc"
