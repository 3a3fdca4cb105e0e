// The typed run summary: what run_scenario returns is what summary.json holds, field for field;
// a results folder read back gives the same summary; the rows both front ends show come from it.
#include <catch2/catch.hpp>

#include <filesystem>

#include "catalog/catalog.h"
#include "metrics/run_summary.h"
#include "metrics/summary_rows.h"
#include "run/simulation.h"
#include "scenario/scenario.h"
#include "test_run_util.h"

using namespace kvsim;
using kvsim::testing::slurp;
namespace fs = std::filesystem;

namespace {

RunResult run_into(const nlohmann::json& j, const fs::path& out) {
  RunOptions opt;
  opt.out_dir = out.string();
  return run_scenario(parse_scenario(j, KVSIM_TEST_DATA, Catalog::open_default()), opt);
}

// Tiers (a CPU tier holding sessions whose GPU copy expired), load stages, an SLO, a request too
// long to run (dropped), on two replicas.
nlohmann::json tiered_scenario() {
  return nlohmann::json::parse(R"({
    "name": "summary-tiers", "model": "Llama-3-8B", "gpu": "H100-SXM", "seed": 5,
    "cluster": {"replicas": 2},
    "engine": {"num_gpu_blocks_override": 3000, "max_num_seqs": 64, "max_model_len": 3000},
    "perf_model": {"kind": "roofline"},
    "slo": {"ttft_s": 0.5},
    "kv_cache": {"ttl_s": 2,
                 "tiers": [{"kind": "cpu", "capacity_gib": 20, "usd_per_gb_month": 50, "usd_per_gb_read": 0.01}]},
    "workload": {"synthetic": {"seed": 9, "num_requests": 150,
      "arrivals": {"stages": [{"rate": 3, "duration_s": 20}, {"rate": 6, "duration_s": 20}]},
      "prompt_tokens": {"dist": "uniform", "min": 500, "max": 3000},
      "output_tokens": {"dist": "uniform", "min": 10, "max": 60},
      "sessions": {"fraction": 0.8, "turns": 4, "think_time_s": 8, "user_tokens": 100}}}
  })");
}

}  // namespace

TEST_CASE("the typed summary a run returns serialises to the summary.json it wrote, byte for byte") {
  const fs::path out = fs::temp_directory_path() / "kvsim_test_metrics_summary";
  fs::remove_all(out);
  const RunResult r = run_into(kvsim::testing::hand_scenario(), out);
  const nlohmann::json written = nlohmann::json::parse(slurp(out / "summary.json"));
  CHECK(to_json(r.summary) == written);
  // Fields, not JSON: the figures of the hand-checked run (test_end_to_end.cpp).
  CHECK(r.summary.requests.completed == 2);
  CHECK(written["requests"]["completed"] == r.summary.requests.completed);
  CHECK(written["ttft_s"]["p99"].get<double>() == r.summary.ttft_s.p99);
  CHECK(written["engine"]["steps"] == r.summary.engine.steps);
  CHECK(written["cost"]["usd_total"].get<double>() == r.summary.cost.usd_total);
  CHECK(written["kv"]["blocks_total"] == r.summary.kv.blocks_total);
  CHECK(written["workload"]["source"] == r.summary.workload_source);
  // Integers stay integers and fractions stay doubles, as summary.json has always had them.
  CHECK(written["kv"]["blocks_per_replica"].is_number_unsigned());
  CHECK(written["kv"]["mean_utilization"].is_number_float());
  CHECK(written["cost"]["num_gpus"].is_number_unsigned());
  fs::remove_all(out);
}

TEST_CASE("a summary with tiers, stages and dropped requests survives summary.json and back") {
  const fs::path out = fs::temp_directory_path() / "kvsim_test_metrics_summary_tiers";
  fs::remove_all(out);
  const RunResult r = run_into(tiered_scenario(), out);
  REQUIRE(r.summary.has_stages);
  REQUIRE(r.summary.stages.size() == 2);
  REQUIRE(r.summary.kv_tiers);
  REQUIRE(r.summary.requests.completed > 0);
  REQUIRE(r.summary.requests.dropped > 0);
  REQUIRE_FALSE(r.summary.requests.dropped_by_reason.empty());
  const nlohmann::json written = nlohmann::json::parse(slurp(out / "summary.json"));
  CHECK(to_json(r.summary) == written);
  // A results folder read back becomes the same typed summary.
  const RunSummary back = summary_from_json(written);
  CHECK(to_json(back) == written);
  CHECK(back.stages.size() == 2);
  CHECK(back.stages[1].saturated == r.summary.stages[1].saturated);
  CHECK(back.cost.reuse.gpu_busy_hours == r.summary.cost.reuse.gpu_busy_hours);
  // The tier report's fields are written with the types summary.json has always had: counts as
  // integers, rates and GB as doubles, a link's transfers as the double sum over replicas.
  REQUIRE(back.kv_tiers);
  const nlohmann::json& k = written["kv_tiers"];
  CHECK(back.kv_tiers->tiers.size() == k["tiers"].size());
  CHECK(k["tiers"][0]["stores"].is_number_unsigned());
  CHECK(k["tiers"][0]["shared"].is_boolean());
  CHECK(k["tiers"][0]["gb_written"].is_number_float());
  CHECK(k["loads"].is_number_unsigned());
  CHECK(k["swap"]["outs"].is_number_unsigned());
  CHECK(k["config"].is_object());
  REQUIRE_FALSE(back.kv_tiers->links_per_gpu.empty());
  CHECK(k["links_per_gpu"].begin().value()["to_gpu"]["transfers"].is_number_float());
  CHECK(back.kv_tiers->block_hit_rate_found == r.summary.kv_tiers->block_hit_rate_found);
  CHECK(back.cost.reuse.usd_net_saved == r.summary.cost.reuse.usd_net_saved);
  CHECK(written["cost"]["reuse"].size() == 7);
  CHECK(back.goodput.slo.ttft_s == 0.5);
  fs::remove_all(out);
}

TEST_CASE("a summary.json missing members reads as zeros, not an exception") {
  const RunSummary s = summary_from_json(nlohmann::json::parse(R"({"requests": {"completed": 7}, "ttft_s": "x"})"));
  CHECK(s.requests.completed == 7);
  CHECK(s.requests.arrived == 0);
  CHECK(s.ttft_s.p99 == 0);
  CHECK_FALSE(s.kv_tiers);
  CHECK_FALSE(s.has_stages);
}

TEST_CASE("the summary rows show the summary's figures with kvsim run's precision, each naming its member") {
  const fs::path out = fs::temp_directory_path() / "kvsim_test_metrics_summary_rows";
  fs::remove_all(out);
  const RunResult r = run_into(kvsim::testing::hand_scenario(), out);
  const std::vector<SummaryRow> rows = summary_rows(r.summary);
  const nlohmann::json j = to_json(r.summary);
  for (const SummaryRow& row : rows) {
    INFO(row.key);
    const double member = j.at(nlohmann::json::json_pointer(row.key)).get<double>();
    // The goodput fraction is shown in percent.
    CHECK(row.value == (row.key == "/goodput/fraction" ? member * 100 : member));
  }
  CHECK(summary_row(rows, "/requests/completed").text() == "2");
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", r.summary.ttft_s.p99);
  CHECK(summary_row(rows, "/ttft_s/p99").text() == text);
  CHECK(summary_row(rows, "/ttft_s/p99").unit == "s");
  CHECK(summary_row(rows, "/cost/usd_total").section == "cost");
  CHECK_THROWS_AS(summary_row(rows, "/no/such"), std::out_of_range);
  fs::remove_all(out);
}
