// The results folder module (run/output_folder.h) round-trips what run_scenario writes, and the
// cache-replay library call (run/cache_replay_run.h) reports what the KV replay counts.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "run/cache_replay_run.h"
#include "run/output_folder.h"
#include "run/simulation.h"
#include "scenario/scenario.h"
#include "test_run_util.h"

using namespace kvsim;
using kvsim::testing::slurp;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("kvsim_test_results_" + name);
  fs::remove_all(d);
  return d;
}

// Enough requests for a time series of many rows, some dropped (too long), some with one token.
nlohmann::json busy_scenario() {
  return nlohmann::json::parse(R"({
    "name": "busy", "model": "Llama-3-8B", "gpu": "H100-SXM", "seed": 5,
    "engine": {"num_gpu_blocks_override": 400, "max_num_seqs": 16, "max_model_len": 1500},
    "perf_model": {"kind": "roofline"},
    "metrics": {"timeseries_interval_s": 0.25},
    "workload": {"synthetic": {"seed": 2, "num_requests": 200, "arrivals": {"process": "poisson", "rate": 30},
      "prompt_tokens": {"dist": "uniform", "min": 20, "max": 1400},
      "output_tokens": {"dist": "uniform", "min": 1, "max": 200}}}
  })");
}

// Two replicas with a CPU tier of their own and swap space: a summary with every member of the
// KV tiers' report (tiers, links, swap) and KV reuse's economics.
nlohmann::json tiered_scenario() {
  return nlohmann::json::parse(R"({
    "name": "tiered", "model": "Llama-3-8B", "gpu": "H100-SXM", "seed": 3,
    "cluster": {"replicas": 2, "router": "round_robin"},
    "engine": {"num_gpu_blocks_override": 600, "max_num_seqs": 32, "preemption_mode": "swap"},
    "perf_model": {"kind": "roofline"},
    "kv_cache": {"ttl_s": 2, "swap_space_gib": 4,
                 "tiers": [{"kind": "cpu", "capacity_gib": 20, "usd_per_gb_month": 50, "usd_per_gb_read": 0.01}]},
    "workload": {"synthetic": {"seed": 4, "num_requests": 160, "arrivals": {"process": "poisson", "rate": 8},
      "prompt_tokens": {"dist": "uniform", "min": 300, "max": 2000},
      "output_tokens": {"dist": "uniform", "min": 20, "max": 300},
      "sessions": {"fraction": 0.8, "turns": 4, "think_time_s": 6, "user_tokens": 100}}}
  })");
}

// Prefill/decode pools (the first token from decode, so TTFT has its five stages) behind a
// response cache that answers some requests as semantic hits.
nlohmann::json disagg_cached_scenario() {
  return nlohmann::json::parse(R"({
    "name": "disagg-cached", "model": "Llama-3-8B", "gpu": "H100-SXM", "seed": 7,
    "cluster": {"router": "least_outstanding", "disaggregation": {
      "prefill": {"replicas": 1}, "decode": {"replicas": 2},
      "kv_transfer": {"link": "custom", "gpu_gb_per_s": 25, "latency_us": 50}}},
    "perf_model": {"kind": "roofline"},
    "response_cache": {"capacity": 50, "semantic_hit_probability": 0.2, "semantic_latency_s": 0.03},
    "workload": {"synthetic": {"seed": 3, "num_requests": 120, "arrivals": {"process": "poisson", "rate": 10},
      "prompt_tokens": {"dist": "uniform", "min": 200, "max": 1500},
      "output_tokens": {"dist": "uniform", "min": 1, "max": 120}}}
  })");
}

RunResult run_into(const fs::path& out, const nlohmann::json& scenario = busy_scenario()) {
  RunOptions opt;
  opt.out_dir = out.string();
  return run_scenario(parse_scenario(scenario, KVSIM_TEST_DATA, Catalog::open_default()), opt);
}

}  // namespace

TEST_CASE("a results folder read back gives the run's time series and latencies") {
  const fs::path out = fresh_dir("roundtrip");
  REQUIRE_FALSE(is_results_folder(out.string()));
  const RunResult r = run_into(out);
  REQUIRE(r.summary.requests.dropped > 0);
  REQUIRE(is_results_folder(out.string()));

  const std::vector<TimeseriesRow> rows = read_timeseries_csv((out / kTimeseriesFile).string());
  REQUIRE(rows.size() == r.timeseries.size());
  REQUIRE(rows.size() > 10);
  for (size_t i = 0; i < rows.size(); ++i) {
    const TimeseriesRow &a = rows[i], &b = r.timeseries[i];
    INFO("row " << i);
    CHECK(a.time_s == Approx(b.time_s).margin(1e-9));
    CHECK(a.kv_blocks_used == b.kv_blocks_used);
    CHECK(a.kv_blocks_cached == b.kv_blocks_cached);
    CHECK(a.kv_blocks_free == b.kv_blocks_free);
    CHECK(a.kv_tokens == b.kv_tokens);
    CHECK(a.running == b.running);
    CHECK(a.waiting == b.waiting);
    CHECK(a.steps == b.steps);
    CHECK(a.finished == b.finished);
    CHECK(a.tokens_per_step == Approx(b.tokens_per_step).epsilon(1e-6));
    CHECK(a.prefix_hit_rate == Approx(b.prefix_hit_rate).margin(1e-6));
    CHECK(a.throughput_tok_s == Approx(b.throughput_tok_s).epsilon(1e-6));
  }

  const LatencySamples l = read_request_latencies((out / kRequestsFile).string());
  const auto same = [](const std::vector<double>& read, const std::vector<double>& run) {
    REQUIRE(read.size() == run.size());
    for (size_t i = 0; i < read.size(); ++i) CHECK(read[i] == Approx(run[i]).margin(1e-9));
  };
  same(l.ttft, r.latencies.ttft);
  same(l.tpot, r.latencies.tpot);  // requests of one output token have none, in both
  same(l.e2e, r.latencies.e2e);
  same(l.queue, r.latencies.queue);
  CHECK(l.tpot.size() < l.ttft.size());

  const nlohmann::json summary = read_summary_json((out / kSummaryFile).string());
  CHECK(summary == to_json(r.summary));  // the whole summary, as the run wrote it
  fs::remove_all(out);
}

TEST_CASE("a tiered run's results folder reopens as the same typed summary, number types included") {
  const fs::path out = fresh_dir("tiered");
  const RunResult r = run_into(out, tiered_scenario());
  REQUIRE(r.summary.kv_tiers);
  const KvTiersSummary& k = *r.summary.kv_tiers;
  REQUIRE(k.tiers.size() == 1);
  REQUIRE(k.tiers[0].writes > 0);
  REQUIRE(k.loads > 0);
  REQUIRE(k.swap.outs > 0);  // the swap part of the report is not all zeros
  REQUIRE(k.links_per_gpu.size() >= 1);
  REQUIRE(r.summary.cost.reuse.gpu_seconds_saved > 0);

  const nlohmann::json written = read_summary_json((out / kSummaryFile).string());
  const RunSummary back = summary_from_json(written);
  // dump(), not ==: nlohmann::json compares 3 and 3.0 as equal, summary.json's text does not.
  CHECK(to_json(back).dump(2) == written.dump(2));
  CHECK(to_json(r.summary).dump(2) == written.dump(2));
  // The fields themselves came back, not only their JSON.
  REQUIRE(back.kv_tiers);
  CHECK(back.kv_tiers->tiers[0].name == k.tiers[0].name);
  CHECK(back.kv_tiers->tiers[0].gb_months == k.tiers[0].gb_months);
  CHECK(back.kv_tiers->swap.ins == k.swap.ins);
  CHECK(back.kv_tiers->links_per_gpu.begin()->second.to_gpu.transfers ==
        k.links_per_gpu.begin()->second.to_gpu.transfers);
  CHECK(back.cost.reuse.usd_net_saved == r.summary.cost.reuse.usd_net_saved);
  fs::remove_all(out);
}

TEST_CASE("a disaggregated run with a response cache reopens as the same typed summary") {
  const fs::path out = fresh_dir("disagg_cached");
  const RunResult r = run_into(out, disagg_cached_scenario());
  REQUIRE(r.summary.disaggregation);
  REQUIRE(r.summary.response_cache);
  const DisaggregationSummary& d = *r.summary.disaggregation;
  const ResponseCacheSummary& c = *r.summary.response_cache;
  REQUIRE(d.first_token == "decode");
  REQUIRE(d.first_decode_step_s);
  REQUIRE(d.ttft_includes.size() == 5);
  REQUIRE(d.decode.replicas == 2);
  REQUIRE(d.kv_transfer.transfers_completed > 0);
  REQUIRE(d.kv_transfer.bytes_received == d.kv_transfer.bytes_sent);
  REQUIRE(c.semantic_hits > 0);
  REQUIRE(c.lookups == 120);

  const nlohmann::json written = read_summary_json((out / kSummaryFile).string());
  const RunSummary back = summary_from_json(written);
  CHECK(to_json(back).dump(2) == written.dump(2));
  CHECK(to_json(r.summary).dump(2) == written.dump(2));
  REQUIRE(back.disaggregation);
  REQUIRE(back.response_cache);
  CHECK(back.disaggregation->kv_transfer.time_s.p99 == d.kv_transfer.time_s.p99);
  CHECK(back.disaggregation->first_decode_step_s->mean == d.first_decode_step_s->mean);
  CHECK(back.disaggregation->prefill.gpu == "H100-SXM");
  CHECK(back.response_cache->usd_saved == c.usd_saved);
  // A run without either has neither, in the file as in the reopened summary.
  const fs::path plain = fresh_dir("plain");
  const RunResult p = run_into(plain);
  const nlohmann::json plain_written = read_summary_json((plain / kSummaryFile).string());
  CHECK_FALSE(plain_written.contains("disaggregation"));
  CHECK_FALSE(plain_written.contains("response_cache"));
  CHECK_FALSE(summary_from_json(plain_written).disaggregation);
  CHECK_FALSE(p.summary.response_cache);
  fs::remove_all(out);
  fs::remove_all(plain);
}

TEST_CASE("a results folder copied elsewhere is byte-identical and its files are protected from exports") {
  const fs::path out = fresh_dir("copy_from"), to = fresh_dir("copy_to");
  run_into(out);
  fs::create_directories(to);
  std::ofstream(to / kSummaryFile) << "{\"stale\": true}\n";  // an older result is replaced whole
  copy_results_folder(out.string(), to.string());
  for (const char* name : {kSummaryFile, kRequestsFile, kTimeseriesFile}) CHECK(slurp(to / name) == slurp(out / name));
  CHECK(is_result_file((to / kRequestsFile).string()));
  CHECK(is_result_file((to / kSummaryFile).string()));
  CHECK_FALSE(is_result_file((to / "ttft_cdf.csv").string()));
  fs::remove(to / kSummaryFile);  // without summary.json the folder is not a (complete) result
  CHECK_FALSE(is_result_file((to / kRequestsFile).string()));
  fs::remove_all(out);
  fs::remove_all(to);
}

TEST_CASE("a malformed results file is refused with its file, line and column") {
  const fs::path dir = fresh_dir("malformed");
  fs::create_directories(dir);
  const fs::path ts = dir / kTimeseriesFile;
  std::ofstream(ts) << "time_s,kv_blocks_used,kv_blocks_cached,kv_blocks_free,kv_tokens,running,waiting,steps,"
                       "tokens_per_step,prefix_hit_rate,throughput_tok_s,finished\n"
                       "0.5,1,2,3,4,5,6,7,8.5,0.25,100,1\n"
                       "1.0,1,2,-3,4,5,6,7,8.5,0.25,100,1\n";
  CHECK_THROWS_WITH(read_timeseries_csv(ts.string()),
                    ts.string() + ":3: kv_blocks_free: expected a non-negative integer, found \"-3\"");
  const fs::path summary = dir / kSummaryFile;
  std::ofstream(summary) << "[1, 2]\n";
  CHECK_THROWS_WITH(read_summary_json(summary.string()), Catch::Contains(summary.string() + ": not a kvsim summary"));
  fs::remove_all(dir);
}

TEST_CASE("run_cache_replay reports what a CacheReplay fed the same trace counts, with the trace and its timing") {
  CacheReplayRun run;
  run.trace.format = "mooncake";
  run.trace.path = std::string(KVSIM_TEST_DATA) + "/traces/mooncake_conversation_head50.jsonl";
  run.trace.window.max_requests = 40;
  ReplayTier gpu;
  gpu.capacity_tokens = 64 * 16;  // 64 blocks: evictions
  run.config.tiers.push_back(gpu);
  const nlohmann::json report = run_cache_replay(run);

  CacheReplay direct(run.config, 0);
  std::unique_ptr<RequestSource> source = open_trace(run.trace);
  RequestSpec r;
  while (source->next(r)) direct.process(r);
  nlohmann::json expected = direct.to_json();
  REQUIRE(expected["requests"] == 40);
  REQUIRE(expected["tiers"][0]["evictions"].get<int>() > 0);
  for (const auto& [key, value] : expected.items()) CHECK(report.at(key) == value);
  CHECK(report["trace"] == run.trace.path);
  CHECK(report["format"] == "mooncake");
  CHECK(report["cpu_seconds"].get<double>() >= 0);
  CHECK(report["wall_seconds"].get<double>() >= 0);
  CHECK(report.contains("lookups_per_cpu_second"));

  run.trace.path += ".missing";
  CHECK_THROWS_AS(run_cache_replay(run), InputError);
}
