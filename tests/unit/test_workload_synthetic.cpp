// The synthetic workload generator.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <set>

#include "core/error.h"
#include "test_workload_util.h"
#include "workload/length_distribution.h"
#include "workload/stream_ids.h"
#include "workload/synthetic_source.h"

using namespace kvsim;
using kvsim::testing::read_all;
using kvsim::testing::test_trace;

namespace {

SyntheticConfig basic(uint64_t n = 20000) {
  SyntheticConfig c;
  c.seed = 42;
  c.num_requests = n;
  c.arrivals = {ArrivalConfig::Process::kPoisson, 20.0, 1.0};
  c.prompt_tokens = LengthDist::lognormal_mean(800, 0.6);
  c.output_tokens = LengthDist::uniform(50, 150);
  return c;
}

std::vector<RequestSpec> generate(const SyntheticConfig& c) {
  SyntheticSource s(c);
  return read_all(s);
}

bool same(const RequestSpec& a, const RequestSpec& b) {
  return a.id == b.id && a.arrival == b.arrival && a.prompt_tokens == b.prompt_tokens &&
         a.output_tokens == b.output_tokens && a.session == b.session &&
         a.content.shared_stream == b.content.shared_stream &&
         a.content.shared_end == b.content.shared_end && a.content.own_stream == b.content.own_stream;
}

void check_order_and_ids(const std::vector<RequestSpec>& all) {
  for (size_t i = 0; i < all.size(); ++i) {
    REQUIRE(all[i].id == i);
    if (i > 0) REQUIRE(all[i].arrival >= all[i - 1].arrival);
  }
}

}  // namespace

TEST_CASE("the same seed gives the same requests, another seed other requests") {
  SyntheticConfig c = basic(2000);
  c.system_prompt = {0.3, 256, 3};
  c.sessions.fraction = 0.4;
  c.sessions.turns = LengthDist::uniform(2, 5);
  c.sessions.user_tokens = LengthDist::fixed(40);
  const auto a = generate(c), b = generate(c);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) CHECK(same(a[i], b[i]));
  c.seed = 43;
  const auto d = generate(c);
  size_t differ = 0;
  for (size_t i = 0; i < std::min(a.size(), d.size()); ++i) differ += !same(a[i], d[i]);
  CHECK(differ > a.size() / 2);
}

TEST_CASE("synthetic arrivals come at the configured rate, in order, with dense ids") {
  const auto all = generate(basic());
  REQUIRE(all.size() == 20000);
  check_order_and_ids(all);
  CHECK(all[0].arrival == 0);
  // 19,999 gaps of mean 1/20 s.
  CHECK(to_seconds(all.back().arrival) == Approx(19999 / 20.0).epsilon(0.03));
  double prompt = 0, output = 0;
  for (const auto& r : all) {
    prompt += r.prompt_tokens;
    output += r.output_tokens;
    CHECK(r.output_tokens >= 50);
    CHECK(r.output_tokens <= 150);
    CHECK(r.session == 0);
    CHECK(r.content.shared_stream == 0);
  }
  CHECK(prompt / all.size() == Approx(800).epsilon(0.03));
  CHECK(output / all.size() == Approx(100).epsilon(0.01));
}

TEST_CASE("a synthetic workload ends at num_requests or duration_s, whichever comes first") {
  SyntheticConfig c = basic(0);
  c.duration_s = 30;
  auto all = generate(c);
  CHECK(all.back().arrival < 30 * kNsPerSecond);
  CHECK(all.size() == Approx(600).margin(4 * std::sqrt(600)));
  c.num_requests = 100;
  CHECK(generate(c).size() == 100);
  c.num_requests = 0;
  c.duration_s = INFINITY;
  CHECK_THROWS_WITH(SyntheticSource(c), Catch::Contains("set num_requests, duration_s or arrival stages"));
}

TEST_CASE("a system prompt is shared by the configured fraction of requests") {
  SyntheticConfig c = basic();
  c.system_prompt = {0.3, 512, 4};
  const auto all = generate(c);
  std::map<uint64_t, int> by_prompt;
  for (const auto& r : all) {
    if (r.content.shared_stream == 0) continue;
    ++by_prompt[r.content.shared_stream];
    CHECK(stream_kind(r.content.shared_stream) == StreamKind::kSystemPrompt);
    CHECK(r.content.shared_end == 512);
    CHECK(r.prompt_tokens > 512);
  }
  int carrying = 0;
  for (const auto& [stream, n] : by_prompt) carrying += n;
  CHECK(carrying / 20000.0 == Approx(0.3).margin(0.015));
  REQUIRE(by_prompt.size() == 4);
  for (const auto& [stream, n] : by_prompt) CHECK(n == Approx(carrying / 4.0).epsilon(0.1));
}

TEST_CASE("each turn of a session re-reads the previous turn's prompt and answer") {
  SyntheticConfig c = basic();
  c.system_prompt = {0.5, 100, 1};
  c.sessions.fraction = 0.25;
  c.sessions.turns = LengthDist::fixed(3);
  c.sessions.user_tokens = LengthDist::fixed(60);
  c.sessions.think_time_s = 10;
  c.sessions.assumed_tpot_s = 0.01;
  SyntheticSource source(c);
  const auto all = read_all(source);
  check_order_and_ids(all);
  std::map<uint64_t, std::vector<RequestSpec>> sessions;
  std::set<uint64_t> own_streams;
  for (const auto& r : all) {
    if (r.session != 0) {
      sessions[r.session].push_back(r);
      CHECK(stream_kind(r.content.own_stream) == StreamKind::kSession);
    } else {
      CHECK(stream_kind(r.content.own_stream) == StreamKind::kUnique);
      CHECK(own_streams.insert(r.content.own_stream).second);  // unique per request
    }
  }
  REQUIRE(sessions.size() > 1000);
  size_t complete = 0, follow_ups = 0;
  std::set<uint64_t> session_streams;
  for (const auto& [id, turns] : sessions) {
    REQUIRE(turns.size() <= 3);
    complete += turns.size() == 3;
    CHECK(session_streams.insert(turns[0].content.own_stream).second);
    CHECK(own_streams.count(turns[0].content.own_stream) == 0);
    for (size_t n = 1; n < turns.size(); ++n) {
      ++follow_ups;
      const RequestSpec &prev = turns[n - 1], &cur = turns[n];
      CHECK(cur.content.own_stream == prev.content.own_stream);
      CHECK(cur.content.shared_stream == prev.content.shared_stream);
      CHECK(cur.content.shared_end == prev.content.shared_end);
      CHECK(cur.prompt_tokens == prev.prompt_tokens + prev.output_tokens + 60);
      CHECK(cur.arrival - prev.arrival >= from_seconds(0.01 * prev.output_tokens) - 1);
    }
  }
  // Only sessions started near the end (the last ~20 s of ~1000 s) are cut short.
  CHECK(complete > sessions.size() * 95 / 100);
  CHECK(follow_ups / static_cast<double>(all.size()) == Approx(0.25 * 2 / 1.5).margin(0.02));
  CHECK(source.expected_request_rate() == Approx(20.0 * 1.5));
}

TEST_CASE("a session ends before a turn would exceed max_prompt_tokens") {
  SyntheticConfig c = basic(5000);
  c.prompt_tokens = LengthDist::fixed(1000);
  c.output_tokens = LengthDist::fixed(100);
  c.sessions.fraction = 1.0;
  c.sessions.turns = LengthDist::fixed(50);
  c.sessions.user_tokens = LengthDist::fixed(100);
  c.sessions.max_prompt_tokens = 1500;
  for (const auto& r : generate(c)) CHECK(r.prompt_tokens <= 1400);  // 1000, 1200, 1400
}

TEST_CASE("stream ids of system prompts, sessions and single requests never collide") {
  SyntheticConfig c = basic();
  c.system_prompt = {0.5, 64, 16};
  c.sessions.fraction = 0.3;
  c.sessions.turns = LengthDist::uniform(2, 4);
  c.sessions.user_tokens = LengthDist::fixed(10);
  std::map<uint64_t, StreamKind> kinds;
  for (const auto& r : generate(c)) {
    for (uint64_t s : {r.content.shared_stream, r.content.own_stream}) {
      if (s == 0) continue;
      auto [it, inserted] = kinds.emplace(s, stream_kind(s));
      CHECK(it->second == stream_kind(s));
    }
  }
  // Ids are distinct by construction: the kind in the top bits, a counter below.
  CHECK(make_stream_id(StreamKind::kUnique, 1, 5) != make_stream_id(StreamKind::kSession, 1, 5));
  CHECK(make_stream_id(StreamKind::kUnique, 1, 5) != make_stream_id(StreamKind::kUnique, 1, 6));
  CHECK(make_stream_id(StreamKind::kSystemPrompt, 0, 0) != 0);
}

TEST_CASE("prompt and answer resampled from the same trace come as the trace's pairs") {
  const std::string path = test_trace("vidur_arxiv_summarization_lengths_head200.csv");
  auto rows = load_trace_lengths("vidur", path, 1000, 1);
  std::set<std::pair<uint32_t, uint32_t>> pairs;
  for (size_t i = 0; i < rows->prompt.size(); ++i) pairs.insert({rows->prompt[i], rows->output[i]});
  SyntheticConfig c = basic(2000);
  c.prompt_tokens = LengthDist::trace("vidur", path);
  c.output_tokens = LengthDist::trace("vidur", path);
  SyntheticSource source(c);
  for (const auto& r : read_all(source)) CHECK(pairs.count({r.prompt_tokens, r.output_tokens}) == 1);
  CHECK_THAT(source.describe(), Catch::Contains("trace(vidur " + path + ", 200 of 200 rows)"));
}

TEST_CASE("Gamma synthetic arrivals keep the mean rate") {
  SyntheticConfig c = basic();
  c.arrivals = {ArrivalConfig::Process::kGamma, 50.0, 3.0};
  const auto all = generate(c);
  check_order_and_ids(all);
  // cv 3 makes the total time noisier: 3 * sqrt(1/n) relative standard error, about 2 %.
  CHECK(to_seconds(all.back().arrival) == Approx(19999 / 50.0).epsilon(0.08));
}
