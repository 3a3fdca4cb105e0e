// Routers (issue #11, "Routing"): the precise prefix scorer reads the replicas' caches without
// touching them, the approximate index follows the router's own decisions, weights change
// decisions, power-of-two is deterministic for a seed, session affinity sticks until overload,
// runs conserve requests and repeat byte for byte, bad configurations name their JSON pointer,
// and the planner takes the new routers as candidates.
#include <catch2/catch.hpp>

#include <set>

#include "cluster/router.h"
#include "core/error.h"
#include "engine/replica.h"
#include "kv/kv_cache_manager.h"
#include "kv/prefix_hash.h"
#include "plan/planner.h"
#include "run/simulation.h"
#include "scenario/scenario.h"
#include "test_fleet_util.h"
#include "workload/stream_ids.h"

using namespace kvsim;
using kvsim::testing::scenario_error;
using nlohmann::json;

namespace {

const Catalog& catalog() { return kvsim::testing::fleet_catalog(); }

// A request of `prompt` tokens whose first `shared` come from shared stream `group` (0 = none).
RequestSpec spec_of(uint64_t id, uint32_t prompt, uint64_t group, uint32_t shared, uint32_t output = 4) {
  RequestSpec s;
  s.id = id;
  s.prompt_tokens = prompt;
  s.output_tokens = output;
  if (group != 0) {
    s.content.shared_stream = make_stream_id(StreamKind::kSystemPrompt, 7, group);
    s.content.shared_end = shared;
  }
  s.content.own_stream = make_stream_id(StreamKind::kUnique, 7, id);
  return s;
}

class NullObserver final : public ReplicaObserver {
 public:
  void on_step(uint32_t, const SchedulerOutput&, SimTime, SimTime) override {}
  void on_finished(Request&) override { ++finished; }
  void on_dropped(Request&, const char*) override { ++dropped; }
  int finished = 0, dropped = 0;
};

// Replicas of a small scenario, driven by hand.
struct Fleet {
  explicit Fleet(uint32_t n) : sc(parse_scenario(json::parse(R"({
      "name": "fleet", "model": "Llama-3-8B", "gpu": "H100-SXM",
      "engine": {"num_gpu_blocks_override": 400, "block_size": 16},
      "perf_model": {"kind": "linear", "base_s": 0.01, "per_prefill_token_s": 0.0001,
                     "per_decode_seq_s": 0.001, "per_context_token_s": 0.0},
      "workload": {"synthetic": {"num_requests": 1, "arrivals": {"process": "poisson", "rate": 1},
        "prompt_tokens": {"dist": "fixed", "value": 10}, "output_tokens": {"dist": "fixed", "value": 2}}}
    })"), "", catalog())) {
    for (uint32_t i = 0; i < n; ++i) replicas.push_back(std::make_unique<Replica>(i, sc.replica, *sc.step_model, observer));
  }
  // Runs a request to completion on replica `r`, leaving its prefix in that replica's cache.
  void serve(uint32_t r, const RequestSpec& s) {
    requests.push_back(std::make_unique<Request>());
    Request* req = requests.back().get();
    req->reset(s);
    replicas[r]->add_request(req);
    const int before = observer.finished;
    for (int i = 0; i < 1000 && observer.finished == before; ++i) {
      const SimTime end = replicas[r]->begin_step(t);
      if (end == kNever) break;
      replicas[r]->end_step(end);
      t = end;
    }
    REQUIRE(observer.finished == before + 1);
  }
  // Queues a request on replica `r` without running it (load).
  void queue(uint32_t r, const RequestSpec& s) {
    requests.push_back(std::make_unique<Request>());
    requests.back()->reset(s);
    replicas[r]->add_request(requests.back().get());
  }
  Request& request(const RequestSpec& s) {
    requests.push_back(std::make_unique<Request>());
    requests.back()->reset(s);
    return *requests.back();
  }
  Scenario sc;
  NullObserver observer;
  std::vector<std::unique_ptr<Replica>> replicas;
  std::vector<std::unique_ptr<Request>> requests;
  SimTime t = 0;
};

RouterConfig config_of(const json& j) {
  ErrorList errors;
  std::string name;
  RouterConfig c = parse_router_config(j, "/cluster/router", errors, name);
  errors.throw_if_any("test");
  return c;
}

}  // namespace

TEST_CASE("routing: the precise prefix router sends a request to the replica that holds its prefix") {
  Fleet f(4);
  f.serve(2, spec_of(0, 300, 5, 256));  // replica 2 caches group 5's 256-token prefix (16 blocks)
  std::vector<BlockHash> chain;
  const RequestSpec next = spec_of(1, 300, 5, 256);
  request_block_chain(next, 16, chain);
  CHECK(chain.size() == 16);
  CHECK(f.replicas[2]->cached_prefix_blocks(chain.data(), 16) == 16);
  CHECK(f.replicas[0]->cached_prefix_blocks(chain.data(), 16) == 0);
  for (const std::string& name : std::vector<std::string>{"prefix_aware", "prefix_aware_approx"}) {
    auto router = make_router(name);
    if (name == "prefix_aware") CHECK(router->route(f.request(next), f.replicas, f.t) == 2);
    else CHECK(router->route(f.request(next), f.replicas, f.t) == 0);  // its own index is empty: load ties, lowest index
  }
  // A request of another group has no prefix anywhere: the least loaded (ties: lowest index).
  auto router = make_router("prefix_aware");
  f.queue(0, spec_of(9, 40, 0, 0));
  CHECK(router->route(f.request(spec_of(2, 300, 6, 256)), f.replicas, f.t) == 1);
}

TEST_CASE("routing: the precise prefix query touches no LRU order or reference count") {
  // Two cached prefixes A (freed first: least recently used) and B; a new request must evict.
  PagedKvCacheManager m(10, 16, true);
  auto admit_and_free = [&](Request& r, SimTime now) {
    PrefixHit hit;
    m.get_computed_blocks(r.kv, r.kv_tokens(), now, hit);
    REQUIRE(m.allocate_slots(r.kv, r.kv_tokens(), r.spec.prompt_tokens - hit.tokens, now, &hit));
    r.num_computed_tokens = r.spec.prompt_tokens;
    m.free(r.kv, r.kv_tokens(), FreeReason::kFinished, now);
  };
  Request a, b, c;
  a.reset(spec_of(1, 65, 1, 64));
  b.reset(spec_of(2, 65, 2, 64));
  c.reset(spec_of(3, 48, 0, 0));
  admit_and_free(a, 1);
  admit_and_free(b, 2);
  std::vector<BlockHash> ca, cb;
  request_block_chain(a.spec, 16, ca);
  request_block_chain(b.spec, 16, cb);
  REQUIRE(m.cached_prefix_blocks(ca.data(), 4) == 4);
  REQUIRE(m.cached_prefix_blocks(cb.data(), 4) == 4);
  const PrefixCacheStats before = m.prefix_stats();
  for (int i = 0; i < 10; ++i) CHECK(m.cached_prefix_blocks(ca.data(), 4) == 4);  // a lookup that touched would make A recent
  CHECK(m.total_block_refs() == 0);
  CHECK(m.prefix_stats().admissions == before.admissions);
  CHECK(m.prefix_stats().query_blocks == before.query_blocks);
  // c needs 3 blocks: the 2 never-cached free ones are gone, so the LRU victims are A's, not B's.
  PrefixHit hit;
  m.get_computed_blocks(c.kv, c.kv_tokens(), 3, hit);
  REQUIRE(m.allocate_slots(c.kv, c.kv_tokens(), 48, 3, &hit));
  CHECK(m.cached_prefix_blocks(ca.data(), 4) < 4);
  CHECK(m.cached_prefix_blocks(cb.data(), 4) == 4);
}

TEST_CASE("routing: a precise scorer with staleness sees the caches as of the last refresh") {
  Fleet f(2);
  auto router = make_router(config_of(json::parse(
      R"({"kind": "scored", "scorers": [{"kind": "prefix", "weight": 1, "staleness_s": 10}]})")));
  const RequestSpec s = spec_of(1, 300, 5, 256);
  CHECK(router->route(f.request(s), f.replicas, 0) == 0);  // snapshot at t=0: nothing cached
  f.serve(1, spec_of(0, 300, 5, 256));
  CHECK(router->route(f.request(s), f.replicas, from_seconds(5)) == 0);   // still the t=0 view
  CHECK(router->route(f.request(s), f.replicas, from_seconds(10)) == 1);  // refreshed
}

TEST_CASE("routing: the approximate index follows where the router sent each prefix, within its capacity") {
  Fleet f(2);
  const json cfg = json::parse(R"({"kind": "scored", "scorers": [
      {"kind": "prefix", "mode": "approximate", "weight": 3}, {"kind": "outstanding", "weight": 2}]})");
  auto router = make_router(config_of(cfg));
  auto send = [&](const RequestSpec& s) {
    const uint32_t r = router->route(f.request(s), f.replicas, 0);
    f.queue(r, s);  // queued, never run: the replicas' caches stay empty
    return r;
  };
  CHECK(send(spec_of(1, 300, 1, 256)) == 0);  // nothing known: ties go to replica 0
  CHECK(send(spec_of(2, 300, 2, 256)) == 1);  // the less loaded
  CHECK(send(spec_of(3, 300, 1, 256)) == 0);  // group 1 was sent to 0 (its cache is still empty)
  CHECK(send(spec_of(4, 300, 2, 256)) == 1);
  CHECK(send(spec_of(5, 300, 1, 256)) == 0);  // prefix (3) beats a load difference (2)
  // With room for 16 entries per replica, group 1's 16 blocks are pushed out by two other groups.
  json small = cfg;
  small["scorers"][0]["index_blocks_per_replica"] = 16;
  Fleet g(2);
  auto r2 = make_router(config_of(small));
  auto send2 = [&](const RequestSpec& s) {
    const uint32_t r = r2->route(g.request(s), g.replicas, 0);
    g.queue(r, s);
    return r;
  };
  CHECK(send2(spec_of(1, 300, 1, 256)) == 0);
  CHECK(send2(spec_of(2, 300, 2, 256)) == 1);
  CHECK(send2(spec_of(3, 300, 3, 256)) == 0);  // equal load again: replica 0; evicts group 1 (LRU)
  CHECK(send2(spec_of(4, 300, 1, 256)) == 1);  // group 1 forgotten: the less loaded
}

TEST_CASE("routing: the scorers' weights change the decision") {
  Fleet f(2);
  f.serve(0, spec_of(0, 300, 5, 256));
  for (int i = 0; i < 3; ++i) f.queue(0, spec_of(10 + i, 40, 0, 0));  // replica 0 holds the prefix but has a queue
  const RequestSpec s = spec_of(1, 300, 5, 256);
  auto with = [&](double prefix_w, double queue_w) {
    json cfg = {{"kind", "scored"},
                {"scorers", {{{"kind", "prefix"}, {"weight", prefix_w}}, {{"kind", "queue"}, {"weight", queue_w}}}}};
    return make_router(config_of(cfg))->route(f.request(s), f.replicas, f.t);
  };
  CHECK(with(3, 2) == 0);  // 3 x 1 + 2 x 0 > 3 x 0 + 2 x 1
  CHECK(with(1, 2) == 1);  // 1 x 1 + 2 x 0 < 1 x 0 + 2 x 1
  CHECK(with(2, 2) == 0);  // a tie goes to the lowest index
}

TEST_CASE("routing: power-of-two is deterministic for a seed and never picks the more loaded of its pair") {
  Fleet f(4);
  for (uint32_t r = 0; r < 4; ++r)
    for (uint32_t k = 0; k < r; ++k) f.queue(r, spec_of(100 + r * 10 + k, 40, 0, 0));  // loads 0, 1, 2, 3
  const Request& req = f.request(spec_of(1, 40, 0, 0));
  auto seq = [&](uint64_t seed) {
    auto router = make_router(router_preset("power_of_two"), {seed, 16});
    std::vector<uint32_t> out;
    for (int i = 0; i < 200; ++i) out.push_back(router->route(req, f.replicas, 0));
    return out;
  };
  const std::vector<uint32_t> a = seq(7), b = seq(7), c = seq(8);
  CHECK(a == b);
  CHECK(a != c);
  const std::set<uint32_t> chosen(a.begin(), a.end());
  CHECK(chosen.count(3) == 0);  // the most loaded always loses its pair
  CHECK(chosen.count(0) == 1);
  CHECK(chosen.size() == 3);    // 0, 1 and 2 all win some pair
}

TEST_CASE("routing: session affinity sticks to the session's replica until it is overloaded") {
  Fleet f(3);
  auto router = make_router(config_of(json::parse(R"({"kind": "session_affinity", "max_imbalance": 2})")));
  auto turn = [&](uint64_t id, uint64_t session) {
    RequestSpec s = spec_of(id, 40, 0, 0);
    s.session = session;
    const uint32_t r = router->route(f.request(s), f.replicas, 0);
    f.queue(r, s);
    return r;
  };
  CHECK(turn(1, 77) == 0);
  CHECK(turn(2, 88) == 1);
  CHECK(turn(3, 77) == 0);  // sticks: 1 vs least 0 (replica 2), within 2
  CHECK(turn(4, 77) == 0);  // 2 vs 0
  CHECK(turn(5, 77) == 2);  // 3 > 0 + 2: overloaded, moves to the least loaded
  CHECK(turn(6, 77) == 2);  // and stays there
  // Without a session id the key is the shared prompt: one group sticks together.
  CHECK(session_key(spec_of(9, 300, 4, 256)) == session_key(spec_of(10, 300, 4, 256)));
  CHECK(session_key(spec_of(9, 300, 4, 256)) != session_key(spec_of(10, 300, 3, 256)));
  CHECK(session_key(spec_of(9, 40, 0, 0)) == 0);
  // Mooncake block ids: conversations that share only the first block (a common system prompt)
  // are told apart by the second.
  auto ids = [](std::vector<uint64_t> v) {
    RequestSpec s = spec_of(1, 2000, 0, 0);
    s.content.hash_ids = std::make_shared<const std::vector<uint64_t>>(std::move(v));
    s.content.hashed_tokens = 2000;
    return session_key(s);
  };
  CHECK(ids({0, 7402, 7403}) == ids({0, 7402, 7403, 7404, 9000}));
  CHECK(ids({0, 7402, 7403}) != ids({0, 9731, 9732}));
}

TEST_CASE("routing: every router conserves requests and repeats byte for byte under one seed") {
  json j = read_json_file(std::string(KVSIM_TEST_DATA) + "/../../scenarios/staged-shared-prefix.json");
  j["cluster"] = {{"replicas", 3}};
  j["workload"]["shared_prefix"]["arrivals"] = {{"process", "poisson"}, {"rate", 30}};
  j["workload"]["shared_prefix"]["num_requests"] = 300;
  uint64_t lo_hits = 0, prefix_hits = 0;
  for (const json& router : {json("least_outstanding"), json("prefix_aware"), json("prefix_aware_approx"),
                            json("power_of_two"), json("session_affinity"),
                            json::parse(R"({"kind": "scored", "scorers": [{"kind": "prefix", "weight": 2, "staleness_s": 0.5},
                                          {"kind": "kv_utilization"}, {"kind": "running"}, {"kind": "session"}]})")}) {
    j["cluster"]["router"] = router;
    std::string csv[2];
    RunSummary s;
    for (int k = 0; k < 2; ++k) {
      const auto run = kvsim::testing::run_fleet(j, "routing" + std::to_string(k));
      s = run.summary;
      csv[k] = run.requests_csv + run.summary_json;
    }
    INFO(router.dump());
    CHECK(csv[0] == csv[1]);
    CHECK(s.requests.arrived == 300);
    CHECK(s.requests.completed + s.requests.dropped == 300);
    if (router == json("least_outstanding")) lo_hits = s.prefix_cache.hit_tokens;
    if (router == json("prefix_aware")) prefix_hits = s.prefix_cache.hit_tokens;
  }
  CHECK(prefix_hits > lo_hits);  // 9 shared prompts over 3 replicas: prefix routing reuses more
}

TEST_CASE("routing: a bad router configuration gets one message naming its JSON pointer") {
  json j = read_json_file(std::string(KVSIM_TEST_DATA) + "/../../scenarios/quickstart.json");
  const std::vector<std::pair<json, std::string>> cases = {
      {"fastest", "/cluster/router: expected one of"},
      {json::parse(R"({"kind": "scored", "scorers": [{"kind": "prefix", "mode": "fuzzy"}]})"), "/cluster/router/scorers/0/mode"},
      {json::parse(R"({"kind": "scored", "scorers": [{"kind": "queue", "weight": -1}]})"), "/cluster/router/scorers/0/weight"},
      {json::parse(R"({"kind": "scored", "scorers": []})"), "/cluster/router/scorers: expected a non-empty array"},
      {json::parse(R"({"kind": "scored", "scorers": [{"kind": "queue", "weight": 0}]})"), "/cluster/router/scorers: expected at least one scorer"},
      {json::parse(R"({"kind": "power_of_two", "scorers": [{"kind": "queue"}]})"), "/cluster/router/scorers: applies only"},
      {json::parse(R"({"kind": "scored", "scorers": [{"kind": "prefix", "mode": "approximate", "staleness_s": 1}]})"),
       "/cluster/router/scorers/0/staleness_s"},
      {json::parse(R"({"kind": "scored", "scorers": [{"kind": "prefix", "weigth": 1}]})"), "/cluster/router/scorers/0/weigth"},
      {json::parse(R"({"kind": "session_affinity", "max_imbalance": -3})"), "/cluster/router/max_imbalance"},
      {json::parse(R"({"kind": "scored", "scorers": [{"kind": "queue", "staleness_s": 2}]})"),
       "/cluster/router/scorers/0/staleness_s: applies only to kind \"prefix\""},
  };
  for (const auto& [router, expected] : cases) {
    j["cluster"]["router"] = router;
    const std::string msg = scenario_error(j);
    INFO(router.dump() << " -> " << msg);
    CHECK(msg.find(expected) != std::string::npos);
    CHECK(std::count(msg.begin(), msg.end(), '\n') <= 1);  // one problem, one line
  }
}

TEST_CASE("routing: the planner takes the new routers, by name or as objects, among its candidates") {
  json base = read_json_file(std::string(KVSIM_TEST_DATA) + "/../../scenarios/quickstart.json");
  base["workload"]["synthetic"]["num_requests"] = 200;
  const json scored = json::parse(R"({"kind": "scored", "scorers": [{"kind": "prefix"}, {"kind": "queue"}]})");
  json plan = {{"name", "routers"},
               {"base", base},
               {"slo", {{"ttft_s", {{"p99", 2.0}}}}},
               {"candidates", {{"router", {"least_outstanding", "prefix_aware", "power_of_two", scored}}}},
               {"replicas", {{"min", 1}, {"max", 4}}},
               {"seeds", {1}}};
  const PlanSpec spec = parse_plan(plan, KVSIM_TEST_DATA, catalog());
  const std::vector<PlanCandidate> candidates = plan_candidates(spec);
  REQUIRE(candidates.size() == 4);
  std::set<std::string> routers;
  for (const PlanCandidate& c : candidates) {
    const Scenario s = parse_scenario(plan_candidate_scenario(spec, c, 2, 1.0, 0), spec.base_dir, catalog());
    routers.insert(s.router);
  }
  CHECK(routers == std::set<std::string>{"least_outstanding", "prefix_aware", "power_of_two", "scored"});
  plan["candidates"]["router"] = {"least_outstanding", 3};
  try {
    parse_plan(plan, KVSIM_TEST_DATA, catalog());
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("/candidates/router/1") != std::string::npos);
  }
}
