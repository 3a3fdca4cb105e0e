// The autoscaler: its policies and cool-down on their own, then whole runs: scale-up waits for
// provisioning + weight load, cool-down spaces decisions, draining replicas take no new requests
// and finish theirs, requests wait in the router while no replica is up and are dropped with a
// reason after the maximum wait, and bad input names its JSON pointer.
#include <catch2/catch.hpp>

#include <algorithm>

#include "cluster/autoscaler.h"
#include "test_elastic_util.h"

using namespace kvsim;
using namespace kvsim::elastic_testing;
using kvsim::testing::slurp;

namespace {

FleetObservation obs(double t, uint32_t ready, uint64_t running, uint64_t waiting, double kv = 0) {
  FleetObservation o;
  o.now = from_seconds(t);
  o.ready = o.committed = ready;
  o.running = running;
  o.waiting = waiting;
  o.kv_utilization = kv;
  return o;
}

AutoscalingConfig config(ScalePolicy p, double target, uint32_t min, uint32_t max, double cooldown = 0) {
  AutoscalingConfig c;
  c.policy = p;
  c.target = target;
  c.min_replicas = min;
  c.max_replicas = max;
  c.cooldown_s = cooldown;
  return c;
}

std::vector<double> starts(const nlohmann::json& fleet) {
  std::vector<double> s;
  for (const auto& r : fleet.at("replicas")) s.push_back(r.at("start_s").get<double>());
  return s;
}

}  // namespace

TEST_CASE("autoscaler: each policy asks for the replicas its metric needs, within min and max") {
  const Autoscaler conc(config(ScalePolicy::kConcurrency, 10, 1, 8));
  CHECK(conc.desired(obs(0, 2, 30, 15)) == 5);   // 45 requests at 10 each
  CHECK(conc.desired(obs(0, 2, 19, 2)) == 2);    // 21 / 20 is within the 10 % tolerance
  CHECK(conc.desired(obs(0, 2, 500, 0)) == 8);   // capped at max
  CHECK(conc.desired(obs(0, 4, 0, 0)) == 1);     // idle: down to min
  const Autoscaler queue(config(ScalePolicy::kQueueLength, 4, 1, 8));
  CHECK(queue.desired(obs(0, 2, 100, 12)) == 3);  // only the 12 waiting count
  const Autoscaler kv(config(ScalePolicy::kKvUtilization, 0.5, 1, 8));
  CHECK(kv.desired(obs(0, 3, 0, 0, 0.9)) == 6);   // ceil(3 x 0.9 / 0.5)
  CHECK(kv.desired(obs(0, 3, 0, 0, 0.52)) == 3);  // within tolerance
  AutoscalingConfig sc = config(ScalePolicy::kSchedule, 0, 1, 8);
  sc.schedule = {{0, 2}, {100, 6}, {200, 3}};
  const Autoscaler sched(sc);
  CHECK(sched.desired(obs(50, 1, 0, 0)) == 2);
  CHECK(sched.desired(obs(100, 1, 0, 0)) == 6);
  CHECK(sched.desired(obs(1e4, 1, 0, 0)) == 3);
}

TEST_CASE("autoscaler: no decision within the cool-down of the last one") {
  Autoscaler a(config(ScalePolicy::kConcurrency, 10, 1, 8, 60));
  CHECK(a.decide(obs(0, 1, 40, 0)) == 3);
  CHECK(a.decide(obs(30, 4, 80, 0)) == 0);  // wants 8, cooling down
  CHECK(a.decide(obs(59.9, 4, 80, 0)) == 0);
  CHECK(a.decide(obs(60, 4, 80, 0)) == 4);
  CHECK(a.decide(obs(61, 8, 80, 0)) == 0);  // asks for what it has: not a decision
  CHECK(a.last_decision() == from_seconds(60));
}

TEST_CASE("autoscaler run: a new replica takes requests only after provisioning plus weight load") {
  nlohmann::json j = fleet_scenario(20, 60);
  j["cluster"]["autoscaling"] = {{"policy", "concurrency"}, {"target", 4}, {"min_replicas", 1}, {"max_replicas", 4},
                                 {"evaluation_interval_s", 1}, {"cooldown_s", 0}};
  j["cluster"]["cold_start"] = {{"provisioning_s", 10}, {"weight_load_gbps", 10}};
  const FleetRun run = run_fleet(j, "coldstart");
  const nlohmann::json& f = run.fleet();
  const double weights = run.result.summary.kv.memory_plan.at("weight_bytes_per_gpu").get<double>();
  REQUIRE(weights > 1e10);  // Llama-3-8B in bf16: about 16 GB
  const double cold = f.at("cold_start_s").get<double>();
  CHECK(cold == Approx(10 + weights * 8 / 10e9));
  const auto& reps = f.at("replicas");
  REQUIRE(reps.size() == 4);
  const auto rows = request_rows(run.dir);
  for (uint32_t i = 1; i < 4; ++i) {
    const double start = reps[i].at("start_s").get<double>(), up = reps[i].at("up_s").get<double>();
    CHECK(start == Approx(1.0));  // the first evaluation saw the load
    CHECK(up == Approx(start + cold).margin(1e-6));
    double first = 1e300;
    size_t n = 0;
    for (const RequestRow& r : rows)
      if (r.replica == i) {
        first = std::min(first, r.scheduled);
        ++n;
      }
    CHECK(n > 0);
    CHECK(first >= up - 1e-9);
  }
  // Before the new replicas came up, replica 0 had everything.
  for (const RequestRow& r : rows)
    if (r.arrival < 1 + cold - 1e-6) CHECK(r.replica == 0);
  CHECK(run.result.summary.requests.completed == run.result.summary.requests.arrived);
}

TEST_CASE("autoscaler run: the cool-down spaces the decisions of a schedule") {
  nlohmann::json j = fleet_scenario(5, 12);
  j["cluster"]["autoscaling"] = {{"policy", "schedule"}, {"min_replicas", 1}, {"max_replicas", 4},
                                 {"evaluation_interval_s", 1}, {"cooldown_s", 5},
                                 {"schedule", {{{"at_s", 2}, {"replicas", 2}}, {{"at_s", 4}, {"replicas", 3}},
                                               {{"at_s", 6}, {"replicas", 4}}}}};
  CHECK(starts(run_fleet(j, "cooldown5").fleet()) == std::vector<double>{0, 2, 7, 7});
  j["cluster"]["autoscaling"]["cooldown_s"] = 0;
  const FleetRun free = run_fleet(j, "cooldown0");
  CHECK(starts(free.fleet()) == std::vector<double>{0, 2, 4, 6});
  CHECK(free.fleet().at("scale_up_decisions") == 3);
}

TEST_CASE("autoscaler run: a draining replica takes no new request, finishes its own, then is released") {
  nlohmann::json j = fleet_scenario(12, 20);
  j["cluster"]["replicas"] = 2;
  j["cluster"]["autoscaling"] = {{"policy", "schedule"}, {"min_replicas", 1}, {"max_replicas", 2},
                                 {"evaluation_interval_s", 1}, {"cooldown_s", 0},
                                 {"schedule", {{{"at_s", 0}, {"replicas", 2}}, {{"at_s", 10}, {"replicas", 1}}}}};
  const FleetRun run = run_fleet(j, "drain");
  const auto& reps = run.fleet().at("replicas");
  REQUIRE(reps.size() == 2);
  int drained = -1;
  for (int i = 0; i < 2; ++i)
    if (!reps[i].at("end_s").is_null()) drained = i;
  REQUIRE(drained >= 0);
  CHECK(reps[1 - drained].at("end_s").is_null());
  const double end = reps[drained].at("end_s").get<double>();
  CHECK(end > 10);
  double last_finish = 0;
  size_t before = 0;
  for (const RequestRow& r : request_rows(run.dir)) {
    CHECK(r.status == "finished");
    if (static_cast<int>(r.replica) != drained) continue;
    CHECK(r.arrival <= 10 + 1e-9);  // nothing routed to it after the decision at 10 s
    last_finish = std::max(last_finish, r.finish);
    ++before;
  }
  CHECK(before > 0);
  CHECK(end == Approx(last_finish).margin(1e-9));  // released when its last request finished
  CHECK(run.fleet().at("scale_down_decisions") == 1);
}

TEST_CASE("autoscaler run: with no replica up requests wait in the router, and are dropped with a reason after the maximum wait") {
  nlohmann::json j = fleet_scenario(2, 40);
  j["cluster"].erase("replicas");
  j["cluster"]["autoscaling"] = {{"policy", "schedule"}, {"min_replicas", 0}, {"max_replicas", 1},
                                 {"evaluation_interval_s", 1}, {"cooldown_s", 0},
                                 {"schedule", {{{"at_s", 0}, {"replicas", 0}}, {{"at_s", 20}, {"replicas", 1}}}}};
  j["cluster"]["cold_start"] = {{"provisioning_s", 5}};
  j["cluster"]["max_queue_wait_s"] = 15;
  const FleetRun run = run_fleet(j, "queue");
  const RequestCounts& n = run.result.summary.requests;
  CHECK(n.dropped > 0);
  CHECK(n.completed > 0);
  CHECK(n.completed + n.dropped == n.arrived);
  CHECK(n.dropped_by_reason.at("no_replica_within_max_queue_wait") == n.dropped);
  for (const RequestRow& r : request_rows(run.dir)) {
    if (r.status == "finished") {
      CHECK(r.arrival >= 10 - 1e-9);     // it could wait for the replica up at 25 s
      CHECK(r.scheduled >= 25 - 1e-9);
    } else {
      CHECK(r.status == "no_replica_within_max_queue_wait");
      CHECK(r.arrival < 10 + 1e-9);
    }
  }
  CHECK(run.fleet().at("router_queue").at("dropped_after_max_wait") == n.dropped);
}

TEST_CASE("autoscaler: bad input gets one message naming its JSON pointer") {
  nlohmann::json j = fleet_scenario(1, 10);
  j["cluster"]["autoscaling"] = {{"policy", "concurrency"}, {"target", 8}, {"min_replicas", 4}, {"max_replicas", 2}};
  std::string e = fleet_error(j);
  CHECK_THAT(e, Catch::Contains("/cluster/autoscaling/max_replicas: expected at least min_replicas (4), found 2"));
  j["cluster"]["autoscaling"]["max_replicas"] = 6;
  j["cluster"]["replicas"] = 8;
  CHECK_THAT(fleet_error(j), Catch::Contains("/cluster/replicas: expected the initial fleet between"));
  j["cluster"]["replicas"] = 4;
  j["cluster"]["autoscaling"].erase("target");
  CHECK_THAT(fleet_error(j), Catch::Contains("/cluster/autoscaling/target"));
  j["cluster"]["autoscaling"]["target"] = 8;
  j["cluster"]["autoscaling"]["policy"] = "schedule";
  CHECK_THAT(fleet_error(j), Catch::Contains("/cluster/autoscaling/schedule: expected a non-empty array"));
  j["cluster"]["autoscaling"]["schedule"] = {{{"at_s", 5}, {"replicas", 4}}, {{"at_s", 5}, {"replicas", 9}}};
  e = fleet_error(j);
  CHECK_THAT(e, Catch::Contains("/cluster/autoscaling/schedule/1/at_s: expected a time after"));
  CHECK_THAT(e, Catch::Contains("/cluster/autoscaling/schedule/1/replicas: expected between min_replicas (4) and max_replicas (6), found 9"));
  nlohmann::json fixed = fleet_scenario(1, 10);
  fixed["cluster"]["cold_start"] = {{"provisioning_s", 30}};
  CHECK_THAT(fleet_error(fixed), Catch::Contains("/cluster/cold_start: only used with /cluster/autoscaling or /cluster/spot"));
  nlohmann::json tiers = fleet_scenario(1, 10);
  tiers["cluster"]["autoscaling"] = {{"policy", "concurrency"}, {"target", 8}, {"max_replicas", 2}};
  tiers["engine"]["preemption_mode"] = "swap";
  CHECK_THAT(fleet_error(tiers), Catch::Contains("/cluster/autoscaling: an elastic fleet does not combine with KV tiers or swap"));
}

TEST_CASE("autoscaler run: a schedule that brings a replica after the last arrival still serves the queue; one that never does drops it") {
  nlohmann::json j = fleet_scenario(2, 10);
  j["cluster"].erase("replicas");
  j["cluster"]["autoscaling"] = {{"policy", "schedule"}, {"min_replicas", 0}, {"max_replicas", 1},
                                 {"evaluation_interval_s", 1}, {"cooldown_s", 0},
                                 {"schedule", {{{"at_s", 0}, {"replicas", 0}}, {{"at_s", 30}, {"replicas", 1}}}}};
  const FleetRun late = run_fleet(j, "late");
  CHECK(late.result.summary.requests.completed == late.result.summary.requests.arrived);
  j["cluster"]["autoscaling"]["schedule"] = {{{"at_s", 0}, {"replicas", 0}}};
  const FleetRun never = run_fleet(j, "never");
  const RequestCounts& n = never.result.summary.requests;
  REQUIRE(n.arrived > 0);
  CHECK(n.dropped_by_reason.at("no_replica_after_last_arrival") == n.arrived);
}

TEST_CASE("autoscaler run: every router sends requests only to replicas that are up") {
  for (const char* router : {"round_robin", "power_of_two", "session_affinity", "prefix_aware", "prefix_aware_approx"}) {
    INFO(router);
    nlohmann::json j = fleet_scenario(20, 40);
    j["cluster"]["router"] = router;
    j["kv_cache"]["enable_prefix_caching"] = true;
    j["cluster"]["autoscaling"] = {{"policy", "concurrency"}, {"target", 4}, {"min_replicas", 1}, {"max_replicas", 4},
                                   {"evaluation_interval_s", 1}, {"cooldown_s", 0}};
    j["cluster"]["cold_start"] = {{"provisioning_s", 5}};
    const FleetRun run = run_fleet(j, std::string("routers_") + router);
    const auto& reps = run.fleet().at("replicas");
    REQUIRE(reps.size() > 1);
    size_t routed_to_new = 0;
    // Replica 0 is up from the start, so nothing waits in the router's queue: a request on a
    // replica that came later arrived (and was routed) after that replica was up.
    for (const RequestRow& r : request_rows(run.dir)) {
      if (r.replica == 0) continue;
      CHECK(r.arrival >= reps[r.replica].at("up_s").get<double>() - 1e-9);
      ++routed_to_new;
    }
    CHECK(routed_to_new > 0);
    CHECK(run.result.summary.requests.completed == run.result.summary.requests.arrived);
  }
}
