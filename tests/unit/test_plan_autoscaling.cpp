// The planner's autoscaling axis (issue #11: every fleet strategy a plan candidate): an autoscaled
// candidate searches the autoscaler's max_replicas, is priced at what its fleet paid over the run,
// and sits beside fixed fleets on the same frontier; bad axes are named by their JSON pointer.
#include <catch2/catch.hpp>

#include "plan/planner.h"
#include "test_fleet_util.h"

using namespace kvsim;
using nlohmann::json;

namespace {

const Catalog& catalog() { return testing::fleet_catalog(); }

// A two-minute compressed day: Poisson arrivals ramping 1 -> 40 -> 1 req/s, Llama-3-8B on H100,
// replicas up 5 s after they are asked for. A fixed fleet must hold the peak's replicas all the
// time; an autoscaler holds them only around the peak.
json day_base() {
  return {{"name", "small-day"},
          {"seed", 3},
          {"model", "Llama-3-8B"},
          {"gpu", "H100-SXM"},
          {"cluster",
           {{"router", "least_outstanding"},
            {"autoscaling", {{"policy", "concurrency"}, {"target", 32}, {"min_replicas", 1}, {"max_replicas", 8},
                             {"evaluation_interval_s", 5}, {"cooldown_s", 10}}},
            {"cold_start", {{"provisioning_s", 5}}}}},
          {"engine", {{"max_num_seqs", 128}, {"max_num_batched_tokens", 4096}, {"max_model_len", 4096}}},
          {"workload",
           {{"synthetic",
             {{"seed", 3},
              {"prompt_tokens", {{"dist", "lognormal"}, {"median", 600}, {"sigma", 0.8}, {"max", 3000}}},
              {"output_tokens", {{"dist", "lognormal"}, {"median", 200}, {"sigma", 0.6}, {"max", 1000}}},
              {"arrivals",
               {{"process", "poisson"},
                {"stages", {{{"rate", 1}, {"to_rate", 40}, {"duration_s", 60}}, {{"rate", 40}, {"to_rate", 1}, {"duration_s", 60}}}}}}}}}},
          {"slo", {{"ttft_s", 2.0}, {"tpot_s", 0.1}}}};
}

json concurrency(double target) {
  return {{"policy", "concurrency"}, {"target", target}, {"min_replicas", 1}, {"evaluation_interval_s", 5}, {"cooldown_s", 10}};
}

json day_plan(const json& autoscaling) {
  json j = {{"name", "day"},
            {"base", day_base()},
            {"slo", {{"ttft_s", {{"p99", 2.0}}}, {"tpot_s", {{"p99", 0.1}}}}},
            {"candidates", json::object()},
            {"replicas", {{"min", 1}, {"max", 8}}},
            {"seeds", {1, 2}}};
  if (!autoscaling.is_null()) j["candidates"]["autoscaling"] = autoscaling;
  return j;
}

std::string error_of(const json& j) {
  try {
    parse_plan(j, KVSIM_TEST_DATA, catalog());
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

// The candidate's run on its own (parse_scenario, run_scenario), outside the planner.
RunSummary run_alone(const PlanSpec& spec, const PlanCandidate& c, uint32_t replicas, size_t seed) {
  const Scenario s = parse_scenario(plan_candidate_scenario(spec, c, replicas, 1, seed), spec.base_dir, catalog());
  RunOptions o;
  o.keep_samples = false;
  return run_scenario(s, o).summary;
}

bool meets(const RunSummary& s) { return s.ttft_s.p99 <= 2.0 && s.tpot_s.p99 <= 0.1; }

}  // namespace

TEST_CASE("plan autoscaling axis: a fixed and an autoscaled candidate get the scenarios they stand for") {
  const PlanSpec spec = parse_plan(day_plan({nullptr, concurrency(32)}), KVSIM_TEST_DATA, catalog());
  CHECK(spec.has_autoscaling_axis());
  CHECK_FALSE(spec.base.at("cluster").contains("autoscaling"));  // the base's own autoscaler is replaced by the axis
  const std::vector<PlanCandidate> c = plan_candidates(spec);
  REQUIRE(c.size() == 2);
  CHECK_FALSE(c[0].autoscaled());
  CHECK_THAT(c[0].label, Catch::EndsWith(" fixed"));
  CHECK(c[1].autoscaled());
  CHECK_THAT(c[1].label, Catch::EndsWith(" autoscaled concurrency=32 min=1"));

  // The fixed fleet: n replicas, none of the elastic fields (which a fixed fleet refuses).
  const json fixed = plan_candidate_scenario(spec, c[0], 3);
  CHECK(fixed.at("cluster").at("replicas") == 3);
  CHECK_FALSE(fixed.at("cluster").contains("autoscaling"));
  CHECK_FALSE(fixed.at("cluster").contains("cold_start"));
  const Scenario fs_ = parse_scenario(fixed, spec.base_dir, catalog());
  CHECK_FALSE(fs_.fleet.elastic());
  CHECK(fs_.num_replicas == 3);

  // The autoscaled fleet: the autoscaler with max_replicas n, its cold start back, starting at its minimum.
  const json scaled = plan_candidate_scenario(spec, c[1], 5);
  CHECK(scaled.at("cluster").at("autoscaling").at("max_replicas") == 5);
  CHECK(scaled.at("cluster").at("autoscaling").at("target") == 32);
  CHECK(scaled.at("cluster").at("cold_start").at("provisioning_s") == 5);
  CHECK_FALSE(scaled.at("cluster").contains("replicas"));
  const Scenario ss = parse_scenario(scaled, spec.base_dir, catalog());
  CHECK(ss.fleet.elastic());
  CHECK(ss.fleet.autoscaling.max_replicas == 5);
  CHECK(ss.num_replicas == 1);

  // Without a list, the base's autoscaler is the only candidate (its max_replicas is searched).
  const PlanSpec own = parse_plan(day_plan(nullptr), KVSIM_TEST_DATA, catalog());
  const std::vector<PlanCandidate> oc = plan_candidates(own);
  REQUIRE(oc.size() == 1);
  CHECK(oc[0].autoscaled());
  CHECK_FALSE(oc[0].autoscaling.contains("max_replicas"));
  CHECK(plan_candidate_scenario(own, oc[0], 2).at("cluster").at("autoscaling").at("max_replicas") == 2);

  // A minimum above the plan's lowest count raises the candidate's floor; the plan as run round-trips.
  json a = concurrency(16);
  a["min_replicas"] = 2;
  const PlanSpec floor = parse_plan(day_plan({nullptr, a}), KVSIM_TEST_DATA, catalog());
  CHECK(plan_candidates(floor)[0].min_replicas == 1);
  CHECK(plan_candidates(floor)[1].min_replicas == 2);
  const PlanSpec again = parse_plan(floor.to_json(), KVSIM_TEST_DATA, catalog());
  CHECK(again.to_json() == floor.to_json());
  CHECK(plan_candidate_scenario(again, plan_candidates(again)[1], 4) == plan_candidate_scenario(floor, plan_candidates(floor)[1], 4));
}

TEST_CASE("plan autoscaling axis: the least max_replicas, priced at the fleet's own dollars, checked by independent runs") {
  const PlanSpec spec = parse_plan(day_plan({nullptr, concurrency(32)}), KVSIM_TEST_DATA, catalog());
  PlanOptions o;
  o.jobs = 2;
  const PlanResult result = run_plan(spec, o);
  const PlanGrowthResult& g = result.growth.at(0);
  REQUIRE(g.candidates.size() == 2);
  const PlanCandidateResult &fixed = g.candidates[0], &scaled = g.candidates[1];
  INFO(fixed.binds_detail << " / " << scaled.binds_detail);
  REQUIRE(fixed.status == PlanStatus::feasible);
  REQUIRE(scaled.status == PlanStatus::feasible);
  REQUIRE(scaled.replicas > 1);  // the peak needs more than the autoscaler's minimum

  // n passes on every seed and n-1 fails on some, in runs outside the planner.
  double usd_per_hour = 0, held = 0;
  for (size_t seed = 0; seed < spec.seeds.size(); ++seed) {
    const RunSummary at_n = run_alone(spec, scaled.candidate, scaled.replicas, seed);
    CHECK(meets(at_n));
    const double hours = at_n.simulated_seconds / 3600;
    usd_per_hour += at_n.cost.usd_gpu / hours;
    held += (at_n.fleet.at("replica_hours").at("on_demand").get<double>() + at_n.fleet.at("replica_hours").at("spot").get<double>()) / hours;
  }
  bool some_fail = false;
  for (size_t seed = 0; seed < spec.seeds.size(); ++seed) some_fail = some_fail || !meets(run_alone(spec, scaled.candidate, scaled.replicas - 1, seed));
  CHECK(some_fail);

  // Its $/hour is what the elastic fleet paid per hour of the run, not max_replicas x the price.
  const double price = scaled.candidate.gpu.usd_per_gpu_hour;
  CHECK(scaled.usd_per_hour == Approx(usd_per_hour / spec.seeds.size()));
  CHECK(scaled.mean_replicas_held == Approx(held / spec.seeds.size()));
  CHECK(scaled.usd_per_hour == Approx(scaled.mean_replicas_held * price));
  CHECK(scaled.mean_replicas_held < scaled.replicas);
  CHECK(scaled.peak_replicas_held <= scaled.replicas);
  CHECK(scaled.spot_usd_per_hour < 0);
  // The fixed fleet keeps its price: n x GPUs x $/GPU-hour, and no elastic figures.
  CHECK(fixed.usd_per_hour == Approx(fixed.replicas * price));
  CHECK(fixed.mean_replicas_held < 0);
  // On this day, holding the peak only around the peak is cheaper: the autoscaler is recommended
  // and both are on the frontier only if the dearer one is faster.
  CHECK(scaled.usd_per_hour < fixed.usd_per_hour);
  CHECK(g.recommended == 1);
  CHECK_THAT(g.recommendation, Catch::Contains("x up to " + std::to_string(scaled.replicas) + " replicas, "));
  CHECK_THAT(g.recommendation, Catch::Contains("held on average"));
  CHECK(g.frontier.front() == 1);

  // The outputs name the axis; the report explains the columns.
  const std::string csv = plan_candidates_csv(result);
  CHECK_THAT(csv.substr(0, csv.find('\n')), Catch::EndsWith(",autoscaling,mean_replicas_held,peak_replicas_held"));
  const json pj = plan_result_json(result);
  CHECK(pj.at("results")[0].at("candidates")[1].at("autoscaling").at("target") == 32);
  CHECK(pj.at("results")[0].at("candidates")[0].at("autoscaling").is_null());
  CHECK(pj.at("plan").at("candidates").at("autoscaling").size() == 2);
  CHECK_THAT(plan_report_md(result), Catch::Contains("<= " + std::to_string(scaled.replicas) + " ("));
}

TEST_CASE("plan autoscaling axis: a plan without it writes no autoscaling column or field") {
  json plan = day_plan(nullptr);
  plan["base"]["cluster"].erase("autoscaling");
  plan["base"]["cluster"].erase("cold_start");
  plan["base"]["cluster"]["replicas"] = 2;
  plan["replicas"] = {{"min", 3}, {"max", 3}};
  const PlanSpec spec = parse_plan(plan, KVSIM_TEST_DATA, catalog());
  CHECK_FALSE(spec.has_autoscaling_axis());
  CHECK(spec.base.at("cluster").at("replicas") == 2);  // untouched
  CHECK_FALSE(spec.to_json().at("candidates").contains("autoscaling"));
  const PlanResult r = run_plan(spec, PlanOptions{});
  CHECK(plan_candidates_csv(r).find("autoscaling") == std::string::npos);
  CHECK_FALSE(plan_result_json(r).at("results")[0].at("candidates")[0].contains("autoscaling"));
  CHECK(plan_report_md(r).find("Autoscaled") == std::string::npos);
}

TEST_CASE("plan autoscaling axis: bad entries are named by their JSON pointer") {
  json bad = concurrency(8);
  bad["max_replicas"] = 4;
  CHECK_THAT(error_of(day_plan({nullptr, bad})),
             Catch::Contains("/candidates/autoscaling/1/max_replicas: the planner searches the autoscaler's max_replicas"));
  json no_target = concurrency(8);
  no_target.erase("target");
  CHECK_THAT(error_of(day_plan(json::array({no_target}))), Catch::Contains("/candidates/autoscaling/0/target:"));
  json wrong = concurrency(8);
  wrong["policy"] = "vibes";
  CHECK_THAT(error_of(day_plan(json::array({wrong}))), Catch::Contains("/candidates/autoscaling/0/policy:"));
  json high = concurrency(8);
  high["min_replicas"] = 9;
  CHECK_THAT(error_of(day_plan(json::array({high}))),
             Catch::Contains("/candidates/autoscaling/0: the autoscaler needs at least 9 replicas (min_replicas or a schedule entry), "
                             "above the plan's /replicas/max (8)"));
  CHECK_THAT(error_of(day_plan({nullptr, nullptr})), Catch::Contains("/candidates/autoscaling/1: null is listed twice"));
  CHECK_THAT(error_of(day_plan(json::array({3}))), Catch::Contains("/candidates/autoscaling/0: expected an autoscaler object or null"));
  CHECK_THAT(error_of(day_plan(json::array())), Catch::Contains("/candidates/autoscaling: expected a non-empty list"));
}
