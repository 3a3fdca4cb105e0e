// The scenario's "workload" object: parsing, errors by JSON pointer, opening.
#include <catch2/catch.hpp>

#include <filesystem>

#include "core/error.h"
#include "core/json_reader.h"
#include "test_workload_util.h"
#include "workload/workload_config.h"

using namespace kvsim;
using kvsim::testing::read_all;
using kvsim::testing::TempFile;
using kvsim::testing::test_trace;
using nlohmann::json;

namespace {

struct Parsed {
  WorkloadConfig config;
  std::vector<std::string> errors;
};

Parsed parse(const json& scenario) {
  ErrorList errors;
  JsonReader root(scenario, "", errors);
  JsonReader w = root.object("workload");
  Parsed p{parse_workload(w), {}};
  p.errors = errors.errors();
  return p;
}

WorkloadConfig parse_ok(const json& scenario) {
  Parsed p = parse(scenario);
  INFO(scenario.dump());
  for (const auto& e : p.errors) UNSCOPED_INFO(e);
  REQUIRE(p.errors.empty());
  return p.config;
}

bool has_error(const Parsed& p, const std::string& text) {
  for (const auto& e : p.errors)
    if (e == text) return true;
  return false;
}

#define CHECK_ERROR(parsed, text)                   \
  do {                                              \
    const Parsed& p_ = (parsed);                    \
    for (const auto& e : p_.errors) UNSCOPED_INFO(e); \
    CHECK(has_error(p_, text));                     \
  } while (0)

const std::string kDataDir = std::string(KVSIM_TEST_DATA);

}  // namespace

TEST_CASE("a trace workload reads with its defaults") {
  const auto c = parse_ok(json::parse(R"({"workload": {"trace": {"format": "azure", "path": "x.csv"}}})"));
  REQUIRE(c.trace);
  CHECK_FALSE(c.synthetic);
  CHECK(c.trace->format == "azure");
  CHECK(c.trace->path == "x.csv");
  CHECK(c.trace->window.is_identity());
  CHECK_FALSE(c.trace->arrivals);
  CHECK(c.trace->pointer == "/workload/trace");
}

TEST_CASE("every trace option reads") {
  const auto c = parse_ok(json::parse(R"({"workload": {"trace": {
      "format": "burstgpt", "path": "b.csv", "speed": 2.5, "start_s": 60, "end_s": 600,
      "max_requests": 1000, "seed": 3,
      "arrivals": {"process": "gamma", "rate": 12, "cv": 2},
      "burstgpt": {"model": "GPT-4", "log_type": "API log", "skip_failed": true}}}})"));
  const TraceConfig& t = *c.trace;
  CHECK(t.window.speed == 2.5);
  CHECK(t.window.start_s == 60);
  CHECK(t.window.end_s == 600);
  CHECK(t.window.max_requests == 1000);
  CHECK(t.seed == 3);
  REQUIRE(t.arrivals);
  CHECK(t.arrivals->process == ArrivalConfig::Process::kGamma);
  CHECK(t.arrivals->rate == 12);
  CHECK(t.arrivals->cv == 2);
  CHECK(t.burstgpt.model == "GPT-4");
  CHECK(t.burstgpt.log_type == "API log");
  CHECK(t.burstgpt.skip_failed);
}

TEST_CASE("a synthetic workload reads every field") {
  const auto c = parse_ok(json::parse(R"({"workload": {"synthetic": {
      "seed": 7, "num_requests": 5000, "duration_s": 300,
      "arrivals": {"process": "poisson", "rate": 10},
      "prompt_tokens": {"dist": "lognormal", "median": 900, "sigma": 0.7, "max": 8000},
      "output_tokens": 128,
      "system_prompt": {"fraction": 0.3, "tokens": 512, "count": 2},
      "sessions": {"fraction": 0.2, "turns": {"dist": "zipf", "s": 1.5, "max": 20},
                   "think_time_s": 15, "user_tokens": {"dist": "uniform", "min": 20, "max": 200},
                   "assumed_tpot_s": 0.03, "max_prompt_tokens": 32768}}}})"));
  REQUIRE(c.synthetic);
  const SyntheticConfig& s = *c.synthetic;
  CHECK(s.seed == 7);
  CHECK(s.num_requests == 5000);
  CHECK(s.duration_s == 300);
  CHECK(s.arrivals.rate == 10);
  CHECK(s.prompt_tokens.kind == LengthDist::Kind::kLognormal);
  CHECK(s.prompt_tokens.median == 900);
  CHECK(s.prompt_tokens.max == 8000);
  CHECK(s.prompt_tokens.min == 1);
  CHECK(s.prompt_tokens.pointer == "/workload/synthetic/prompt_tokens");
  CHECK(s.output_tokens.kind == LengthDist::Kind::kFixed);
  CHECK(s.output_tokens.value == 128);
  CHECK(s.system_prompt.fraction == 0.3);
  CHECK(s.system_prompt.tokens == 512);
  CHECK(s.system_prompt.count == 2);
  CHECK(s.sessions.fraction == 0.2);
  CHECK(s.sessions.turns.kind == LengthDist::Kind::kZipf);
  CHECK(s.sessions.turns.s == 1.5);
  CHECK(s.sessions.turns.max == 20);
  CHECK(s.sessions.think_time_s == 15);
  CHECK(s.sessions.user_tokens.max == 200);
  CHECK(s.sessions.assumed_tpot_s == 0.03);
  CHECK(s.sessions.max_prompt_tokens == 32768);
}

TEST_CASE("workload errors are collected with JSON pointers") {
  CHECK_ERROR(parse(json::parse(R"({"workload": {}})")),
              "/workload: expected exactly one of \"trace\", \"synthetic\" and \"shared_prefix\", found none");
  CHECK_ERROR(parse(json::parse(R"({"workload": {"trace": {"format": "azure", "path": "a"},
                                    "synthetic": {"num_requests": 1, "arrivals": {"rate": 1},
                                                  "prompt_tokens": 1, "output_tokens": 1}}})")),
              "/workload: expected exactly one of \"trace\", \"synthetic\" and \"shared_prefix\", found 2 of them");
  const Parsed bad_trace = parse(json::parse(R"({"workload": {"trace": {
      "format": "csv", "path": "", "speed": 0, "start_s": 10, "end_s": 5, "burstgpt": {}, "spead": 1}}})"));
  CHECK_ERROR(bad_trace, "/workload/trace/format: expected one of \"azure\", \"mooncake\", \"vidur\", "
                         "\"burstgpt\", found the string \"csv\"");
  CHECK_ERROR(bad_trace, "/workload/trace/path: expected the trace file, found an empty string");
  CHECK_ERROR(bad_trace, "/workload/trace/speed: expected a number in [1e-06, 1000000], found the number 0");
  CHECK_ERROR(bad_trace, "/workload/trace/end_s: expected a time after start_s (10 s), found the number 5");
  CHECK(bad_trace.errors.size() >= 5);
  bool unknown = false;
  for (const auto& e : bad_trace.errors) unknown |= e.rfind("/workload/trace/spead: unknown field", 0) == 0;
  CHECK(unknown);

  CHECK_ERROR(parse(json::parse(R"({"workload": {"trace": {"format": "azure", "path": "a",
                                    "burstgpt": {"model": "GPT-4"}}}})")),
              "/workload/trace/burstgpt: applies only to \"format\": \"burstgpt\", not \"azure\"");

  const Parsed bad_synthetic = parse(json::parse(R"({"workload": {"synthetic": {
      "arrivals": {"process": "poisson", "rate": -1, "cv": 2},
      "prompt_tokens": {"dist": "fixed", "value": 10, "sigma": 1},
      "output_tokens": {"dist": "lognormal", "mean": 10, "median": 10, "sigma": 1},
      "system_prompt": {"fraction": 1.5},
      "sessions": {"fraction": 0.5, "turns": {"dist": "trace", "format": "azure", "path": "x"}}}}})"));
  CHECK_ERROR(bad_synthetic, "/workload/synthetic: set \"num_requests\", \"duration_s\" or \"arrivals\": "
                             "{\"stages\": ...}, or the workload never ends");
  CHECK_ERROR(bad_synthetic, "/workload/synthetic/arrivals/rate: expected a number in [1e-06, 1000000000], found the number -1");
  CHECK_ERROR(bad_synthetic, "/workload/synthetic/output_tokens: expected exactly one of \"mean\" and \"median\" "
                             "(a positive number)");
  CHECK_ERROR(bad_synthetic, "/workload/synthetic/system_prompt/fraction: expected a number in [0, 1], found the number 1.5");
  CHECK_ERROR(bad_synthetic, "/workload/synthetic/sessions/turns/dist: a trace cannot give this quantity; use "
                             "fixed, uniform, lognormal, zipf or geometric");
  CHECK_ERROR(bad_synthetic, "/workload/synthetic/sessions/user_tokens: expected a length distribution such as "
                             "{\"dist\": \"fixed\", \"value\": 100}, found nothing (required)");
  bool sigma_unknown = false, cv_unknown = false;
  for (const auto& e : bad_synthetic.errors) {
    sigma_unknown |= e.rfind("/workload/synthetic/prompt_tokens/sigma: unknown field", 0) == 0;
    cv_unknown |= e.rfind("/workload/synthetic/arrivals/cv: unknown field", 0) == 0;
  }
  CHECK(sigma_unknown);  // sigma means nothing to a fixed length
  CHECK(cv_unknown);     // nor cv to Poisson arrivals
}

TEST_CASE("relative trace paths resolve against the scenario's folder") {
  const auto c = parse_ok(json::parse(R"({"workload": {"trace": {"format": "azure",
      "path": "traces/azure_llm_2023_conv_head100.csv", "max_requests": 10}}})"));
  auto source = open_workload(c, kDataDir);
  CHECK(read_all(*source).size() == 10);
  CHECK_THAT(source->describe(), Catch::Contains("azure_llm_2023_conv_head100.csv") && Catch::EndsWith("first 10"));
}

TEST_CASE("a missing trace file is reported with the path tried and where it was configured") {
  const auto c = parse_ok(json::parse(R"({"workload": {"trace": {"format": "mooncake",
      "path": "../shared/data/traces/nope.jsonl"}}})"));
  const std::string tried =
      std::filesystem::absolute(std::filesystem::path(kDataDir) / "../shared/data/traces/nope.jsonl")
          .lexically_normal()
          .string();
  CHECK_THROWS_WITH(open_workload(c, kDataDir),
                    "trace file not found: " + tried +
                        " (from /workload/trace/path); the shared traces live in ../shared/data/traces/ "
                        "next to the repository");
  const auto s = parse_ok(json::parse(R"({"workload": {"synthetic": {"num_requests": 5,
      "arrivals": {"rate": 1}, "prompt_tokens": {"dist": "trace", "format": "azure", "path": "missing.csv"},
      "output_tokens": 10}}})"));
  CHECK_THROWS_WITH(open_workload(s, kDataDir),
                    Catch::Contains("missing.csv (from /workload/synthetic/prompt_tokens/path)"));
}

TEST_CASE("a synthetic workload opens with trace lengths resolved against the scenario's folder") {
  const auto c = parse_ok(json::parse(R"({"workload": {"synthetic": {"num_requests": 50,
      "arrivals": {"rate": 5}, "output_tokens": {"dist": "zipf", "s": 1.1, "max": 500},
      "prompt_tokens": {"dist": "trace", "format": "vidur", "path": "traces/vidur_arxiv_summarization_lengths_head200.csv",
                        "reservoir": 100}}}})"));
  auto source = open_workload(c, kDataDir);
  const auto all = read_all(*source);
  CHECK(all.size() == 50);
  CHECK_THAT(source->describe(), Catch::Contains("100 of 200 rows"));
}

TEST_CASE("the configuration writes back as JSON that reads to the same configuration") {
  const json in = json::parse(R"({"workload": {"synthetic": {"num_requests": 50,
      "arrivals": {"process": "gamma", "rate": 5, "cv": 1.5}, "output_tokens": {"dist": "zipf", "s": 1.1, "max": 500},
      "prompt_tokens": {"dist": "lognormal", "mean": 600, "sigma": 0.5},
      "system_prompt": {"fraction": 0.1, "tokens": 100},
      "sessions": {"fraction": 0.2, "turns": 3, "user_tokens": {"dist": "uniform", "min": 5, "max": 9}}}}})");
  const json once = workload_to_json(parse_ok(in));
  const json twice = workload_to_json(parse_ok(json{{"workload", once}}));
  CHECK(once == twice);
  CHECK(once["synthetic"]["duration_s"] == "inf");
  CHECK(once["synthetic"]["sessions"]["think_time_s"] == 30.0);

  const json trace = json::parse(R"({"workload": {"trace": {"format": "burstgpt", "path": "b.csv", "end_s": 60,
      "burstgpt": {"model": "ChatGPT"}}}})");
  const json t1 = workload_to_json(parse_ok(trace));
  CHECK(t1 == workload_to_json(parse_ok(json{{"workload", t1}})));
  CHECK(t1["trace"]["end_s"] == 60.0);
}

TEST_CASE("open_trace reads every format by name") {
  RequestSpec r;
  for (const auto& [format, file] : std::vector<std::pair<std::string, std::string>>{
           {"azure", "azure_llm_2023_conv_head100.csv"},
           {"mooncake", "mooncake_conversation_head50.jsonl"},
           {"vidur", "vidur_trace_handmade.csv"},
           {"burstgpt", "burstgpt_handmade.csv"}}) {
    INFO(format);
    auto source = open_trace(format, test_trace(file));
    CHECK(source->next(r));
    CHECK(r.id == 0);
    CHECK(r.arrival == 0);
  }
  CHECK_THROWS_WITH(open_trace("sharegpt", "x"),
                    "unknown trace format \"sharegpt\" (known: azure, mooncake, vidur, burstgpt)");
}
