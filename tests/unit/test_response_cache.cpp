// The response cache (issue #11, "Response cache in front of the model"): exact hits on identical
// requests only, LRU capacity and TTL, a semantic hit probability drawn from the seed, hits
// answered at the cache's latency with no GPU work and reported in requests.csv and summary.json,
// and bad configurations named by their JSON pointer.
#include <catch2/catch.hpp>


#include "cluster/response_cache.h"
#include "core/error.h"
#include "metrics/summary_rows.h"
#include "run/simulation.h"
#include "scenario/scenario.h"
#include "test_fleet_util.h"
#include "workload/stream_ids.h"

using namespace kvsim;
using kvsim::testing::run_fleet;
using kvsim::testing::scenario_error;
using nlohmann::json;

namespace {

// A Mooncake-style request: its whole prompt named by block ids.
RequestSpec trace_request(uint64_t id, std::vector<uint64_t> ids, uint32_t prompt, uint32_t output) {
  RequestSpec s;
  s.id = id;
  s.prompt_tokens = prompt;
  s.output_tokens = output;
  s.content.hash_ids = std::make_shared<const std::vector<uint64_t>>(std::move(ids));
  s.content.hash_block_tokens = 512;
  s.content.hashed_tokens = std::min<uint32_t>(prompt, static_cast<uint32_t>(s.content.hash_ids->size()) * 512);
  s.content.own_stream = make_stream_id(StreamKind::kUnique, kTraceStreamSalt, id);
  return s;
}

ResponseCacheConfig config(uint32_t capacity, double ttl_s = INFINITY, double semantic = 0) {
  ResponseCacheConfig c;
  c.enabled = true;
  c.capacity = capacity;
  c.ttl_s = ttl_s;
  c.semantic_hit_probability = semantic;
  return c;
}

json shared_prefix_scenario() {
  json j = read_json_file(std::string(KVSIM_TEST_DATA) + "/../../scenarios/staged-shared-prefix.json");
  j["workload"]["shared_prefix"]["num_groups"] = 2;
  j["workload"]["shared_prefix"]["num_prompts_per_group"] = 3;
  j["workload"]["shared_prefix"]["arrivals"] = {{"process", "poisson"}, {"rate", 5}};
  j["workload"]["shared_prefix"]["num_requests"] = 120;
  return j;
}

}  // namespace

TEST_CASE("response cache: an identical request hits; another prompt or answer length misses") {
  ResponseCache cache(config(100), 1);
  const RequestSpec a = trace_request(0, {1, 2, 3}, 1400, 50);
  CHECK(cache.lookup(a, 0) == CacheHit::kMiss);  // nothing stored yet (not even a itself)
  cache.store(a, from_seconds(2));
  CHECK(cache.lookup(trace_request(1, {1, 2, 3}, 1400, 50), from_seconds(3)) == CacheHit::kExact);
  CHECK(cache.lookup(trace_request(2, {1, 2, 3}, 1400, 60), from_seconds(3)) == CacheHit::kMiss);  // answer length
  CHECK(cache.lookup(trace_request(3, {1, 2, 4}, 1400, 50), from_seconds(3)) == CacheHit::kMiss);  // last block
  CHECK(cache.lookup(trace_request(4, {1, 2, 3}, 1300, 50), from_seconds(3)) == CacheHit::kMiss);  // prompt length
  // Block ids covering only part of the prompt: the rest is unique text, never a hit.
  const RequestSpec partial = trace_request(5, {1, 2}, 1400, 50);
  CHECK(ResponseCache::key(partial) == 0);
  cache.store(partial, from_seconds(4));
  CHECK(cache.lookup(trace_request(6, {1, 2}, 1400, 50), from_seconds(5)) == CacheHit::kMiss);
  CHECK(cache.stats().lookups == 6);
  CHECK(cache.stats().exact_hits == 1);
}

TEST_CASE("response cache: entries expire after the TTL and the least recently used is evicted at capacity") {
  ResponseCache ttl(config(100, 10.0), 1);
  const RequestSpec a = trace_request(0, {1}, 400, 8);
  ttl.store(a, from_seconds(100));
  CHECK(ttl.lookup(a, from_seconds(110)) == CacheHit::kExact);
  CHECK(ttl.lookup(a, from_seconds(110) + 1) == CacheHit::kMiss);
  CHECK(ttl.stats().expired == 1);
  CHECK(ttl.lookup(a, from_seconds(111)) == CacheHit::kMiss);  // dropped at expiry

  ResponseCache lru(config(2), 1);
  const RequestSpec x = trace_request(0, {1}, 400, 8), y = trace_request(1, {2}, 400, 8), z = trace_request(2, {3}, 400, 8);
  lru.store(x, 1);
  lru.store(y, 2);
  CHECK(lru.lookup(x, 3) == CacheHit::kExact);  // x is now the most recent
  lru.store(z, 4);                               // evicts y
  CHECK(lru.evictions() == 1);
  CHECK(lru.lookup(y, 5) == CacheHit::kMiss);
  CHECK(lru.lookup(x, 5) == CacheHit::kExact);
  CHECK(lru.lookup(z, 5) == CacheHit::kExact);
}

TEST_CASE("response cache: semantic hits come at the configured probability, the same for a seed") {
  auto draws = [](uint64_t seed) {
    ResponseCache cache(config(0, INFINITY, 0.3), seed);
    std::vector<int> hits;
    for (uint64_t i = 0; i < 20000; ++i) hits.push_back(cache.lookup(trace_request(i, {i + 1}, 300, 8), 0) == CacheHit::kSemantic);
    return hits;
  };
  const std::vector<int> a = draws(5), b = draws(5), c = draws(6);
  CHECK(a == b);
  CHECK(a != c);
  const double rate = std::count(a.begin(), a.end(), 1) / 20000.0;
  CHECK(rate == Approx(0.3).margin(0.015));
  // An exact hit takes no draw and is answered at the exact latency.
  ResponseCacheConfig cfg = config(10, INFINITY, 1.0);
  cfg.latency_s = 0.002;
  cfg.semantic_latency_s = 0.05;
  ResponseCache both(cfg, 1);
  const RequestSpec r = trace_request(0, {9}, 300, 8);
  both.store(r, 0);
  CHECK(both.lookup(r, 1) == CacheHit::kExact);
  CHECK(both.lookup(trace_request(1, {8}, 300, 8), 1) == CacheHit::kSemantic);
  CHECK(both.latency(CacheHit::kExact) == from_seconds(0.002));
  CHECK(both.latency(CacheHit::kSemantic) == from_seconds(0.05));
}

TEST_CASE("response cache: hits skip the GPU, take the cache's latency and show in requests.csv and summary.json") {
  json j = shared_prefix_scenario();
  const auto off = run_fleet(j, "off");
  j["response_cache"] = {{"capacity", 100}, {"latency_s", 0.004}};
  const auto on = run_fleet(j, "on");
  const auto again = run_fleet(j, "again");
  CHECK(on.requests_csv + on.summary_json == again.requests_csv + again.summary_json);  // same seed, same bytes
  CHECK(off.summary.requests.completed == 120);
  CHECK(on.summary.requests.arrived == 120);
  CHECK(on.summary.requests.completed + on.summary.requests.dropped == 120);
  REQUIRE(on.summary.response_cache);
  const ResponseCacheSummary& rc = *on.summary.response_cache;
  CHECK_FALSE(off.summary.response_cache);
  // 6 distinct prompts: every request after a prompt's first completed answer can hit.
  const uint64_t hits = rc.exact_hits;
  CHECK(hits > 60);
  CHECK(rc.hits == hits);
  CHECK(rc.lookups == 120);
  CHECK(rc.hit_rate == Approx(hits / 120.0));
  CHECK(rc.usd_saved == Approx(hits * rc.usd_per_gpu_request));
  CHECK(rc.usd_per_gpu_request > 0);
  CHECK(rc.latency_s == 0.004);
  // No GPU work for the hits: the prompts prefilled shrink.
  CHECK(on.summary.engine.prefill_tokens_computed < off.summary.engine.prefill_tokens_computed);
  // The rows: a cache column only when a cache is configured; hits have no replica and a 4 ms TTFT.
  CHECK(off.requests_csv.substr(0, off.requests_csv.find('\n') + 1).find(",e2e_s\n") != std::string::npos);
  CHECK(on.requests_csv.substr(0, on.requests_csv.find('\n')).find(",e2e_s,cache") != std::string::npos);
  std::stringstream ss(on.requests_csv);
  std::string line;
  uint64_t exact_rows = 0;
  std::getline(ss, line);
  while (std::getline(ss, line)) {
    if (line.size() < 6 || line.substr(line.size() - 6) != ",exact") continue;
    ++exact_rows;
    CHECK(line.find(",,finished,") != std::string::npos);
    CHECK(line.find(",0.004000000,") != std::string::npos);
  }
  CHECK(exact_rows == hits);
  CHECK(on.summary.ttft_s.p50 == Approx(0.004));
  // kvsim run and the GUI show it among the summary's rows, only when there is a cache.
  CHECK(summary_row(summary_rows(on.summary), "/response_cache/exact_hits").value == static_cast<double>(hits));
  CHECK_THROWS_AS(summary_row(summary_rows(off.summary), "/response_cache/hit_rate"), std::out_of_range);
}

TEST_CASE("response cache: a bad configuration gets one message naming its JSON pointer") {
  json j = read_json_file(std::string(KVSIM_TEST_DATA) + "/../../scenarios/quickstart.json");
  const std::vector<std::pair<json, std::string>> cases = {
      {json::parse(R"({"semantic_hit_probability": 1.5})"), "/response_cache/semantic_hit_probability"},
      {json::parse(R"({"capacity": 0})"), "/response_cache: the cache can never hit"},
      {json::parse(R"({"ttl_s": 0})"), "/response_cache/ttl_s"},
      {json::parse(R"({"latency_s": -1})"), "/response_cache/latency_s"},
      {json::parse(R"({"capacty": 10})"), "/response_cache/capacty"},
      {json(true), "/response_cache: expected an object"},
  };
  for (const auto& [rc, expected] : cases) {
    j["response_cache"] = rc;
    const std::string msg = scenario_error(j);
    INFO(rc.dump() << " -> " << msg);
    CHECK(msg.find(expected) != std::string::npos);
    CHECK(std::count(msg.begin(), msg.end(), '\n') <= 1);
  }
}
