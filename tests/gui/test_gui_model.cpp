// The GUI's plain-data pieces, without a window: JSON pointer editing, validation messages split
// by field, CDF thinning, line decimation, chart CSV, and the summary figures read with defaults.
#include <algorithm>

#include <QTest>

#include "chart_data.h"
#include "chart_panel.h"
#include "gui_test_support.h"
#include "json_path.h"
#include "run_record.h"
#include "summary_rows.h"
#include "validation.h"

using namespace kvsim::gui;

class GuiModelTest : public QObject {
  Q_OBJECT

 private slots:
  void setting_a_pointer_creates_the_objects_on_the_way();
  void erasing_a_pointer_removes_the_objects_it_empties();
  void pointer_prefixes_match_whole_tokens();
  void a_scenarios_errors_come_one_issue_per_pointer_as_the_cli_lists_them();
  void a_missing_trace_is_attributed_to_its_pointer();
  void an_error_without_a_pointer_stays_whole();
  void a_cdf_keeps_every_sample_up_to_its_limit_and_even_ranks_beyond();
  void a_long_line_is_drawn_with_its_peaks();
  void chart_csv_has_one_row_per_point();
  void summary_figures_default_to_zero_and_use_the_cli_precision();
};

void GuiModelTest::setting_a_pointer_creates_the_objects_on_the_way() {
  Json j = Json::parse(R"({"engine": 5, "name": "x"})");
  json_set(j, "/engine/max_num_seqs", 64);
  json_set(j, "/kv_cache/tiers", Json::array({Json::object()}));
  json_set(j, "/kv_cache/tiers/0/name", "cpu");
  json_set(j, "/a~1b/c~0d", 1);
  KVSIM_JSON_COMPARE(j, Json::parse(R"({"engine": {"max_num_seqs": 64}, "name": "x",
                                       "kv_cache": {"tiers": [{"name": "cpu"}]}, "a/b": {"c~d": 1}})"));
  QVERIFY(json_find(j, "/kv_cache/tiers/0/name") != nullptr);
  QVERIFY(json_find(j, "/kv_cache/tiers/1") == nullptr);
  QVERIFY(json_find(j, "/name/x") == nullptr);
}

void GuiModelTest::erasing_a_pointer_removes_the_objects_it_empties() {
  Json j = Json::parse(R"({"slo": {"ttft_s": 1}, "engine": {"a": 1, "b": 2}, "w": {"s": {"t": {"u": 1}}}})");
  json_erase(j, "/slo/ttft_s");
  json_erase(j, "/engine/a");
  json_erase(j, "/w/s/t/u");
  json_erase(j, "/not/there");
  KVSIM_JSON_COMPARE(j, Json::parse(R"({"engine": {"b": 2}})"));
  json_assign(j, "/engine/b", std::nullopt);
  KVSIM_JSON_COMPARE(j, Json::object());
}

void GuiModelTest::pointer_prefixes_match_whole_tokens() {
  QVERIFY(pointer_has_prefix("/engine/max_num_seqs", "/engine"));
  QVERIFY(pointer_has_prefix("/engine", "/engine"));
  QVERIFY(!pointer_has_prefix("/engine2/x", "/engine"));
  QVERIFY(pointer_has_prefix("/anything", ""));
  QCOMPARE(pointer_join("/kv_cache", "a/b"), std::string("/kv_cache/a~1b"));
  QCOMPARE(pointer_tokens("/a~1b/c~0"), (std::vector<std::string>{"a/b", "c~"}));
}

void GuiModelTest::a_scenarios_errors_come_one_issue_per_pointer_as_the_cli_lists_them() {
  Json scenario = test::small_scenario();
  scenario["engine"]["max_num_seqs"] = "lots";
  scenario["model"] = "No-Such-Model";
  scenario["colour"] = "blue";
  const Validation v = validate_scenario(scenario, ".", kvsim::Catalog::open_default(), "s.json");
  QVERIFY(!v.valid);
  QCOMPARE(v.issues.size(), size_t{3});
  std::vector<std::string> pointers;
  for (const Issue& issue : v.issues) pointers.push_back(issue.pointer);
  std::sort(pointers.begin(), pointers.end());
  QCOMPARE(pointers, (std::vector<std::string>{"/colour", "/engine/max_num_seqs", "/model"}));
  // Each issue is a line of the message `kvsim validate` prints, in its order.
  std::string listed = "s.json: 3 errors";
  for (const Issue& issue : v.issues) listed += "\n  " + issue.text();
  QCOMPARE(v.message, listed);
  for (const Issue& issue : v.issues) {
    if (issue.pointer == "/engine/max_num_seqs")
      QCOMPARE(issue.message, std::string("expected an integer in [1, 1048576], found the string \"lots\""));
    if (issue.pointer == "/colour") QVERIFY2(issue.message.find("unknown") != std::string::npos, issue.message.c_str());
  }
}

void GuiModelTest::a_missing_trace_is_attributed_to_its_pointer() {
  Json scenario = test::small_scenario();
  scenario["workload"] = Json::parse(R"({"trace": {"path": "no/such/trace.csv", "format": "azure"}})");
  const Validation v = validate_scenario(scenario, ".", kvsim::Catalog::open_default(), "s.json");
  QVERIFY(!v.valid);
  QCOMPARE(v.issues.size(), size_t{1});
  QCOMPARE(v.issues[0].pointer, std::string("/workload/trace/path"));
  QCOMPARE(v.issues[0].message, v.message);
  QVERIFY(v.message.rfind("trace file not found: ", 0) == 0);
}

void GuiModelTest::an_error_without_a_pointer_stays_whole() {
  const auto issues = issues_of(kvsim::IoError("cannot create output folder /x: Permission denied"));
  QCOMPARE(issues.size(), size_t{1});
  QVERIFY(issues[0].pointer.empty());
  QCOMPARE(issues[0].text(), std::string("cannot create output folder /x: Permission denied"));
  const auto plain = issues_of(std::runtime_error("internal"));
  QCOMPARE(plain.size(), size_t{1});
  QCOMPARE(plain[0].text(), std::string("internal"));
}

void GuiModelTest::a_cdf_keeps_every_sample_up_to_its_limit_and_even_ranks_beyond() {
  std::vector<double> small = {0.1, 0.2, 0.3, 0.4};
  const CdfCurve c = make_cdf(small, 0.25, 0.39);
  QCOMPARE(c.points.size(), size_t{4});
  QCOMPARE(c.points[0], QPointF(0.1, 0.25));
  QCOMPARE(c.points[3], QPointF(0.4, 1.0));
  QCOMPARE(c.p99, 0.39);

  std::vector<double> big(10 * kMaxCdfPoints + 7);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<double>(i);
  const CdfCurve t = make_cdf(big, 0, 0);
  QCOMPARE(t.samples, big.size());
  QCOMPARE(t.points.size(), kMaxCdfPoints);
  QCOMPARE(t.points.front(), QPointF(0, 1.0 / static_cast<double>(big.size())));
  QCOMPARE(t.points.back(), QPointF(static_cast<double>(big.size() - 1), 1.0));
  for (size_t i = 1; i < t.points.size(); ++i) QVERIFY(t.points[i].x() > t.points[i - 1].x());
  QVERIFY(make_cdf({}, 0, 0).points.empty());
}

void GuiModelTest::a_long_line_is_drawn_with_its_peaks() {
  std::vector<QPointF> short_line = {{0, 1}, {1, 2}};
  QCOMPARE(points_to_draw(short_line).size(), size_t{2});
  std::vector<QPointF> line;
  for (int i = 0; i < 100000; ++i) line.emplace_back(i, i == 54321 ? 1000.0 : (i % 7));
  const auto drawn = points_to_draw(line);
  QCOMPARE(drawn.size(), kMaxDrawnPoints);
  QVERIFY(std::any_of(drawn.begin(), drawn.end(), [](const QPointF& p) { return p.y() == 1000.0; }));
  for (size_t i = 1; i < drawn.size(); ++i) QVERIFY(drawn[i].x() >= drawn[i - 1].x());
}

void GuiModelTest::chart_csv_has_one_row_per_point() {
  RunRecord a, b;
  a.name = "LRU";
  b.name = "S3-FIFO, small";
  a.timeseries.resize(3);
  b.timeseries.resize(2);
  for (size_t i = 0; i < 3; ++i) a.timeseries[i].time_s = static_cast<double>(i), a.timeseries[i].running = i;
  a.summary.cost.usd_gpu = 1.5;
  a.summary.cost.usd_per_million_tokens = 0.25;
  const auto charts = build_charts({&a, &b});
  const ChartData* requests = nullptr;
  const ChartData* cost = nullptr;
  for (const auto& c : charts) {
    if (c.id == "running_waiting") requests = &c;
    if (c.id == "cost_breakdown") cost = &c;
  }
  QVERIFY(requests != nullptr && cost != nullptr);
  QCOMPARE(chart_csv(*requests),
           QString("run,series,time_s,requests\n"
                   "LRU,running,0,0\nLRU,running,1,1\nLRU,running,2,2\n"
                   "LRU,waiting,0,0\nLRU,waiting,1,0\nLRU,waiting,2,0\n"
                   "\"S3-FIFO, small\",running,0,0\n\"S3-FIFO, small\",running,0,0\n"
                   "\"S3-FIFO, small\",waiting,0,0\n\"S3-FIFO, small\",waiting,0,0\n"));
  // Storage and transfer default to 0 when a run has no KV tiers.
  QCOMPARE(chart_csv(*cost), QString("run,GPU,storage,transfer\nLRU,1.5,0,0\n\"S3-FIFO, small\",0,0,0\n"));
}

void GuiModelTest::summary_figures_default_to_zero_and_use_the_cli_precision() {
  // A summary.json of an older kvsim, with few members: read once into the typed summary.
  const kvsim::RunSummary s = kvsim::summary_from_json({{"requests", {{"completed", 12}}},
                                                        {"ttft_s", {{"p99", 0.123456}}},
                                                        {"cost", {{"usd_per_million_tokens", 1.0 / 3}}}});
  const auto rows = summary_rows(s);
  const auto find = [&](const QString& label) {
    for (const auto& r : rows)
      if (r.label == label) return r.text;
    return QString("<none>");
  };
  QCOMPARE(find("completed"), QString("12"));
  QCOMPARE(find("TTFT p99"), QString("0.1235"));  // printf("%.4f")
  QCOMPARE(find("$ per million tokens"), QString("0.3333"));
  QCOMPARE(find("storage $"), QString("0.0000"));
  QCOMPARE(find("transfer $"), QString("0.0000"));
  QCOMPARE(rows.size(), summary_rows(kvsim::RunSummary{}).size());
}

QTEST_MAIN(GuiModelTest)
#include "test_gui_model.moc"
