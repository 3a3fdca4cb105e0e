// Sweeps (issue #10): the sweep file, its points, the results folder, resume, shards and merge.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/error.h"
#include "plan/sweep_results.h"
#include "plan/sweep_runner.h"
#include "plan/sweep_spec.h"
#include "scenario/scenario.h"
#include "test_run_util.h"

using namespace kvsim;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("kvsim_sweep_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(d);
  return d.string();
}

// A scenario that runs in milliseconds: the hand scenario's two requests.
json small_sweep(const json& axes) {
  return {{"base", testing::hand_scenario()}, {"axes", axes}};
}

SweepSpec parse(const json& j) { return parse_sweep(j, KVSIM_TEST_DATA); }

std::string error_of(const json& j) {
  try {
    parse(j);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

SweepOutcome run(const SweepSpec& spec, const std::string& dir, unsigned jobs = 2, Shard shard = {}) {
  SweepOptions o;
  o.out_dir = dir;
  o.shard = shard;
  static const Catalog catalog = Catalog::open_default();
  return run_sweep(spec, o, run_points_on_threads(spec, catalog, jobs, nullptr));
}

}  // namespace

TEST_CASE("a sweep's points are the product of its axes, the last axis and then the seeds varying fastest") {
  const SweepSpec spec = parse({{"base", testing::hand_scenario()},
                                {"axes", {{{"pointer", "/cluster/replicas"}, {"values", {1, 2}}},
                                          {{"pointer", "/engine/max_num_seqs"}, {"range", {{"from", 8}, {"to", 24}, {"step", 8}}}}}},
                                {"seeds", {{"values", {1, 2}}, {"pointers", {"/seed"}}}}});
  const auto points = enumerate_points(spec);
  REQUIRE(points.size() == 2 * 3 * 2);
  CHECK(overrides_json(points[0]) == json({{"/cluster/replicas", 1}, {"/engine/max_num_seqs", 8}, {"/seed", 1}}));
  CHECK(overrides_json(points[1]) == json({{"/cluster/replicas", 1}, {"/engine/max_num_seqs", 8}, {"/seed", 2}}));
  CHECK(overrides_json(points[2]) == json({{"/cluster/replicas", 1}, {"/engine/max_num_seqs", 16}, {"/seed", 1}}));
  CHECK(overrides_json(points[11]) == json({{"/cluster/replicas", 2}, {"/engine/max_num_seqs", 24}, {"/seed", 2}}));
  CHECK(points[5].overrides[1].second.is_number_integer());  // integer ends and step give integers
  std::set<std::string> hashes;
  for (const auto& p : points) hashes.insert(p.hash);
  CHECK(hashes.size() == points.size());
}

TEST_CASE("zipped axes move together and the seeds stay a product with them") {
  const SweepSpec spec = parse({{"base", testing::hand_scenario()},
                                {"combine", "zip"},
                                {"axes", {{{"pointer", "/gpu"}, {"values", {"H100-SXM", "A100-80GB"}}},
                                          {{"pointer", "/cost/usd_per_gpu_hour"}, {"values", {3.0, 1.5}}}}},
                                {"seeds", {7, 8}}});
  const auto points = enumerate_points(spec);
  REQUIRE(points.size() == 4);
  // A bare list of seeds goes to /seed and to the seed of the base's workload.
  CHECK(overrides_json(points[2]) == json({{"/gpu", "A100-80GB"}, {"/cost/usd_per_gpu_hour", 1.5}, {"/seed", 7},
                                           {"/workload/trace/seed", 7}}));
}

TEST_CASE("a range by step or by count, linear or logarithmic, includes both ends and writes 12 digits") {
  const auto values = [](const json& range) {
    return parse(small_sweep({{{"pointer", "/x"}, {"range", range}}})).axes[0].values;
  };
  CHECK(json(values({{"from", 1}, {"to", 16}, {"count", 5}, {"scale", "log"}})) == json({1, 2, 4, 8, 16}));
  CHECK(json(values({{"from", 0.5}, {"to", 1.5}, {"count", 3}})) == json({0.5, 1.0, 1.5}));
  CHECK(json(values({{"from", 10}, {"to", 2}, {"step", -4}})) == json({10, 6, 2}));
  CHECK(json(values({{"from", 0.1}, {"to", 0.5}, {"step", 0.1}})).dump() == "[0.1,0.2,0.3,0.4,0.5]");
}

TEST_CASE("a point's hash is the hash of its resolved scenario, so equal scenarios share it") {
  const SweepSpec spec = parse(small_sweep({{{"pointer", "/cluster/replicas"}, {"values", {1, 2}}}}));
  const auto points = enumerate_points(spec);
  json resolved = spec.base;
  resolved["cluster"]["replicas"] = 2;
  CHECK(points[1].hash == scenario_hash(resolved));
  CHECK(points[0].hash != points[1].hash);
  CHECK(points[0].hash.size() == 16);
}

TEST_CASE("an invalid sweep file names the JSON pointer of each problem") {
  const json good_axis = {{"pointer", "/cluster/replicas"}, {"values", {1}}};
  CHECK_THAT(error_of({{"axes", {good_axis}}}), Catch::Contains("/base: expected a scenario file"));
  CHECK_THAT(error_of(small_sweep(json::array())), Catch::Contains("/axes: expected a non-empty list of axes"));
  CHECK_THAT(error_of(small_sweep({{{"pointer", "cluster/replicas"}, {"values", {1}}}})),
             Catch::Contains("/axes/0/pointer: expected a JSON pointer"));
  CHECK_THAT(error_of(small_sweep({good_axis, {{"pointer", "/x"}}})),
             Catch::Contains("/axes/1: expected \"values\" (a list) or \"range\""));
  CHECK_THAT(error_of(small_sweep({{{"pointer", "/x"}, {"range", {{"from", 1}, {"to", 5}, {"step", -1}}}}})),
             Catch::Contains("/axes/0/range/step: expected a step that goes from 1 towards 5"));
  CHECK_THAT(error_of(small_sweep({{{"pointer", "/x"}, {"values", {1}}, {"valuse", 2}}})),
             Catch::Contains("/axes/0/valuse"));
  json zip = small_sweep({good_axis, {{"pointer", "/x"}, {"values", {1, 2}}}});
  zip["combine"] = "zip";
  CHECK_THAT(error_of(zip), Catch::Contains("/axes/1: has 2 values, /axes/0 has 1"));
  json seeds = small_sweep({good_axis});
  seeds["seeds"] = {1, -2};
  CHECK_THAT(error_of(seeds), Catch::Contains("/seeds/1: expected a seed"));
  json file = small_sweep({good_axis});
  file["base"] = "no-such-scenario.json";
  CHECK_THAT(error_of(file), Catch::Contains("/base: ") && Catch::Contains("no-such-scenario.json"));
}

TEST_CASE("an axis value that makes a point invalid fails only that point, with its message") {
  const SweepSpec spec = parse(small_sweep({{{"pointer", "/cluster/replicas"}, {"values", {1, 0, 2}}}}));
  const std::string dir = fresh_dir("invalid_point");
  const SweepOutcome o = run(spec, dir);
  CHECK(o.complete);
  CHECK(o.progress.failed == 1);
  const auto points = enumerate_points(spec);
  const auto lines = read_points_file(dir + "/points.jsonl");
  REQUIRE(lines.size() == 3);
  CHECK_THAT(lines.at(points[1].hash)["error"].get<std::string>(), Catch::Contains("/cluster/replicas"));
  CHECK(lines.at(points[0].hash).contains("summary"));
  CHECK(lines.at(points[2].hash)["summary"]["requests"]["completed"] == 2);
  CHECK_FALSE(lines.at(points[2].hash)["summary"].contains("scenario"));
  const std::string csv = testing::slurp(dir + "/points.csv");
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 4);
  CHECK_THAT(csv, Catch::StartsWith("index,hash,/cluster/replicas,error,"));
  CHECK_THAT(csv, Catch::Contains("point 1: 1 error; /cluster/replicas: "));  // one line per row
  fs::remove_all(dir);
}

TEST_CASE("points.jsonl drops a torn last line and the next line starts on its own") {
  const std::string dir = fresh_dir("torn");
  fs::create_directories(dir);
  std::ofstream(dir + "/points.jsonl") << "{\"hash\": \"a\", \"error\": \"x\"}\n{\"hash\": \"b\", \"summ";
  {
    PointsLog log(dir);
    CHECK(log.lines().size() == 1);
    CHECK(log.torn_bytes_dropped() == 19);
    log.append({{"hash", "c"}, {"error", "y"}});
  }
  const auto lines = read_points_file(dir + "/points.jsonl");
  CHECK(lines.size() == 2);
  CHECK(lines.count("c") == 1);
  fs::remove_all(dir);
}

TEST_CASE("a second sweep into a folder in use is refused") {
  const std::string dir = fresh_dir("locked");
  PointsLog first(dir);
  CHECK_THROWS_WITH(PointsLog(dir), Catch::Contains("in use by another kvsim sweep"));
  fs::remove_all(dir);
}

TEST_CASE("a re-run resumes: only the points without a result run, and points.csv is the same") {
  const SweepSpec spec = parse(small_sweep({{{"pointer", "/engine/max_num_seqs"}, {"values", {1, 2, 4, 8}}}}));
  const std::string whole = fresh_dir("whole"), resumed = fresh_dir("resumed");
  run(spec, whole, 1);
  // Keep two of the four lines, as a sweep killed half-way would.
  fs::create_directories(resumed);
  std::ifstream in(whole + "/points.jsonl");
  std::ofstream out(resumed + "/points.jsonl");
  std::string line;
  for (int i = 0; i < 2 && std::getline(in, line); ++i) out << line << "\n";
  out.close();
  const SweepOutcome o = run(spec, resumed, 2);
  CHECK(o.skipped == 2);
  CHECK(o.progress.ran == 2);
  CHECK(read_points_file(resumed + "/points.jsonl").size() == 4);
  CHECK(testing::slurp(resumed + "/points.csv") == testing::slurp(whole + "/points.csv"));
  CHECK(run(spec, resumed, 2).progress.ran == 0);
  fs::remove_all(whole);
  fs::remove_all(resumed);
}

TEST_CASE("a sweep with points missing leaves no points.csv") {
  const SweepSpec small = parse(small_sweep({{{"pointer", "/engine/max_num_seqs"}, {"values", {1, 2}}}}));
  const SweepSpec larger = parse(small_sweep({{{"pointer", "/engine/max_num_seqs"}, {"values", {1, 2, 4}}}}));
  const std::string dir = fresh_dir("no_csv");
  run(small, dir);
  REQUIRE(fs::exists(dir + "/points.csv"));
  SweepOptions o;
  o.out_dir = dir;
  bool csv_during_run = true;
  run_sweep(larger, o, [&](const std::vector<SweepPoint>&, const std::vector<size_t>& pending,
                           const std::function<void(json)>&) {
    CHECK(pending.size() == 1);
    csv_during_run = fs::exists(dir + "/points.csv");
  });  // runs nothing: as if killed
  CHECK_FALSE(csv_during_run);
  CHECK_FALSE(fs::exists(dir + "/points.csv"));
  fs::remove_all(dir);
}

TEST_CASE("shards partition the points and merge reassembles the uninterrupted sweep") {
  const SweepSpec spec = parse(small_sweep({{{"pointer", "/engine/max_num_seqs"}, {"values", {1, 2, 4, 8, 16}}}}));
  const std::string whole = fresh_dir("m_whole"), a = fresh_dir("m_a"), b = fresh_dir("m_b"), merged = fresh_dir("m_all");
  run(spec, whole);
  CHECK(run(spec, a, 1, parse_shard("0/2")).progress.total == 3);
  CHECK(run(spec, b, 1, parse_shard("1/2")).progress.total == 2);
  const SweepOutcome o = merge_sweeps({a, b}, merged);
  CHECK(o.complete);
  CHECK(testing::slurp(merged + "/points.csv") == testing::slurp(whole + "/points.csv"));
  CHECK_FALSE(merge_sweeps({a}, fresh_dir("m_half")).complete);
  CHECK_THROWS_WITH(parse_shard("2/2"), Catch::Contains("0 <= K < N"));
  for (const auto& d : {whole, a, b, merged, fresh_dir("m_half")}) fs::remove_all(d);
}

TEST_CASE("every sweep shipped under scenarios/sweeps is valid and its points resolve to valid scenarios") {
  const Catalog catalog = Catalog::open_default();
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(KVSIM_SOURCE_DIR) / "scenarios" / "sweeps")) {
    if (entry.path().extension() != ".json") continue;
    INFO(entry.path().string());
    const SweepSpec spec = load_sweep(entry.path().string());
    const auto points = enumerate_points(spec);
    REQUIRE(points.size() >= 2);
    for (size_t i : {size_t{0}, points.size() - 1}) parse_scenario(resolve_point(spec, points[i]), spec.base_dir, catalog);
    ++checked;
  }
  REQUIRE(checked >= 1);
}

TEST_CASE("points that resolve to the same scenario run once and share their result") {
  // replicas 1 is the base's value: both points are the base.
  json base = testing::hand_scenario();
  base["cluster"]["replicas"] = 1;
  const SweepSpec spec = parse({{"base", base}, {"axes", {{{"pointer", "/cluster/replicas"}, {"values", {1, 1, 2}}}}}});
  const std::string dir = fresh_dir("duplicates");
  const SweepOutcome o = run(spec, dir);
  CHECK(o.duplicates == 1);
  CHECK(o.progress.total == 2);
  CHECK(o.progress.ran == 2);
  CHECK(read_points_file(dir + "/points.jsonl").size() == 2);
  const std::string csv = testing::slurp(dir + "/points.csv");
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 4);  // every point has its row
  fs::remove_all(dir);
}
