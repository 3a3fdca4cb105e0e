// Issue #13's reproducers: every bad input gets one clear, short message naming where it is, and
// nothing crashes, hangs or loses data. Each TEST_CASE names the issue's item it keeps fixed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "catalog/catalog.h"
#include "core/error.h"
#include "core/json_reader.h"
#include "core/json_text.h"
#include "run/output_folder.h"
#include "run/simulation.h"
#include "scenario/scenario.h"
#include "scenario/scenario_choices.h"
#include "test_run_util.h"
#include "test_workload_util.h"
#include "workload/arrival_process.h"
#include "workload/trace_formats.h"
#include "workload/workload_config.h"

using namespace kvsim;
using kvsim::testing::hand_scenario;
using kvsim::testing::slurp;
using kvsim::testing::TempFile;
namespace fs = std::filesystem;

namespace {

std::string quickstart_path() { return std::string(KVSIM_SOURCE_DIR) + "/scenarios/quickstart.json"; }

// The message of the InputError that `f` throws ("" when it throws none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

Scenario parse(const nlohmann::json& j) { return parse_scenario(j, KVSIM_TEST_DATA, Catalog::open_default()); }

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("kvsim_bad_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(d);
  return d;
}

std::string read_trace_error(const std::string& format, const std::string& text) {
  TempFile f("bad." + format, text);
  return error_of([&] {
    auto reader = open_trace_reader(format, f.path());
    RequestSpec r;
    read_first_request(*reader, r);
    while (reader->next(r)) {
    }
  });
}

}  // namespace

TEST_CASE("#13.1 JSON nested 100000 deep is refused with its line and column, not a crash") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  TempFile f("deep.json", deep + "\n");
  const std::string e = error_of([&] { read_json_file(f.path()); });
  CHECK_THAT(e, Catch::StartsWith(f.path() + ":1:65: nested deeper than 64 levels"));
  CHECK(e.size() < 300);
  // The same in a --set value and in a Mooncake line.
  nlohmann::json j = hand_scenario();
  CHECK_THAT(error_of([&] { apply_override(j, "/name=" + deep); }), Catch::Contains("nested deeper than 64"));
  TempFile m("deep.jsonl", "{\"timestamp\": 0, \"input_length\": 1, \"output_length\": 1, \"x\": " + deep + "}\n");
  CHECK_THAT(read_trace_error("mooncake", slurp(m.path())), Catch::Contains(":1: column 125: nested deeper than 64"));
}

TEST_CASE("#13.1 describing a huge or deep JSON value costs what the message shows") {
  nlohmann::json root;
  nlohmann::json* at = &root;
  for (int i = 0; i < 200000; ++i) {  // built in place: deeper than any recursion could print
    *at = nlohmann::json::array();
    at->push_back(nullptr);
    at = &(*at)[0];
  }
  const std::string deep = describe_json(root);
  CHECK_THAT(deep, Catch::StartsWith("an array [[[[["));
  CHECK(deep.size() < 80);
  const std::string big = describe_json(nlohmann::json(std::string(10'000'000, 'x')));
  CHECK(big.size() < 80);
}

TEST_CASE("#13.2 an empty model or GPU name is an error like an unknown name") {
  nlohmann::json j = hand_scenario();
  j["model"] = "";
  CHECK_THAT(error_of([&] { parse(j); }), Catch::Contains("/model: expected a model name, found an empty string"));
  j = hand_scenario();
  j["gpu"] = "";
  CHECK_THAT(error_of([&] { parse(j); }), Catch::Contains("/gpu: expected a GPU name, found an empty string"));
  j = hand_scenario();
  j["model"] = nullptr;
  CHECK_THAT(error_of([&] { parse(j); }), Catch::Contains("/model: expected a string, found nothing (required)"));
  const std::string e = error_of([&] { load_scenario(quickstart_path(), {"/model="}, Catalog::open_default()); });
  CHECK_THAT(e, Catch::Contains("/model: expected a model name, found an empty string"));
  CHECK_THAT(e, Catch::Contains("(value from --set \"/model=\")"));
  CHECK_THAT(error_of([] { Catalog::open_default().gpu(""); }), Catch::Contains("expected a GPU name"));
}

TEST_CASE("#13.3 Gamma arrivals take a cv only in the range where the sampler terminates") {
  nlohmann::json j = nlohmann::json::parse(R"({"synthetic": {"num_requests": 10,
      "arrivals": {"process": "gamma", "rate": 10, "cv": 1e-160},
      "prompt_tokens": 10, "output_tokens": 10}})");
  ErrorList errors;
  JsonReader r(j, "/workload", errors);
  parse_workload(r);
  REQUIRE(errors.errors().size() == 1);
  CHECK(errors.errors()[0] == "/workload/synthetic/arrivals/cv: expected a number in [1e-06, 1000], found the number 1e-160");
  ArrivalConfig c;
  c.process = ArrivalConfig::Process::kGamma;
  c.cv = 1e-160;
  CHECK_THROWS_AS(ArrivalProcess(c, 1), InputError);
  for (double cv : {ArrivalConfig::kMinCv, ArrivalConfig::kMaxCv}) {  // both ends draw finite gaps
    c.cv = cv;
    ArrivalProcess p(c, 1);
    SimTime last = 0;
    for (int i = 0; i < 1000; ++i) {
      const SimTime t = p.next();
      REQUIRE(t >= last);
      last = t;
    }
  }
}

TEST_CASE("#13.4 arrival times past 100 years of simulated time are errors, not overflows") {
  nlohmann::json j = nlohmann::json::parse(R"({"synthetic": {"num_requests": 10,
      "arrivals": {"process": "poisson", "rate": 1e-308}, "prompt_tokens": 10, "output_tokens": 10}})");
  ErrorList errors;
  JsonReader r(j, "/workload", errors);
  parse_workload(r);
  REQUIRE(errors.errors().size() == 1);
  CHECK_THAT(errors.errors()[0], Catch::StartsWith("/workload/synthetic/arrivals/rate: expected a number in [1e-06, "));
  // At the slowest rate, the arrivals run into the limit after about 3,000 requests.
  ArrivalConfig slow;
  slow.rate = ArrivalConfig::kMinRate;
  ArrivalProcess p(slow, 1);
  std::string e;
  for (int i = 0; i < 100000 && e.empty(); ++i) e = error_of([&] { p.next(); });
  CHECK_THAT(e, Catch::Contains("pass the simulated-time limit of 100 years"));

  j = nlohmann::json::parse(R"({"trace": {"format": "azure", "path": "x.csv", "speed": 1e-300}})");
  ErrorList trace_errors;
  JsonReader t(j, "/workload", trace_errors);
  parse_workload(t);
  CHECK(trace_errors.errors().at(0) == "/workload/trace/speed: expected a number in [1e-06, 1000000], found the number 1e-300");

  // Azure timestamps 229 years apart, and the year 0000.
  CHECK_THAT(read_trace_error("azure", "TIMESTAMP,ContextTokens,GeneratedTokens\n1970-01-01 00:00:00,10,10\n"
                                       "2199-01-01 00:00:00,10,10\n"),
             Catch::Contains(":3: TIMESTAMP: \"2199-01-01 00:00:00\" is 7.22") &&
                 Catch::Contains("s after the first row's, beyond the simulated-time limit of 100 years"));
  CHECK_THAT(read_trace_error("azure", "TIMESTAMP,ContextTokens,GeneratedTokens\n0000-01-01 00:00:00,10,10\n"),
             Catch::Contains("(years 1970 to 2199), found \"0000-01-01 00:00:00\""));
}

TEST_CASE("#13.5 a second run into a locked output folder is refused and the first one's files stay whole") {
  const fs::path out = fresh_dir("locked");
  RunOptions opt;
  opt.out_dir = out.string();
  run_scenario(parse(hand_scenario()), opt);
  const std::string before = slurp(out / "requests.csv");
  {
    OutputFolder held(out.string());  // another run holds the folder
    const std::string e = error_of([&] { run_scenario(parse(hand_scenario()), opt); });
    CHECK_THAT(e, Catch::Contains("output folder " + out.string() + " is in use by another kvsim run"));
  }
  CHECK(slurp(out / "requests.csv") == before);
  CHECK(fs::exists(out / "summary.json"));
  run_scenario(parse(hand_scenario()), opt);  // the lock went with its holder
  fs::remove_all(out);
}

TEST_CASE("#13.9 a request dropped as too long keeps the output length it asked for") {
  nlohmann::json j = hand_scenario();
  j["engine"]["max_model_len"] = 60;  // r0 (50 + 3) fits, r1 (80 + 2) does not
  const fs::path out = fresh_dir("dropped");
  RunOptions opt;
  opt.out_dir = out.string();
  run_scenario(parse(j), opt);
  const std::string csv = slurp(out / "requests.csv");
  CHECK_THAT(csv, Catch::Contains("\n1,0,exceeds_max_model_len,0.005000000,,,,80,2,0,0,,,,\n"));
  fs::remove_all(out);
}

TEST_CASE("#13.10 a number beyond a double is an input error with its place and a short excerpt") {
  TempFile f("overflow.json", "{\n  \"name\": \"x\",\n  \"seed\": 1e400\n}\n");
  CHECK_THAT(error_of([&] { read_json_file(f.path()); }),
             Catch::Equals(f.path() + ":3:15: number out of range (a JSON number must fit a double, magnitude "
                                      "below 1.8e308) near \"  \\\"seed\\\": 1e400\""));
  // In an ignored field of a trace line, with ten megabytes of digits: a short message still.
  const std::string digits(10'000'000, '9');
  const std::string e = read_trace_error(
      "mooncake", "{\"timestamp\": 0, \"input_length\": 1, \"output_length\": 1, \"x\": " + digits + "e400}\n");
  CHECK_THAT(e, Catch::Contains(":1: column ") && Catch::Contains("number out of range"));
  CHECK(e.size() < 400);
  CHECK_THAT(error_of([] { nlohmann::json j; apply_override(j, "/seed=1e400"); }),
             Catch::Contains("--set \"/seed=1e400\": value, column 5: number out of range"));
}

TEST_CASE("#13.10 a failed rename while publishing is an I/O error and leaves nothing behind") {
  const fs::path out = fresh_dir("rename");
  fs::create_directories(out / "summary.json" / "in_the_way");  // summary.json cannot be replaced
  RunOptions opt;
  opt.out_dir = out.string();
  try {
    run_scenario(parse(hand_scenario()), opt);
    FAIL("expected an IoError");
  } catch (const IoError& e) {
    CHECK_THAT(e.what(), Catch::Contains("cannot move") && Catch::Contains("summary.json"));
  }
  for (const auto& entry : fs::directory_iterator(out)) {
    const std::string name = entry.path().filename().string();
    CHECK(name.find("partial") == std::string::npos);
    CHECK(name != ".kvsim-staging");
  }
  fs::remove_all(out);
}

TEST_CASE("#13.11 a trace with no usable request is an error") {
  CHECK_THAT(read_trace_error("mooncake", ""), Catch::Contains("holds no request"));
  CHECK_THAT(read_trace_error("azure", "TIMESTAMP,ContextTokens,GeneratedTokens\n"), Catch::Contains("holds no request"));
  CHECK_THAT(read_trace_error("burstgpt", "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\r"
                                          "5,ChatGPT,472,18,490,Conversation log\r"),
             Catch::Contains(":1: the header line holds a carriage return"));
  // The format named must match the file's: the first row tells.
  const std::string azure = kvsim::testing::test_trace("azure_llm_2023_conv_head100.csv");
  CHECK_THAT(error_of([&] {
               auto reader = open_trace_reader("mooncake", azure);
               RequestSpec r;
               read_first_request(*reader, r);
             }),
             Catch::Contains(":1: invalid JSON at column 1"));
}

TEST_CASE("#13.11 an empty trace fails the run instead of reporting zero requests") {
  TempFile empty("empty.jsonl", "");
  nlohmann::json j = hand_scenario();
  j["workload"]["trace"] = {{"format", "mooncake"}, {"path", empty.path()}};
  CHECK_THAT(error_of([&] { run_scenario(parse(j), RunOptions{}); }), Catch::Contains("holds no request"));
}

TEST_CASE("#13.12 --set names itself, states ranges, and never pads an array with nulls") {
  nlohmann::json j = nlohmann::json::parse(R"({"kv_cache": {"tiers": [{"name": "cpu"}]}})");
  CHECK_THAT(error_of([&] { apply_override(j, "/kv_cache/tiers/5={}"); }),
             Catch::Equals("--set \"/kv_cache/tiers/5={}\": /kv_cache/tiers has 1 element(s): expected an index in "
                           "[0, 1] (1 or - appends), found 5"));
  apply_override(j, "/kv_cache/tiers/1={\"name\": \"ssd\"}");
  apply_override(j, "/kv_cache/tiers/-={\"name\": \"s3\"}");
  CHECK(j["kv_cache"]["tiers"].size() == 3);
  CHECK(j["kv_cache"]["tiers"][2]["name"] == "s3");
  CHECK_THAT(error_of([&] { apply_override(j, "/kv_cache/tiers/0/name/x=1"); }),
             Catch::Contains("cannot set a field inside /kv_cache/tiers/0/name, which is the string \"cpu\""));
  const std::string e =
      error_of([&] { load_scenario(quickstart_path(), {"/engine/max_num_seqs=\"12\""}, Catalog::open_default()); });
  CHECK_THAT(e, Catch::Contains("/engine/max_num_seqs: expected an integer in [1, 1048576], found the string \"12\" "
                                "(value from --set \"/engine/max_num_seqs=\\\"12\\\"\")"));
}

TEST_CASE("#13.12 a trace path that is a device or a folder says so") {
  nlohmann::json j = hand_scenario();
  j["workload"]["trace"]["path"] = "/dev/null";
  CHECK_THAT(error_of([&] { run_scenario(parse(j), RunOptions{}); }),
             Catch::Contains("trace file /dev/null is not a regular file"));
  j["workload"]["trace"]["path"] = KVSIM_TEST_DATA;
  CHECK_THAT(error_of([&] { run_scenario(parse(j), RunOptions{}); }), Catch::Contains("is a folder, not a file"));
  CHECK_THAT(error_of([] { read_json_file(KVSIM_TEST_DATA); }), Catch::Contains("is a folder, expected a JSON file"));
}

TEST_CASE("#13.12 an unknown name of ten megabytes is quoted short") {
  nlohmann::json j = hand_scenario();
  j["model"] = std::string(10'000'000, 'm');
  const std::string e = error_of([&] { parse(j); });
  CHECK_THAT(e, Catch::Contains("unknown model \"mmmm"));
  CHECK(e.size() < 1000);
  j = hand_scenario();
  j[std::string(1'000'000, 'k')] = 1;
  CHECK(error_of([&] { parse(j); }).size() < 1000);
}

TEST_CASE("#13.13 a cancelled run leaves the previous results as they were") {
  const fs::path out = fresh_dir("cancel_keeps");
  RunOptions opt;
  opt.out_dir = out.string();
  run_scenario(parse(hand_scenario()), opt);
  const std::string summary = slurp(out / "summary.json"), requests = slurp(out / "requests.csv");
  std::atomic<bool> cancel{true};
  opt.cancel = &cancel;
  nlohmann::json j = hand_scenario();
  j["workload"] = nlohmann::json::parse(R"({"synthetic": {"num_requests": 20000,
      "arrivals": {"process": "poisson", "rate": 100}, "prompt_tokens": 10, "output_tokens": 10}})");
  CHECK_THROWS_AS(run_scenario(parse(j), opt), Cancelled);
  CHECK(slurp(out / "summary.json") == summary);
  CHECK(slurp(out / "requests.csv") == requests);
  for (const auto& entry : fs::directory_iterator(out))
    CHECK(entry.path().filename().string() != ".kvsim-staging");
  fs::remove_all(out);
}

TEST_CASE("#13.4 a step model that predicts a step past 100 years is an input error, not an overflow") {
  nlohmann::json j = hand_scenario();
  j["perf_model"]["base_s"] = 1e299;
  CHECK_THAT(error_of([&] { run_scenario(parse(j), RunOptions{}); }),
             Catch::Contains("a step at 0 s would last 1e+299 s, past the simulated-time limit of 100 years"));
}

TEST_CASE("#13.6 a year of idle time between two requests costs a few rows, not a row per interval") {
  TempFile trace("year_apart.csv", "arrived_at,num_prefill_tokens,num_decode_tokens\n0.0,50,3\n31536000.0,80,2\n");
  nlohmann::json j = hand_scenario();
  j["workload"]["trace"]["path"] = trace.path();
  const fs::path out = fresh_dir("year_apart");
  RunOptions opt;
  opt.out_dir = out.string();
  opt.keep_samples = false;
  const RunResult r = run_scenario(parse(j), opt);
  CHECK(r.timeseries.empty());  // not kept in memory: the rows are in timeseries.csv
  const std::string csv = slurp(out / "timeseries.csv");
  const auto rows = std::count(csv.begin(), csv.end(), '\n') - 1;
  CHECK(rows < 2100);
  CHECK_THAT(csv, Catch::Contains("\n31535999.000000000,"));  // the last row before the second request
  CHECK(r.summary.requests.completed == 2);
  // Every one-second interval counts in the mean, written or not: one block used in about 0.1 s.
  CHECK(r.summary.kv.mean_utilization < 1e-6);
  fs::remove_all(out);
}

TEST_CASE("#13.7 a fleet whose state cannot fit in memory is refused up front with the estimate") {
  nlohmann::json j = hand_scenario();
  j["cluster"]["replicas"] = 100000;
  j["engine"]["num_gpu_blocks_override"] = 1 << 30;
  const Scenario sc = parse(j);
  CHECK(estimated_state_bytes(sc) > 6e15);
  CHECK_THAT(error_of([&] { run_scenario(sc, RunOptions{}); }),
             Catch::Contains("the scenario's 100000 replica(s) need about ") &&
                 Catch::Contains(" GiB of memory for their KV bookkeeping (65536 MiB each), more than the "));
}

TEST_CASE("#13.7 a fleet of many replicas that gets few requests makes few KV block records") {
  nlohmann::json j = hand_scenario();  // two requests
  j["cluster"]["replicas"] = 2000;
  const Scenario sc = parse(j);
  const RunResult r = run_scenario(sc, RunOptions{});
  CHECK(r.summary.requests.completed == 2);
  // Records are made as blocks are first used: the two requests' blocks, not 2000 x 1000.
  CHECK(r.kv_block_records > 0);
  CHECK(r.kv_block_records <= 2 * (sc.replica.max_model_len / 16 + 1));
  // The estimate counts what the requests can fill when their number is known.
  j["workload"]["trace"]["max_requests"] = 2;
  const double bounded = estimated_state_bytes(parse(j));
  CHECK(bounded < 2000 * 8 * 1024 + 2 * (sc.replica.max_model_len / 16 + 1) * 64 + 1);
  CHECK(bounded < estimated_state_bytes(sc) / 4);
}

namespace {

// The issues of the InputError that parse_scenario throws for `j` (none when it throws none).
std::vector<InputIssue> issues_of(const nlohmann::json& j) {
  try {
    parse_scenario(j, ".", Catalog::open_default(), "s.json");
  } catch (const InputError& e) {
    return e.issues();
  }
  return {};
}

std::vector<std::string> pointers_of(const std::vector<InputIssue>& issues) {
  std::vector<std::string> p;
  for (const InputIssue& i : issues) p.push_back(i.pointer);
  return p;
}

}  // namespace

TEST_CASE("#12 a scenario's errors come as (JSON pointer, message) pairs, the same lines as the message") {
  nlohmann::json j = hand_scenario();
  j["engine"]["max_num_seqs"] = "lots";
  j["deployment"] = {{"kv_dtype", "fp7"}};
  j["kv_cache"] = {{"eviction_policy", "newest"}};
  j["cluster"] = {{"replicas", 0}};
  j["colour"] = "blue";
  std::string message;
  std::vector<InputIssue> issues;
  try {
    parse_scenario(j, ".", Catalog::open_default(), "s.json");
  } catch (const InputError& e) {
    message = e.what();
    issues = e.issues();
  }
  REQUIRE(issues.size() == 5);
  // what() is the list as the CLI prints it, each line an issue's text.
  std::string listed = "s.json: 5 errors";
  for (const InputIssue& i : issues) listed += "\n  " + i.text();
  CHECK(message == listed);
  std::vector<std::string> pointers = pointers_of(issues);
  std::sort(pointers.begin(), pointers.end());
  CHECK(pointers == std::vector<std::string>{"/cluster/replicas", "/colour", "/deployment/kv_dtype",
                                             "/engine/max_num_seqs", "/kv_cache/eviction_policy"});
  for (const InputIssue& i : issues) {
    INFO(i.text());
    CHECK(i.message.find(i.pointer + ": ") == std::string::npos);  // the pointer is not repeated in the message
    if (i.pointer == "/deployment/kv_dtype") CHECK_THAT(i.message, Catch::Contains("\"fp7\"") && Catch::Contains("fp8"));
    if (i.pointer == "/colour") CHECK_THAT(i.message, Catch::Contains("unknown"));
  }
}

TEST_CASE("#12 structured errors: a --set value keeps its note, a missing trace names its path's pointer") {
  const TempFile f("s12.json", hand_scenario().dump());
  try {
    load_scenario(f.path(), {"/engine/block_size=0"}, Catalog::open_default());
    FAIL("no error");
  } catch (const InputError& e) {
    REQUIRE(e.issues().size() == 1);
    CHECK(e.issues()[0].pointer == "/engine/block_size");
    CHECK_THAT(e.issues()[0].message, Catch::Contains("value from --set"));
  }
  nlohmann::json j = hand_scenario();
  j["workload"] = nlohmann::json::parse(R"({"trace": {"path": "no/such/trace.csv", "format": "azure"}})");
  const Scenario sc = parse_scenario(j, ".", Catalog::open_default());
  try {
    open_workload(sc.workload, sc.base_dir);
    FAIL("no error");
  } catch (const InputError& e) {
    REQUIRE(e.issues().size() == 1);
    CHECK(e.issues()[0].pointer == "/workload/trace/path");
    CHECK(e.issues()[0].message == e.what());
  }
  // An error about no field carries no issue: a front end shows its message whole.
  CHECK(IoError("cannot create output folder").issues().empty());
}

TEST_CASE("#12 every value the one list of scenario choices offers parses, its default is the parser's, and others are refused") {
  for (const ScenarioChoice& c : scenario_choices()) {
    INFO(c.pointer);
    REQUIRE(std::find(c.options.begin(), c.options.end(), c.default_value) != c.options.end());
    const nlohmann::json::json_pointer ptr(c.pointer);
    for (const std::string& option : c.options) {
      nlohmann::json j = hand_scenario();
      j[ptr] = option;
      // Some options need others (swap needs paged KV, ...): only the field itself must not be refused.
      const std::vector<InputIssue> issues = issues_of(j);
      CHECK(std::none_of(issues.begin(), issues.end(), [&](const InputIssue& i) { return i.pointer == c.pointer; }));
    }
    nlohmann::json j = hand_scenario();
    j[ptr] = "not-an-option";
    const std::vector<InputIssue> issues = issues_of(j);
    REQUIRE(issues.size() == 1);
    CHECK(issues[0].pointer == c.pointer);
    for (const std::string& option : c.options) CHECK_THAT(issues[0].message, Catch::Contains(option));
  }
  // The defaults applied when the fields are absent are the listed ones.
  nlohmann::json bare = hand_scenario();
  bare.erase("engine");
  bare.erase("deployment");
  bare.erase("cluster");
  bare["engine"] = {{"num_gpu_blocks_override", 1000}};
  const Scenario sc = parse_scenario(bare, ".", Catalog::open_default());
  CHECK(sc.router == scenario_choice("/cluster/router").default_value);
  CHECK(sc.replica.scheduler.max_num_seqs == scenario_number("/engine/max_num_seqs").default_value);
  CHECK(sc.replica.scheduler.max_num_batched_tokens == scenario_number("/engine/max_num_batched_tokens").default_value);
  CHECK(sc.replica.block_size == scenario_number("/engine/block_size").default_value);
  CHECK(sc.num_replicas == scenario_number("/cluster/replicas").default_value);
  CHECK(sc.deployment.tensor_parallel == scenario_number("/deployment/tensor_parallel").default_value);
  CHECK(sc.replica.eviction_policy == scenario_choice("/kv_cache/eviction_policy").default_value);
}
