#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "run/simulation.h"
#include "scenario/scenario.h"
#include "test_run_util.h"

using namespace kvsim;
using kvsim::testing::hand_scenario;
using kvsim::testing::slurp;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("kvsim_test_" + name);
  fs::remove_all(d);
  return d;
}

nlohmann::json synthetic_scenario(uint64_t num_requests) {
  nlohmann::json j = nlohmann::json::parse(R"({
    "name": "synthetic", "model": "Llama-3-8B", "gpu": "H100-SXM", "seed": 3,
    "cluster": {"replicas": 2, "router": "least_outstanding"},
    "engine": {"num_gpu_blocks_override": 600, "max_num_seqs": 32},
    "perf_model": {"kind": "roofline"},
    "workload": {"synthetic": {"seed": 11, "arrivals": {"process": "poisson", "rate": 40},
      "prompt_tokens": {"dist": "uniform", "min": 50, "max": 1500},
      "output_tokens": {"dist": "uniform", "min": 2, "max": 300},
      "system_prompt": {"fraction": 0.5, "tokens": 256, "count": 1}}}
  })");
  j["workload"]["synthetic"]["num_requests"] = num_requests;
  return j;
}

Scenario parse(const nlohmann::json& j) { return parse_scenario(j, KVSIM_TEST_DATA, Catalog::open_default()); }

std::vector<std::string> csv_rows(const std::string& text) {
  std::vector<std::string> rows;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) rows.push_back(line);
  return rows;
}

}  // namespace

TEST_CASE("end to end: two requests under a linear step model give the hand-computed latencies") {
  // step 1 [0, 0.060]:     r0 prefills 50 tokens            0.01 + 50 x 0.001
  // step 2 [0.060, 0.152]: r0 decodes, r1 prefills 80       0.01 + 80 x 0.001 + 0.002
  // step 3 [0.152, 0.166]: r0 and r1 decode                 0.01 + 2 x 0.002
  const fs::path out = fresh_dir("hand");
  RunOptions opt;
  opt.out_dir = out.string();
  const RunResult r = run_scenario(parse(hand_scenario()), opt);
  const auto& s = r.summary;
  REQUIRE(s["requests"]["completed"] == 2);
  REQUIRE(s["engine"]["steps"] == 3);
  // r0: TTFT 0.060, E2E 0.166, TPOT (0.166-0.060)/2; r1: TTFT 0.147, E2E 0.161, TPOT 0.014.
  REQUIRE(s["ttft_s"]["mean"].get<double>() == Approx((0.060 + 0.147) / 2));
  REQUIRE(s["e2e_s"]["mean"].get<double>() == Approx((0.166 + 0.161) / 2));
  REQUIRE(s["tpot_s"]["mean"].get<double>() == Approx((0.053 + 0.014) / 2));
  REQUIRE(s["queue_s"]["max"].get<double>() == Approx(0.055));
  REQUIRE(s["simulated_seconds"].get<double>() == Approx(0.166));
  const auto rows = csv_rows(slurp(out / "requests.csv"));
  REQUIRE(rows.size() == 3);
  REQUIRE(rows[1].rfind("0,0,finished,0.000000000,0.000000000,0.060000000,0.166000000,50,3,0,0,", 0) == 0);
  REQUIRE(rows[2].rfind("1,0,finished,0.005000000,0.060000000,0.152000000,0.166000000,80,2,0,0,", 0) == 0);
  REQUIRE(fs::exists(out / "summary.json"));
  REQUIRE(fs::exists(out / "timeseries.csv"));
  // GPU cost = 1 GPU x price x 0.166 s.
  REQUIRE(s["cost"]["usd_total"].get<double>() ==
          Approx(s["cost"]["usd_per_gpu_hour"].get<double>() * 0.166 / 3600));
}

TEST_CASE("the same scenario and seed give byte-identical outputs") {
  const Scenario sc = parse(synthetic_scenario(400));
  const fs::path a = fresh_dir("det_a"), b = fresh_dir("det_b");
  RunOptions oa, ob;
  oa.out_dir = a.string();
  ob.out_dir = b.string();
  run_scenario(sc, oa);
  run_scenario(sc, ob);
  REQUIRE(slurp(a / "requests.csv") == slurp(b / "requests.csv"));
  REQUIRE(slurp(a / "timeseries.csv") == slurp(b / "timeseries.csv"));
  REQUIRE(slurp(a / "summary.json") == slurp(b / "summary.json"));
  REQUIRE(slurp(a / "requests.csv").size() > 400 * 40);
}

TEST_CASE("every request completes or is reported as dropped") {
  nlohmann::json j = synthetic_scenario(500);
  j["engine"]["max_model_len"] = 1200;  // some prompts + answers are longer: dropped
  const fs::path out = fresh_dir("conservation");
  RunOptions opt;
  opt.out_dir = out.string();
  const RunResult r = run_scenario(parse(j), opt);
  const auto& req = r.summary["requests"];
  REQUIRE(req["arrived"] == 500);
  REQUIRE(req["dropped"].get<int>() > 0);
  REQUIRE(req["completed"].get<int>() + req["dropped"].get<int>() == 500);
  REQUIRE(req["dropped_by_reason"]["exceeds_max_model_len"] == req["dropped"]);
  const auto rows = csv_rows(slurp(out / "requests.csv"));
  REQUIRE(rows.size() == 501);
}

TEST_CASE("a small KV cache forces preemptions that the metrics report") {
  nlohmann::json j = synthetic_scenario(300);
  j["engine"]["num_gpu_blocks_override"] = 120;
  j["engine"]["max_model_len"] = 1800;
  const RunResult r = run_scenario(parse(j), RunOptions{});
  REQUIRE(r.summary["requests"]["preemptions"].get<int>() > 0);
  REQUIRE(r.summary["requests"]["completed"].get<int>() + r.summary["requests"]["dropped"].get<int>() == 300);
}

TEST_CASE("a shared system prompt shows up as prefix-cache hits") {
  const RunResult on = run_scenario(parse(synthetic_scenario(300)), RunOptions{});
  nlohmann::json j = synthetic_scenario(300);
  j["kv_cache"]["enable_prefix_caching"] = false;
  const RunResult off = run_scenario(parse(j), RunOptions{});
  REQUIRE(on.summary["prefix_cache"]["token_hit_rate"].get<double>() > 0.05);
  REQUIRE(off.summary["prefix_cache"]["hit_tokens"] == 0);
  REQUIRE(on.summary["engine"]["prefill_tokens_computed"].get<double>() <
          off.summary["engine"]["prefill_tokens_computed"].get<double>());
}

TEST_CASE("baselines: static batching and contiguous reservation serve fewer requests at once") {
  nlohmann::json paged = synthetic_scenario(300);
  nlohmann::json contiguous = paged;
  contiguous["engine"]["kv_layout"] = "contiguous";
  contiguous["engine"]["max_model_len"] = 2048;
  contiguous["kv_cache"]["enable_prefix_caching"] = false;
  nlohmann::json stat = contiguous;
  stat["engine"]["batching"] = "static";
  nlohmann::json orca = contiguous;
  orca["engine"]["batching"] = "orca";
  const double e2e_paged = run_scenario(parse(paged), {}).summary["e2e_s"]["mean"].get<double>();
  const double e2e_contig = run_scenario(parse(contiguous), {}).summary["e2e_s"]["mean"].get<double>();
  const double e2e_static = run_scenario(parse(stat), {}).summary["e2e_s"]["mean"].get<double>();
  const auto orca_run = run_scenario(parse(orca), {});
  REQUIRE(orca_run.summary["requests"]["completed"] == 300);
  REQUIRE(e2e_paged < e2e_contig);
  REQUIRE(e2e_contig < e2e_static);
}

TEST_CASE("a cancelled run publishes no outputs") {
  const fs::path out = fresh_dir("cancel");
  std::atomic<bool> cancel{true};
  RunOptions opt;
  opt.out_dir = out.string();
  opt.cancel = &cancel;
  REQUIRE_THROWS_AS(run_scenario(parse(synthetic_scenario(20000)), opt), Cancelled);
  REQUIRE_FALSE(fs::exists(out / "summary.json"));
  REQUIRE_FALSE(fs::exists(out / "requests.csv"));
  REQUIRE_FALSE(fs::exists(out / "requests.csv.partial"));
}

TEST_CASE("scenario errors name the JSON pointer, what was expected and what was found") {
  nlohmann::json j = hand_scenario();
  j["engine"]["max_num_seqs"] = "many";
  j["cluster"] = {{"replicas", 0}, {"routr", "round_robin"}};
  j["model"] = "No-Such-Model";
  try {
    parse(j);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Catch::Contains("/engine/max_num_seqs: expected an integer"));
    CHECK_THAT(msg, Catch::Contains("found the string \"many\""));
    CHECK_THAT(msg, Catch::Contains("/cluster/replicas: expected an integer in [1, 100000], found the number 0"));
    CHECK_THAT(msg, Catch::Contains("/cluster/routr: unknown field"));
    CHECK_THAT(msg, Catch::Contains("/model:"));
  }
}

TEST_CASE("scenario overrides take a JSON pointer and a JSON or bare value") {
  nlohmann::json j = hand_scenario();
  apply_override(j, "/cluster/replicas=4");
  apply_override(j, "/cluster/router=least_outstanding");
  REQUIRE(j["cluster"]["replicas"] == 4);
  REQUIRE(j["cluster"]["router"] == "least_outstanding");
  REQUIRE_THROWS_AS(apply_override(j, "cluster/replicas=4"), InputError);
}

TEST_CASE("every scenario shipped under scenarios/ is valid") {
  const Catalog catalog = Catalog::open_default();
  int checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(fs::path(KVSIM_SOURCE_DIR) / "scenarios")) {
    if (entry.path().extension() != ".json") continue;
    if (entry.path().parent_path().filename() == "sweeps") continue;  // sweep files: test_sweep.cpp
    if (entry.path().parent_path().filename() == "plans") continue;   // plan files: test_plan.cpp
    INFO(entry.path().string());
    const Scenario sc = load_scenario(entry.path().string(), {}, catalog);
    REQUIRE(sc.replica.num_gpu_blocks > 0);
    REQUIRE(sc.step_model != nullptr);
    ++checked;
  }
  REQUIRE(checked >= 4);
}

TEST_CASE("a scenario whose trace is missing says which path it tried") {
  nlohmann::json j = hand_scenario();
  j["workload"]["trace"]["path"] = "no/such/trace.csv";
  const Scenario sc = parse(j);
  REQUIRE_THROWS_WITH(run_scenario(sc, RunOptions{}), Catch::Contains("no/such/trace.csv"));
}

TEST_CASE("summary.json gives the scenario back in the user's key order, overrides applied") {
  const fs::path dir = fresh_dir("key_order");
  fs::create_directories(dir);
  const fs::path file = dir / "s.json";
  {
    std::ofstream out(file);
    out << R"({"workload": {"synthetic": {"seed": 1, "num_requests": 5, "arrivals": {"rate": 10},
                 "prompt_tokens": 100, "output_tokens": 10}},
               "name": "order", "model": "Llama-3-8B", "gpu": "H100-SXM",
               "engine": {"num_gpu_blocks_override": 500}})";
  }
  const Scenario sc = load_scenario(file.string(), {"/engine/max_num_seqs=8"}, Catalog::open_default());
  RunOptions o;
  o.out_dir = (dir / "out").string();
  run_scenario(sc, o);
  const std::string text = slurp(dir / "out" / "summary.json");
  const size_t scenario = text.find("\"scenario\": {");
  REQUIRE(scenario != std::string::npos);
  const size_t workload = text.find("\"workload\"", scenario), name = text.find("\"name\": \"order\"", scenario);
  CHECK(workload < name);  // as written, not sorted
  const size_t blocks = text.find("\"num_gpu_blocks_override\"", scenario), seqs = text.find("\"max_num_seqs\": 8", scenario);
  CHECK(blocks < seqs);  // the override appended after the file's own keys
  fs::remove_all(dir);
}
