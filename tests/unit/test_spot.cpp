// Spot capacity: the seeded interruption process and the class choice on their own, then whole
// runs: interruptions come at the seeded times, the replica takes no request after its notice,
// its in-flight requests move and are recomputed elsewhere, every request completes or is
// dropped with a reason, the same seed gives the same bytes, fallback to on-demand, dollars by
// class, and bad input named by its JSON pointer.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "cluster/spot.h"
#include "plan/planner.h"
#include "test_elastic_util.h"

using namespace kvsim;
using namespace kvsim::elastic_testing;
using kvsim::testing::slurp;

namespace {

SpotConfig spot(double rate, double fraction = 1, double availability = 1) {
  SpotConfig c;
  c.enabled = true;
  c.usd_per_gpu_hour = 1;
  c.interruptions_per_hour = rate;
  c.fraction = fraction;
  c.availability = availability;
  return c;
}

nlohmann::json spot_scenario(double rate_per_hour, double notice_s) {
  nlohmann::json j = fleet_scenario(10, 60);
  j["cluster"]["replicas"] = 2;
  j["cluster"]["spot"] = {{"usd_per_gpu_hour", 1.5}, {"interruptions_per_hour", rate_per_hour}, {"notice_s", notice_s}};
  return j;
}

}  // namespace

TEST_CASE("spot market: exponential interruption gaps at the configured rate, from the seed") {
  SpotMarket a(spot(6), 42), b(spot(6), 42), c(spot(6), 43);
  double sum = 0;
  bool differs = false;
  constexpr int kDraws = 20000;
  for (int i = 0; i < kDraws; ++i) {
    const SimTime t = a.interruption_after(from_seconds(100));
    REQUIRE(t == b.interruption_after(from_seconds(100)));
    differs = differs || t != c.interruption_after(from_seconds(100));
    sum += to_seconds(t) - 100;
  }
  CHECK(differs);
  CHECK(sum / kDraws == Approx(600).epsilon(0.03));  // mean gap 3600 / 6 s
  SpotMarket never(spot(0), 1);
  CHECK(never.interruption_after(0) == kNever);
}

TEST_CASE("spot market: the spot share and the availability decide the class") {
  const SpotMarket half(spot(1, 0.5), 1);
  CHECK(half.wanted_class(0, 1) == PriceClass::kOnDemand);  // 1 spot of 1 would exceed half
  CHECK(half.wanted_class(0, 2) == PriceClass::kSpot);
  CHECK(half.wanted_class(1, 3) == PriceClass::kOnDemand);
  CHECK(half.wanted_class(1, 4) == PriceClass::kSpot);
  SpotMarket none(spot(1, 1, 0), 1), all(spot(1, 1, 1), 1), some(spot(1, 1, 0.3), 7);
  int granted = 0;
  for (int i = 0; i < 10000; ++i) {
    CHECK_FALSE(none.granted());
    CHECK(all.granted());
    granted += some.granted();
  }
  CHECK(granted / 10000.0 == Approx(0.3).epsilon(0.05));
}

TEST_CASE("spot run: interruptions at the seeded times move the in-flight requests, which are recomputed elsewhere") {
  const nlohmann::json j = spot_scenario(240, 0);
  const FleetRun run = run_fleet(j, "spot_move");
  const nlohmann::json& f = run.fleet();
  // The two initial replicas drew their interruption times first, in order.
  SpotMarket market(spot(240), 5);
  const double t0 = to_seconds(market.interruption_after(0)), t1 = to_seconds(market.interruption_after(0));
  REQUIRE(std::max(t0, t1) < 55);  // (the seed puts both inside the run)
  const auto& reps = f.at("replicas");
  CHECK(reps[0].at("interrupted_s").get<double>() == Approx(t0).margin(1e-9));
  CHECK(reps[1].at("interrupted_s").get<double>() == Approx(t1).margin(1e-9));
  CHECK(reps[0].at("end_s").get<double>() == Approx(t0).margin(1e-9));  // no notice period
  const nlohmann::json& s = f.at("spot");
  CHECK(s.at("interruptions").get<uint64_t>() >= 2);
  CHECK(s.at("requests_moved").get<uint64_t>() > 0);
  const auto recomputed = s.at("tokens_recomputed").get<uint64_t>();
  CHECK(recomputed > 0);
  // Without prefix caching or preemptions, prefill work is every prompt once plus what was lost
  // (plus one token per moved request that was decoding: its next token is prefilled with the rest).
  const RunSummary& sum = run.result.summary;
  REQUIRE(sum.requests.preemptions == 0);
  const uint64_t extra = sum.engine.prefill_tokens_computed - sum.requests.arrived * 200;
  CHECK(extra >= recomputed);
  CHECK(extra <= recomputed + s.at("requests_moved").get<uint64_t>());
  // Conservation: every request completed, none on a replica after it went away.
  CHECK(sum.requests.completed == sum.requests.arrived);
  for (const RequestRow& r : request_rows(run.dir)) {
    CHECK(r.status == "finished");
    const auto& rep = reps.at(r.replica);
    if (!rep.at("end_s").is_null()) CHECK(r.finish <= rep.at("end_s").get<double>() + 1e-9);
  }
}

TEST_CASE("spot run: under notice a replica takes no new request and finishes what it can") {
  const FleetRun run = run_fleet(spot_scenario(240, 5), "spot_notice");
  const auto& reps = run.fleet().at("replicas");
  size_t checked = 0;
  for (const RequestRow& r : request_rows(run.dir)) {
    const auto& rep = reps.at(r.replica);
    if (rep.at("interrupted_s").is_null()) continue;
    CHECK(r.arrival <= rep.at("interrupted_s").get<double>() + 1e-9);
    CHECK(r.finish <= rep.at("end_s").get<double>() + 1e-9);
    ++checked;
  }
  CHECK(checked > 0);
  for (const auto& rep : reps)
    if (!rep.at("interrupted_s").is_null())
      CHECK(rep.at("end_s").get<double>() == Approx(rep.at("interrupted_s").get<double>() + 5).margin(1e-9));
}

TEST_CASE("spot run: the same seed gives byte-identical outputs, another seed other interruptions") {
  nlohmann::json j = spot_scenario(240, 2);
  const FleetRun a = run_fleet(j, "spot_det_a"), b = run_fleet(j, "spot_det_b");
  for (const char* file : {"requests.csv", "timeseries.csv", "summary.json"})
    CHECK(slurp(a.dir / file) == slurp(b.dir / file));
  j["seed"] = 6;
  const FleetRun c = run_fleet(j, "spot_det_c");
  CHECK(c.fleet().at("replicas")[0].at("interrupted_s") != a.fleet().at("replicas")[0].at("interrupted_s"));
  // The time series carries the fleet's columns.
  const std::string ts = slurp(a.dir / "timeseries.csv");
  CHECK(ts.rfind("time_s,", 0) == 0);
  CHECK(ts.substr(0, ts.find('\n')).find(",replicas_on_demand,replicas_spot,replicas_provisioning,replicas_draining,router_queue,fleet_usd") !=
        std::string::npos);
}

TEST_CASE("spot run: dollars by class integrate replica time from provisioning to release") {
  nlohmann::json j = fleet_scenario(10, 30);
  j["cluster"]["replicas"] = 2;
  j["cost"] = {{"usd_per_gpu_hour", 4.0}};
  j["cluster"]["spot"] = {{"usd_per_gpu_hour", 1.0}, {"fraction", 0.5}};
  const FleetRun run = run_fleet(j, "spot_cost");
  const nlohmann::json& f = run.fleet();
  const double hours = run.result.summary.simulated_seconds / 3600;
  CHECK(f.at("replicas")[0].at("price") == "on_demand");
  CHECK(f.at("replicas")[1].at("price") == "spot");
  CHECK(f.at("usd").at("on_demand").get<double>() == Approx(4 * hours));
  CHECK(f.at("usd").at("spot").get<double>() == Approx(1 * hours));
  CHECK(run.result.summary.cost.usd_gpu == Approx(5 * hours));
  // Busy time is over the replica time held.
  const RunSummary& sum = run.result.summary;
  CHECK(sum.engine.busy_fraction > 0);
  CHECK(sum.engine.busy_fraction <= 1);
  CHECK(sum.cost.reuse.gpu_busy_hours == Approx(sum.engine.busy_fraction * sum.cost.gpu_hours));
  // Against two on-demand replicas for the whole run.
  CHECK(f.at("usd_saved_vs_fixed_peak").get<double>() == Approx(3 * hours));
}

TEST_CASE("spot run: a refused spot request falls back to on-demand, or leaves requests to wait and be dropped") {
  nlohmann::json j = spot_scenario(0, 0);
  j["cluster"]["spot"]["availability"] = 0;
  const FleetRun fb = run_fleet(j, "spot_fallback");
  CHECK(fb.fleet().at("spot").at("fallbacks_to_on_demand") == 2);
  CHECK(fb.fleet().at("usd").at("spot").get<double>() == 0);
  CHECK(fb.result.summary.requests.completed == fb.result.summary.requests.arrived);
  j["cluster"]["spot"]["fallback"] = "none";
  j["cluster"]["max_queue_wait_s"] = 3;
  const FleetRun none = run_fleet(j, "spot_none");
  const RequestCounts& n = none.result.summary.requests;
  CHECK(n.completed == 0);
  CHECK(n.dropped == n.arrived);
  // (dropped after the maximum wait, or at the first evaluation after the last arrival)
  CHECK(n.dropped_by_reason.at("no_replica_within_max_queue_wait") + n.dropped_by_reason.at("no_replica_after_last_arrival") ==
        n.arrived);
  CHECK(none.fleet().at("spot").at("requests_refused").get<uint64_t>() >= 2);
}

TEST_CASE("spot: bad input gets one message naming its JSON pointer") {
  nlohmann::json j = spot_scenario(-1, 30);
  std::string e = fleet_error(j);
  CHECK_THAT(e, Catch::Contains("/cluster/spot/interruptions_per_hour: expected a number"));
  CHECK(std::count(e.begin(), e.end(), '\n') <= 1);
  j = spot_scenario(1, 30);
  j["cluster"]["spot"]["fraction"] = 1.5;
  CHECK_THAT(fleet_error(j), Catch::Contains("/cluster/spot/fraction"));
  j = spot_scenario(1, 30);
  j["cluster"]["spot"].erase("usd_per_gpu_hour");
  CHECK_THAT(fleet_error(j), Catch::Contains("/cluster/spot/usd_per_gpu_hour"));
  j = spot_scenario(1, 30);
  j["cluster"]["spot"]["fallback"] = "retry";
  CHECK_THAT(fleet_error(j), Catch::Contains("/cluster/spot/fallback: expected one of"));
}

TEST_CASE("spot run: after a fallback, a granted spot replica takes over and the on-demand one drains") {
  nlohmann::json j = spot_scenario(0, 0);
  j["workload"]["synthetic"]["duration_s"] = 120;
  j["cluster"]["spot"]["availability"] = 0.5;
  j["cluster"]["cold_start"] = {{"provisioning_s", 10}};
  const FleetRun run = run_fleet(j, "spot_return");
  const nlohmann::json& f = run.fleet();
  REQUIRE(f.at("spot").at("fallbacks_to_on_demand").get<uint64_t>() >= 1);
  CHECK(f.at("spot").at("returns_to_spot") == f.at("spot").at("fallbacks_to_on_demand"));
  const auto& reps = f.at("replicas");
  const auto rows = request_rows(run.dir);
  size_t replaced = 0;
  for (const auto& spot : reps) {
    if (spot.at("replaces").is_null()) continue;
    const auto od = spot.at("replaces").get<uint32_t>();
    CHECK(reps[od].at("price") == "on_demand");
    const double handover = spot.at("up_s").get<double>();
    CHECK(reps[od].at("end_s").get<double>() >= handover);
    // It took requests until its spot successor came up, none after.
    for (const RequestRow& r : rows)
      if (r.replica == od) CHECK(r.arrival <= handover + 1e-9);
    ++replaced;
  }
  CHECK(replaced == f.at("spot").at("returns_to_spot").get<uint64_t>());
  CHECK(run.result.summary.requests.completed == run.result.summary.requests.arrived);
}

TEST_CASE("planner: a base that buys spot runs each GPU candidate as a spot fleet at that GPU's spot price") {
  nlohmann::json base = fleet_scenario(4, 20);
  base["cluster"]["spot"] = {{"usd_per_gpu_hour", 3.0}, {"interruptions_per_hour", 1}, {"notice_s", 30}};
  nlohmann::json plan = {{"name", "spot"}, {"base", base},
                         {"slo", {{"ttft_s", {{"p99", 5}}}}},
                         {"candidates", {{"gpus", {"H100-SXM", {{"name", "L40S"}, {"spot_usd_per_gpu_hour", 0.7}}}}}},
                         {"replicas", {{"min", 1}, {"max", 4}}},
                         {"seeds", {1}}};
  const PlanSpec spec = parse_plan(plan, KVSIM_TEST_DATA, Catalog::open_default());
  const std::vector<PlanCandidate> cands = plan_candidates(spec);
  REQUIRE(cands.size() == 2);
  CHECK(cands[0].gpu.spot_usd_per_gpu_hour == 3.0);  // the base's own GPU takes the base's spot price
  CHECK(cands[1].gpu.spot_usd_per_gpu_hour == 0.7);
  for (const PlanCandidate& c : cands) {
    const nlohmann::json sc = plan_candidate_scenario(spec, c, 2, 1, 0);
    CHECK(sc.at("cluster").at("spot").at("usd_per_gpu_hour") == c.gpu.spot_usd_per_gpu_hour);
    const FleetRun run = run_fleet(sc, "plan_spot_" + std::to_string(c.index));
    const nlohmann::json& f = run.fleet();
    CHECK(f.at("usd").at("spot").get<double>() ==
          Approx(f.at("replica_hours").at("spot").get<double>() * c.gpu.spot_usd_per_gpu_hour));
    CHECK(f.at("usd").at("on_demand").get<double>() == 0);
  }
  // Another GPU without a spot price cannot be run as a spot fleet.
  plan["candidates"]["gpus"] = {"H100-SXM", "L40S"};
  std::string e;
  try {
    parse_plan(plan, KVSIM_TEST_DATA, Catalog::open_default());
  } catch (const InputError& x) {
    e = x.what();
  }
  CHECK_THAT(e, Catch::Contains("/candidates/gpus/1: the base scenario buys spot capacity (/base/cluster/spot): give L40S's spot_usd_per_gpu_hour"));
  // A base that autoscales its spot fleet is an autoscaled candidate (its max_replicas searched),
  // still buying spot at the candidate's price (tests/unit/test_plan_autoscaling.cpp).
  plan["candidates"]["gpus"] = {"H100-SXM"};
  plan["base"]["cluster"]["autoscaling"] = {{"policy", "concurrency"}, {"target", 8}, {"max_replicas", 4}};
  const PlanSpec scaled = parse_plan(plan, KVSIM_TEST_DATA, Catalog::open_default());
  const std::vector<PlanCandidate> sc = plan_candidates(scaled);
  REQUIRE(sc.size() == 1);
  CHECK(sc[0].autoscaled());
  const nlohmann::json j3 = plan_candidate_scenario(scaled, sc[0], 3);
  CHECK(j3.at("cluster").at("autoscaling").at("max_replicas") == 3);
  CHECK(j3.at("cluster").at("spot").at("usd_per_gpu_hour") == 3.0);
}

TEST_CASE("spot run: with spot always refused and no fallback or maximum wait, the run still ends and reports every request dropped") {
  nlohmann::json j = spot_scenario(0, 0);
  j["workload"]["synthetic"]["duration_s"] = 10;
  j["cluster"]["spot"]["availability"] = 0;
  j["cluster"]["spot"]["fallback"] = "none";
  const FleetRun run = run_fleet(j, "spot_never");
  const RequestCounts& n = run.result.summary.requests;
  REQUIRE(n.arrived > 0);
  CHECK(n.dropped == n.arrived);
  CHECK(n.dropped_by_reason.at("no_replica_after_last_arrival") == n.arrived);
  CHECK(run.fleet().at("router_queue").at("dropped_no_replica_after_last_arrival") == n.arrived);
}
