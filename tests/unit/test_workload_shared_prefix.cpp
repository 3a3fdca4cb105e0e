// inference-perf's shared_prefix workload, and answers that stop at EOS before their cap.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "core/error.h"
#include "core/json_reader.h"
#include "test_workload_util.h"
#include "workload/shared_prefix_source.h"
#include "workload/stream_ids.h"
#include "workload/synthetic_source.h"
#include "workload/workload_config.h"

using namespace kvsim;
using kvsim::testing::read_all;
using nlohmann::json;

namespace {

using Process = ArrivalConfig::Process;

SharedPrefixConfig three_by_two() {
  SharedPrefixConfig c;
  c.seed = 5;
  c.num_groups = 3;
  c.num_prompts_per_group = 2;
  c.system_prompt_len = 100;
  c.question_len = LengthDist::fixed(447);
  c.output_len = LengthDist::fixed(248);
  c.arrivals = ArrivalConfig(Process::kPoisson, 10.0);
  c.num_requests = 18;
  return c;
}

std::vector<RequestSpec> generate(const SharedPrefixConfig& c) {
  SharedPrefixSource s(c);
  return read_all(s);
}

struct Parsed {
  WorkloadConfig config;
  std::vector<std::string> errors;
};

Parsed parse(const json& workload) {
  ErrorList errors;
  const json scenario = {{"workload", workload}};
  JsonReader root(scenario, "", errors);
  JsonReader w = root.object("workload");
  Parsed p{parse_workload(w), errors.errors()};
  return p;
}

}  // namespace

TEST_CASE("a shared_prefix workload sends its prompts in turn, each a group's system prompt and a question") {
  const auto all = generate(three_by_two());
  REQUIRE(all.size() == 18);
  std::set<uint64_t> systems, questions;
  for (size_t i = 0; i < all.size(); ++i) {
    const RequestSpec& r = all[i];
    CHECK(r.id == i);
    CHECK(r.prompt_tokens == 547);
    CHECK(r.output_tokens == 248);
    CHECK(r.max_output_tokens == 0);  // no EOS: the answer is the cap
    CHECK(r.content.shared_end == 100);
    CHECK(stream_kind(r.content.shared_stream) == StreamKind::kSystemPrompt);
    CHECK(stream_kind(r.content.own_stream) == StreamKind::kSession);  // cached for the next send
    systems.insert(r.content.shared_stream);
    questions.insert(r.content.own_stream);
    // The list repeats every 3 x 2 requests: the same prompt, token for token.
    if (i >= 6) {
      CHECK(r.content.own_stream == all[i - 6].content.own_stream);
      CHECK(r.content.shared_stream == all[i - 6].content.shared_stream);
    }
  }
  CHECK(systems.size() == 3);
  CHECK(questions.size() == 6);
  // Each system prompt heads the questions of its own group only: 2 questions per system prompt.
  std::map<uint64_t, std::set<uint64_t>> per_system;
  for (const auto& r : all) per_system[r.content.shared_stream].insert(r.content.own_stream);
  for (const auto& [system, qs] : per_system) CHECK(qs.size() == 2);
}

TEST_CASE("the prompt list is shuffled by the seed and its lengths stay with each prompt") {
  SharedPrefixConfig c = three_by_two();
  c.num_groups = 20;
  c.num_prompts_per_group = 5;
  c.num_requests = 300;
  c.question_len = LengthDist::uniform(100, 900);
  c.output_len = LengthDist::uniform(10, 300);
  const auto a = generate(c), b = generate(c);
  std::map<uint64_t, std::pair<uint32_t, uint32_t>> lengths;
  bool grouped_in_order = true;
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].arrival == b[i].arrival);
    CHECK(a[i].content.own_stream == b[i].content.own_stream);
    const auto [it, fresh] = lengths.emplace(a[i].content.own_stream, std::make_pair(a[i].prompt_tokens, a[i].output_tokens));
    if (!fresh) CHECK(it->second == std::make_pair(a[i].prompt_tokens, a[i].output_tokens));
    if (i > 0 && i < 100 && a[i].content.shared_stream != a[i - 1].content.shared_stream && i % 5 != 0)
      grouped_in_order = false;
  }
  CHECK(lengths.size() == 100);
  CHECK_FALSE(grouped_in_order);  // shuffled, not group after group
  c.seed = 6;
  CHECK(generate(c)[0].content.own_stream != a[0].content.own_stream);
}

TEST_CASE("each load stage of a shared_prefix workload starts again at the first prompt") {
  SharedPrefixConfig c = three_by_two();
  c.num_requests = 0;
  c.arrivals = ArrivalConfig(Process::kPoisson, {{2.0, NAN, 10.0}, {5.0, NAN, 10.0}});
  const auto all = generate(c);
  size_t first_of_stage1 = 0;
  while (first_of_stage1 < all.size() && all[first_of_stage1].arrival < from_seconds(10)) ++first_of_stage1;
  REQUIRE(first_of_stage1 > 6);
  REQUIRE(first_of_stage1 + 6 < all.size());
  for (size_t k = 0; k < 6; ++k) CHECK(all[first_of_stage1 + k].content.own_stream == all[k].content.own_stream);
  CHECK(all.back().arrival < from_seconds(20));
}

TEST_CASE("an answer stops at EOS or at its cap, whichever comes first, and keeps the cap") {
  SyntheticConfig c;
  c.seed = 9;
  c.num_requests = 20000;
  c.arrivals = ArrivalConfig(Process::kPoisson, 10.0);
  c.prompt_tokens = LengthDist::lognormal_median(500, 0.5);
  c.output_tokens = LengthDist::fixed(248);
  SyntheticSource plain_source(c);
  const auto plain = read_all(plain_source);
  c.eos_tokens = LengthDist::uniform(1, 496);
  SyntheticSource eos_source(c);
  const auto eos = read_all(eos_source);
  REQUIRE(eos.size() == plain.size());
  size_t capped = 0;
  for (size_t i = 0; i < eos.size(); ++i) {
    // The EOS draws have their own stream: arrivals, prompts and caps are those without EOS.
    CHECK(eos[i].arrival == plain[i].arrival);
    CHECK(eos[i].prompt_tokens == plain[i].prompt_tokens);
    CHECK(eos[i].max_output_tokens == 248);
    CHECK(eos[i].output_tokens <= 248);
    CHECK(eos[i].output_tokens >= 1);
    capped += eos[i].output_tokens == 248;
  }
  // P(draw >= 248) for a uniform draw in [1, 496] is 249 / 496.
  CHECK(static_cast<double>(capped) / eos.size() == Approx(249.0 / 496).epsilon(0.03));
  CHECK_THAT(eos_source.describe(), Catch::Contains("output fixed(248) eos uniform(1..496)"));
}

TEST_CASE("a shared_prefix workload reads with inference-perf's names, its aliases and eos_tokens") {
  const Parsed p = parse(json::parse(R"({"shared_prefix": {
      "num_unique_system_prompts": 9, "num_users_per_system_prompt": 5,
      "system_prompt_len": 100, "question_len": 447, "output_len": 248,
      "eos_tokens": {"dist": "lognormal", "median": 200, "sigma": 0.5},
      "enable_multi_turn_chat": false, "seed": 42,
      "arrivals": {"stages": [{"rate": 2.5, "duration_s": 600}, {"rate": 6, "duration_s": 600}]}}})"));
  for (const auto& e : p.errors) UNSCOPED_INFO(e);
  REQUIRE(p.errors.empty());
  REQUIRE(p.config.shared_prefix);
  const SharedPrefixConfig& c = *p.config.shared_prefix;
  CHECK(c.num_groups == 9);
  CHECK(c.num_prompts_per_group == 5);
  CHECK(c.system_prompt_len == 100);
  CHECK(c.question_len.value == 447);
  CHECK(c.output_len.value == 248);
  REQUIRE(c.eos_tokens);
  CHECK(c.eos_tokens->median == 200);
  CHECK(c.arrivals.stages.size() == 2);
  CHECK(workload_arrivals(p.config) == &c.arrivals);
  const json back = workload_to_json(p.config);
  CHECK(back["shared_prefix"]["num_groups"] == 9);
  CHECK(parse(back).errors.empty());
  auto source = open_workload(p.config, "");
  CHECK_THAT(source->describe(), Catch::StartsWith("shared_prefix seed=42 9 groups x 5 prompts, system 100"));
}

TEST_CASE("shared_prefix errors name the JSON pointer") {
  const Parsed p = parse(json::parse(R"({"shared_prefix": {
      "num_groups": 0, "num_prompts_per_group": 2, "num_users_per_system_prompt": 3,
      "enable_multi_turn_chat": true, "question_len": 0, "arrivals": {"rate": 1}}})"));
  auto has = [&](const std::string& text) {
    for (const auto& e : p.errors)
      if (e.rfind(text, 0) == 0) return true;
    return false;
  };
  for (const auto& e : p.errors) UNSCOPED_INFO(e);
  CHECK(has("/workload/shared_prefix/num_groups: expected an integer in [1, "));
  CHECK(has("/workload/shared_prefix/num_users_per_system_prompt: is another name for \"num_prompts_per_group\""));
  CHECK(has("/workload/shared_prefix/enable_multi_turn_chat: expected false"));
  CHECK(has("/workload/shared_prefix/question_len: expected a token count >= 1"));
  CHECK(has("/workload/shared_prefix: set \"num_requests\", \"duration_s\" or \"arrivals\": {\"stages\": ...}"));
}
