// Arrival-rate schedules: stages of constant or ramped rate in one run, for synthetic workloads and
// traces without timestamps, and their validation.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/json_reader.h"
#include "test_workload_util.h"
#include "workload/arrival_process.h"
#include "workload/synthetic_source.h"
#include "workload/workload_config.h"

using namespace kvsim;
using kvsim::testing::read_all;
using kvsim::testing::test_trace;
using nlohmann::json;

namespace {

using Process = ArrivalConfig::Process;

ArrivalStage stage(double rate, double duration_s) { return {rate, NAN, duration_s}; }
ArrivalStage ramp(double from, double to, double duration_s) { return {from, to, duration_s}; }

// Every arrival time of the process, in seconds, until it ends.
std::vector<double> all_arrivals(const ArrivalConfig& c, uint64_t seed) {
  ArrivalProcess p(c, seed);
  std::vector<double> out;
  for (SimTime t = p.next(); t != kNever; t = p.next()) out.push_back(to_seconds(t));
  return out;
}

size_t count_in(const std::vector<double>& times, double from, double to) {
  size_t n = 0;
  for (double t : times) n += t >= from && t < to;
  return n;
}

// A count of a Poisson-like process is within `sigmas` standard deviations (sqrt of the mean,
// times the gaps' cv) of its mean.
void check_count(size_t count, double expected, double sigmas = 4, double cv = 1) {
  INFO("count " << count << ", expected " << expected);
  CHECK(std::fabs(static_cast<double>(count) - expected) <= sigmas * cv * std::sqrt(expected) + 1);
}

std::vector<std::string> workload_errors(const json& workload) {
  ErrorList errors;
  const json scenario = {{"workload", workload}};
  JsonReader root(scenario, "", errors);
  JsonReader w = root.object("workload");
  parse_workload(w);
  return errors.errors();
}

bool has(const std::vector<std::string>& errors, const std::string& text) {
  for (const auto& e : errors)
    if (e == text) return true;
  return false;
}

#define CHECK_HAS_ERROR(errors, text)                  \
  do {                                                 \
    const auto& e_ = (errors);                         \
    for (const auto& x : e_) UNSCOPED_INFO(x);         \
    CHECK(has(e_, text));                              \
  } while (0)

json synthetic_with(const json& arrivals) {
  return {{"synthetic", {{"arrivals", arrivals}, {"prompt_tokens", 10u}, {"output_tokens", 10u}}}};
}

}  // namespace

TEST_CASE("arrivals over constant stages come at each stage's rate") {
  const ArrivalConfig c(Process::kPoisson, {stage(5, 200), stage(20, 200), stage(0, 50), stage(10, 100)});
  const auto t = all_arrivals(c, 7);
  check_count(count_in(t, 0, 200), 1000);
  check_count(count_in(t, 200, 400), 4000);
  CHECK(count_in(t, 400, 450) == 0);
  check_count(count_in(t, 450, 550), 1000);
  CHECK(t.back() < 550);
  CHECK(schedule_end_s(c) == 550);
  CHECK(mean_rate(c) == Approx(6000.0 / 550));
}

TEST_CASE("a ramped stage's arrivals follow its linear rate up and down") {
  const ArrivalConfig c(Process::kPoisson, {ramp(1, 10, 600), ramp(10, 0, 200)});
  const auto t = all_arrivals(c, 3);
  // Integral of 1 + 9 t / 600 over [0, 300) and [300, 600); of 10 - t / 20 over [0, 100), [100, 200).
  check_count(count_in(t, 0, 300), 975);
  check_count(count_in(t, 300, 600), 2325);
  check_count(count_in(t, 600, 700), 750);
  check_count(count_in(t, 700, 800), 250);
  // The last tenth of the ramp down carries 1 % of its arrivals.
  check_count(count_in(t, 780, 800), 10);
}

TEST_CASE("Gamma arrivals on a schedule keep each stage's rate and the gaps' cv") {
  const ArrivalConfig c(Process::kGamma, {stage(4, 1000), stage(16, 500)}, 2.0);
  const auto t = all_arrivals(c, 11);
  // The count of a renewal process over a long window has variance about cv^2 times its mean.
  check_count(count_in(t, 0, 1000), 4000, 4, 2.0);
  check_count(count_in(t, 1000, 1500), 8000, 4, 2.0);
  double sum = 0, sum2 = 0;
  size_t n = 0;
  for (size_t i = 1; i < t.size() && t[i] < 1000; ++i, ++n) {
    const double g = t[i] - t[i - 1];
    sum += g;
    sum2 += g * g;
  }
  const double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
  CHECK(mean == Approx(0.25).epsilon(0.1));
  CHECK(sd / mean == Approx(2.0).epsilon(0.1));
}

TEST_CASE("a staged arrival process is deterministic given its seed and ends with its last stage") {
  const ArrivalConfig c(Process::kPoisson, {stage(0, 10), stage(3, 20), ramp(3, 6, 20)});
  const auto a = all_arrivals(c, 5), b = all_arrivals(c, 5), other = all_arrivals(c, 6);
  CHECK(a == b);
  CHECK(a != other);
  REQUIRE(!a.empty());
  CHECK(a.front() >= 10);  // nothing arrives in a stage of rate 0
  CHECK(a.back() < 50);
  ArrivalProcess p(c, 5);
  while (p.next() != kNever) {
  }
  CHECK(p.next() == kNever);
  CHECK(p.describe() == "poisson stages 0 req/s for 10 s, 3 req/s for 20 s, 3->6 req/s for 20 s");
}

TEST_CASE("a synthetic workload with stages ends at the end of its last stage") {
  SyntheticConfig c;
  c.seed = 2;
  c.arrivals = ArrivalConfig(Process::kPoisson, {stage(20, 30), stage(40, 30)});
  c.prompt_tokens = LengthDist::fixed(100);
  c.output_tokens = LengthDist::fixed(10);
  c.sessions.fraction = 0.3;
  c.sessions.turns = LengthDist::fixed(4);
  c.sessions.think_time_s = 5;
  SyntheticSource s(c);
  const auto all = read_all(s);
  REQUIRE(all.size() > 1800);
  for (size_t i = 0; i < all.size(); ++i) {
    REQUIRE(all[i].id == i);
    REQUIRE(all[i].arrival < from_seconds(60));  // follow-up turns past the end are not sent
    if (i > 0) REQUIRE(all[i].arrival >= all[i - 1].arrival);
  }
  c.num_requests = 100;  // whichever comes first
  SyntheticSource first(c);
  CHECK(read_all(first).size() == 100);
  CHECK(s.expected_request_rate() == Approx(30 * (1 + 0.3 * 3)));
}

TEST_CASE("a trace's generated arrivals may follow stages, and reading stops at the last stage's end") {
  TraceConfig t;
  t.format = "vidur";
  t.path = test_trace("vidur_arxiv_summarization_lengths_head200.csv");
  t.arrivals = ArrivalConfig(Process::kPoisson, {stage(10, 5), stage(20, 2)});
  t.seed = 4;
  auto source = open_trace(t);
  const auto all = read_all(*source);
  check_count(all.size(), 90);
  for (const auto& r : all) CHECK(r.arrival < from_seconds(7));
  CHECK(all.back().id == all.size() - 1);
}

TEST_CASE("arrival stages read from JSON and write back") {
  ErrorList errors;
  const json scenario = {{"workload", synthetic_with(json::parse(R"({"process": "gamma", "cv": 2,
      "stages": [{"rate": 2.5, "duration_s": 600}, {"rate": 1, "to_rate": 10, "duration_s": 300}]})"))}};
  JsonReader root(scenario, "", errors);
  JsonReader w = root.object("workload");
  const WorkloadConfig c = parse_workload(w);
  for (const auto& e : errors.errors()) UNSCOPED_INFO(e);
  REQUIRE(errors.empty());
  const ArrivalConfig& a = c.synthetic->arrivals;
  REQUIRE(a.stages.size() == 2);
  CHECK(a.process == Process::kGamma);
  CHECK(a.cv == 2);
  CHECK(a.stages[0].rate == 2.5);
  CHECK_FALSE(a.stages[0].ramped());
  CHECK(a.stages[1].to_rate == 10);
  CHECK(a.stages[1].duration_s == 300);
  CHECK(workload_arrivals(c) == &a);
  CHECK(workload_to_json(c)["synthetic"]["arrivals"] == scenario["workload"]["synthetic"]["arrivals"]);
}

TEST_CASE("arrival stage errors name the JSON pointer and the accepted range") {
  const std::string p = "/workload/synthetic/arrivals";
  CHECK_HAS_ERROR(workload_errors(synthetic_with({{"rate", 2}, {"stages", {{{"rate", 1}, {"duration_s", 1}}}}})),
                  p + "/rate: expected either \"rate\" or \"stages\", found both");
  CHECK_HAS_ERROR(workload_errors(synthetic_with({{"stages", json::array()}})),
                  p + "/stages: expected a non-empty array of stages such as [{\"rate\": 2.5, \"duration_s\": "
                      "600}], found an array []");
  const auto bad = workload_errors(synthetic_with(json::parse(R"({"stages": [
      {"rate": -1, "duration_s": 10}, {"rate": 1, "to_rate": -2, "duration_s": 0},
      {"rate": 1, "duration_s": "inf"}, {"rate": 1}, {"rate": 1, "duration_s": 5, "rps": 3}]})")));
  CHECK_HAS_ERROR(bad, p + "/stages/0/rate: expected a number >= 0, found the number -1");
  CHECK_HAS_ERROR(bad, p + "/stages/1/to_rate: expected a number >= 0, found the number -2");
  CHECK_HAS_ERROR(bad, p + "/stages/1/duration_s: expected a finite number > 0 (seconds), found the number 0");
  CHECK_HAS_ERROR(bad, p + "/stages/2/duration_s: expected a finite number > 0 (seconds), found the string \"inf\"");
  CHECK_HAS_ERROR(bad, p + "/stages/3/duration_s: expected a finite number > 0 (seconds), found nothing (required)");
  CHECK_HAS_ERROR(bad, p + "/stages/4/rps: unknown field (known here: duration_s, rate, to_rate)");
  const auto zero = workload_errors(synthetic_with(json::parse(
      R"({"stages": [{"rate": 0, "duration_s": 10}, {"rate": 0, "to_rate": 0, "duration_s": 5}]})")));
  CHECK_HAS_ERROR(zero, p + "/stages: expected at least one stage with a rate > 0, found only rates of 0");
  const auto trace = workload_errors({{"trace", {{"format", "vidur"}, {"path", "x.csv"}, {"speed", 2},
                                                  {"arrivals", {{"stages", {{{"rate", 1}, {"duration_s", 1}}}}}}}}});
  CHECK_HAS_ERROR(trace, "/workload/trace/speed: expected 1 when \"arrivals\" has \"stages\" (the stages set the "
                         "rate), found the number 2");
}

TEST_CASE("a stage schedule built in C++ is checked when the process is made") {
  CHECK_THROWS_WITH(ArrivalProcess(ArrivalConfig(Process::kPoisson, {stage(0, 10)}), 1),
                    Catch::Contains("at least one stage needs a rate > 0"));
  CHECK_THROWS_WITH(ArrivalProcess(ArrivalConfig(Process::kPoisson, {stage(1, INFINITY)}), 1),
                    Catch::Contains("duration_s must be a finite number > 0"));
  CHECK_THROWS_WITH(ArrivalProcess(ArrivalConfig(Process::kPoisson, {ramp(1, -1, 3)}), 1),
                    Catch::Contains("to_rate must be a number >= 0"));
}
