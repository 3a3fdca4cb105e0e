// An elastic fleet's KV figures count the replicas it holds at each sample (from the start of
// their provisioning to their release), as busy_fraction counts their time: a replica released
// early no longer dilutes the utilisation of the ones still serving.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "test_elastic_util.h"

using namespace kvsim;
using namespace kvsim::elastic_testing;

namespace {

constexpr uint64_t kBlocks = 4000;  // num_gpu_blocks_override of fleet_scenario

// Replicas held at `t` by the fleet's own record of each replica's life.
uint64_t held_at(const nlohmann::json& fleet, double t) {
  uint64_t n = 0;
  for (const auto& r : fleet.at("replicas"))
    n += r.at("start_s").get<double>() <= t && (r.at("end_s").is_null() || r.at("end_s").get<double>() > t);
  return n;
}

}  // namespace

TEST_CASE("fleet KV: an elastic fleet that never changes reports the KV figures of the same fixed fleet") {
  // Spot without interruptions, always granted: one replica from start to end, as the fixed fleet.
  nlohmann::json fixed = fleet_scenario(6, 30);
  nlohmann::json elastic = fixed;
  elastic["cluster"]["spot"] = {{"usd_per_gpu_hour", 1.0}, {"interruptions_per_hour", 0}};
  const FleetRun a = run_fleet(fixed, "kv_fixed"), b = run_fleet(elastic, "kv_elastic_still");
  REQUIRE(b.fleet().at("replicas").size() == 1);
  const KvSummary &f = a.result.summary.kv, &e = b.result.summary.kv;
  REQUIRE(f.mean_utilization > 0.05);  // the load keeps blocks in use
  CHECK(e.blocks_total == kBlocks);
  CHECK(e.blocks_total == f.blocks_total);
  CHECK(e.mean_utilization == Approx(f.mean_utilization).epsilon(1e-12));
  CHECK(e.peak_utilization == Approx(f.peak_utilization).epsilon(1e-12));
}

TEST_CASE("fleet KV: after a scale-in the released replica's blocks leave the KV figures and the time series") {
  // Two replicas until the schedule drains one at 10 s (released when its last request is done),
  // then one replica serves the same load for 20 s more.
  nlohmann::json j = fleet_scenario(12, 30);
  j["cluster"]["replicas"] = 2;
  j["cluster"]["autoscaling"] = {{"policy", "schedule"}, {"min_replicas", 1}, {"max_replicas", 2},
                                 {"evaluation_interval_s", 1}, {"cooldown_s", 0},
                                 {"schedule", {{{"at_s", 0}, {"replicas", 2}}, {{"at_s", 10}, {"replicas", 1}}}}};
  const FleetRun run = run_fleet(j, "kv_scale_in");
  const nlohmann::json& fleet = run.fleet();
  REQUIRE(fleet.at("replicas").size() == 2);
  const std::vector<TimeseriesRow>& rows = run.result.timeseries;
  REQUIRE(rows.size() > 25);

  // Each sample's blocks (used + cached + free) are those of the replicas held then; the summary's
  // utilisations are the samples' used blocks over those held blocks. (A quiet stretch writes no
  // rows: each missing interval repeats the row before it.)
  double used_sum = 0, held_sum = 0, peak = 0, all_sum = 0;
  uint64_t held_after = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const TimeseriesRow& r = rows[i];
    const uint64_t held = held_at(fleet, r.time_s) * kBlocks;
    INFO("t = " << r.time_s);
    CHECK(r.kv_blocks_used + r.kv_blocks_cached + r.kv_blocks_free == held);
    const double next = i + 1 < rows.size() ? rows[i + 1].time_s : r.time_s + 1;
    const double copies = std::max(1.0, std::round(next - r.time_s));  // 1 s interval
    used_sum += copies * static_cast<double>(r.kv_blocks_used);
    held_sum += copies * static_cast<double>(held);
    all_sum += copies * static_cast<double>(2 * kBlocks);
    peak = std::max(peak, static_cast<double>(r.kv_blocks_used) / static_cast<double>(held));
    if (r.time_s > 20) held_after = std::max(held_after, held);
  }
  CHECK(held_after == kBlocks);  // the drained replica is gone well after the decision
  const KvSummary& kv = run.result.summary.kv;
  CHECK(kv.blocks_total == 2 * kBlocks);  // the most held at once
  CHECK(kv.blocks_per_replica == kBlocks);
  CHECK(kv.mean_utilization == Approx(used_sum / held_sum).epsilon(1e-9));
  CHECK(kv.peak_utilization == Approx(peak).epsilon(1e-12));
  // Counting both replicas for the whole run (what the summary did before) understates it.
  CHECK(kv.mean_utilization > 1.25 * used_sum / all_sum);
}
