// Prefill/decode disaggregation: the KV network's max-min fair sharing on its own, then whole
// runs: a lone transfer takes bytes / bandwidth + latency, every request completes and every KV
// byte sent is received, the TTFT split adds up, the prefill replica holds a request's KV until
// the decode replica has pulled it, layer-wise overlap shortens the transfer, DistServe's
// "first token from prefill" counts TTFT at the prefill's end, runs repeat byte for byte, and bad
// input names its JSON pointer.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "cluster/kv_network.h"
#include "core/error.h"
#include "run/simulation.h"
#include "scenario/scenario.h"
#include "test_elastic_util.h"

using namespace kvsim;
using kvsim::elastic_testing::parse_fleet_scenario;
using kvsim::testing::slurp;

namespace {

constexpr double kGB = 1e9;

// One prefill and one decode replica under the toy linear model, Poisson arrivals of
// `prompt`-token prompts and `output`-token answers.
nlohmann::json disagg_scenario(double rate, uint32_t num_requests, uint32_t prompt = 1000, uint32_t output = 50) {
  nlohmann::json j = elastic_testing::fleet_scenario(rate, 1000);
  j["workload"]["synthetic"].erase("duration_s");
  j["workload"]["synthetic"]["num_requests"] = num_requests;
  j["workload"]["synthetic"]["prompt_tokens"]["value"] = prompt;
  j["workload"]["synthetic"]["output_tokens"]["value"] = output;
  j["cluster"] = nlohmann::json::parse(R"({"router": "least_outstanding", "disaggregation": {
      "prefill": {"replicas": 1}, "decode": {"replicas": 1},
      "kv_transfer": {"link": "custom", "gpu_gb_per_s": 10, "latency_us": 100}}})");
  return j;
}

struct Run {
  RunResult result;
  nlohmann::json summary;
  std::filesystem::path dir;
};

Run run(const nlohmann::json& j, const std::string& name) {
  const Scenario sc = parse_fleet_scenario(j);
  RunOptions o;
  o.out_dir = (std::filesystem::temp_directory_path() / ("kvsim_disagg_" + name)).string();
  std::filesystem::remove_all(o.out_dir);
  Run r;
  r.result = run_scenario(sc, o);
  r.summary = nlohmann::json::parse(slurp(std::filesystem::path(o.out_dir) / "summary.json"));
  r.dir = o.out_dir;
  return r;
}

double at(const nlohmann::json& j, const char* pointer) { return j.at(nlohmann::json::json_pointer(pointer)).get<double>(); }

std::string parse_error(const nlohmann::json& j) {
  try {
    parse_fleet_scenario(j);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("KV network: flows through one link share it equally, and a freed link speeds the others") {
  KvNetwork net;
  const uint32_t a = net.add_link(10 * kGB), b = net.add_link(100 * kGB), c = net.add_link(100 * kGB);
  std::vector<uint64_t> done;
  net.start(a, b, 10 * kGB, 0);
  net.advance(0, done);
  net.start(a, c, 5 * kGB, 0);
  // 5 GB/s each: the 5 GB flow is done at 1 s; the other then has 5 GB left at the full 10 GB/s.
  CHECK(net.next_done() == from_seconds(1.0));
  net.advance(from_seconds(1.0), done);
  REQUIRE(done == std::vector<uint64_t>{1});
  CHECK(net.next_done() == from_seconds(1.5));
  net.advance(from_seconds(1.5), done);
  CHECK(done == std::vector<uint64_t>{1, 0});
  CHECK(net.carried_bytes(a) == Approx(15 * kGB));
  CHECK(net.busy_seconds(a) == Approx(1.5));
  CHECK(net.next_done() == kNever);
}

TEST_CASE("KV network: rates are max-min fair (a flow held back elsewhere leaves its share to the others)") {
  KvNetwork net;
  const uint32_t a = net.add_link(10 * kGB), b = net.add_link(10 * kGB), c = net.add_link(4 * kGB);
  std::vector<uint64_t> done;
  net.start(a, b, 6 * kGB, 0);  // A -> B
  net.start(c, b, 4 * kGB, 0);  // C -> B: C allows 4 GB/s, so the first flow gets B's other 6
  CHECK(net.next_done() == from_seconds(1.0));
  net.advance(from_seconds(1.0), done);
  CHECK(done.size() == 2);
  // A fabric every flow crosses caps their sum.
  KvNetwork fab;
  const uint32_t x = fab.add_link(10 * kGB), y = fab.add_link(10 * kGB), z = fab.add_link(10 * kGB);
  fab.set_fabric(fab.add_link(8 * kGB));
  fab.start(x, z, 4 * kGB, 0);
  fab.start(y, z, 4 * kGB, 0);  // z has 10: 5 each, but the fabric's 8 gives 4 each
  CHECK(fab.next_done() == from_seconds(1.0));
}

TEST_CASE("disaggregation: a lone request's KV moves in bytes / bandwidth + latency, then decodes") {
  const Run r = run(disagg_scenario(0.01, 1), "lone");
  const nlohmann::json& d = r.summary.at("disaggregation");
  const double bpt = at(d, "/kv_transfer/kv_bytes_per_token");
  CHECK(bpt == 131072);  // Llama-3-8B, fp16 KV: 32 layers x 8 kv heads x 128 x 2 x 2 bytes
  // first_token "decode": the decode replica pulls all but the last prompt token.
  CHECK(at(d, "/kv_transfer/bytes_received") == 999 * bpt);
  CHECK(at(d, "/stage_s/transfer/mean") == Approx(999 * bpt / (10 * kGB) + 100e-6).epsilon(1e-6));
  CHECK(r.summary.at("requests").at("completed") == 1);
  // TTFT is the sum of its stages (no frontend delay under the linear model).
  double sum = 0;
  for (const char* s : {"prefill_queue", "prefill", "decode_queue", "transfer", "first_decode_step"})
    sum += at(d, (std::string("/stage_s/") + s + "/mean").c_str());
  CHECK(at(r.summary, "/ttft_s/mean") == Approx(sum).epsilon(1e-6));
}

TEST_CASE("disaggregation: under load every request completes and every KV byte sent is received") {
  const Run r = run(disagg_scenario(8, 400, 600, 80), "load");
  const nlohmann::json& d = r.summary.at("disaggregation");
  CHECK(r.summary.at("requests").at("completed") == 400);
  CHECK(r.summary.at("requests").at("dropped") == 0);
  CHECK(at(d, "/kv_transfer/transfers_started") == 400);
  CHECK(at(d, "/kv_transfer/transfers_completed") == 400);
  CHECK(at(d, "/kv_transfer/bytes_sent") == at(d, "/kv_transfer/bytes_received"));
  CHECK(at(d, "/stage_s/transfer/count") == 400);
  // Each pool did its own work: the decode pool computed no prompt but the recomputed last token.
  CHECK(at(d, "/pools/prefill/busy_fraction") > 0);
  CHECK(at(d, "/pools/decode/busy_fraction") > 0);
  CHECK(r.summary.at("cost").at("num_gpus") == 2);
  // requests.csv: each request's prefill replica and its handoff's times, in order.
  std::stringstream csv(slurp(r.dir / "requests.csv"));
  std::string line;
  std::getline(csv, line);
  CHECK_THAT(line, Catch::EndsWith(",prefill_replica,prefill_end_s,kv_pull_s,kv_arrived_s"));
  size_t rows = 0;
  while (std::getline(csv, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string x; std::getline(ls, x, ',');) f.push_back(x);
    REQUIRE(f.size() >= 4);
    const size_t n = f.size();
    CHECK(f[n - 4] == "0");  // the one prefill replica
    const double first_token = std::stod(f[5]), end = std::stod(f[n - 3]), pull = std::stod(f[n - 2]), arrived = std::stod(f[n - 1]);
    CHECK(end <= pull);
    CHECK(pull < arrived);
    CHECK(arrived < first_token);  // first_token "decode": sampled after the KV arrived
    ++rows;
  }
  CHECK(rows == 400);
}

TEST_CASE("disaggregation: the prefill replica holds a request's KV until the decode replica has pulled it") {
  // A slow link (0.05 GB/s: 2.6 s per 1,000-token prompt) and room for 8 prompts in the prefill
  // replica: prefilled requests pile up there, held, and the prefill stalls on memory until
  // transfers free it, without the replica ever seeming stuck.
  nlohmann::json j = disagg_scenario(20, 40, 1000, 10);
  j["cluster"]["disaggregation"]["kv_transfer"]["gpu_gb_per_s"] = 0.05;
  j["cluster"]["disaggregation"]["prefill"]["engine"] = {{"num_gpu_blocks_override", 8 * 63 + 8}};
  const Run r = run(j, "held");
  CHECK(r.summary.at("requests").at("completed") == 40);
  std::stringstream ts(slurp(r.dir / "timeseries.csv"));
  std::string header, line;
  std::getline(ts, header);
  std::vector<std::string> cols;
  {
    std::stringstream hs(header);
    for (std::string c; std::getline(hs, c, ',');) cols.push_back(c);
  }
  const size_t held = static_cast<size_t>(std::find(cols.begin(), cols.end(), "prefill_kv_held") - cols.begin());
  REQUIRE(held < cols.size());
  uint64_t peak = 0;
  while (std::getline(ts, line)) {
    std::stringstream ls(line);
    std::string f;
    for (size_t i = 0; i <= held; ++i) std::getline(ls, f, ',');
    peak = std::max<uint64_t>(peak, std::stoull(f));
  }
  CHECK(peak >= 2);  // several prompts waited, held, for the link
  CHECK(peak <= 8);  // never more than the replica's blocks can hold
}

TEST_CASE("disaggregation: layer-wise transfer overlaps all but the last layer with the prefill step") {
  nlohmann::json j = disagg_scenario(0.01, 1);
  j["cluster"]["disaggregation"]["kv_transfer"]["overlap"] = "layerwise";
  const Run lw = run(j, "layerwise");
  const Run plain = run(disagg_scenario(0.01, 1), "plain");
  const double t_lw = at(lw.summary, "/disaggregation/stage_s/transfer/mean");
  const double t_plain = at(plain.summary, "/disaggregation/stage_s/transfer/mean");
  // The 1,000-token prefill step (0.11 s under the linear model) carries at most 1.1 GB, more than
  // 31/32 of the 131 MB: only the last layer's share is left after the step.
  CHECK(t_lw == Approx((t_plain - 100e-6) / 32 + 100e-6).margin(3e-9));  // (times are whole ns)
  CHECK(at(lw.summary, "/ttft_s/mean") < at(plain.summary, "/ttft_s/mean"));
}

TEST_CASE("disaggregation: with the first token from prefill (DistServe), TTFT ends with the prefill") {
  nlohmann::json j = disagg_scenario(0.01, 1);
  j["cluster"]["disaggregation"]["first_token"] = "prefill";
  const Run r = run(j, "prefill_first");
  const nlohmann::json& d = r.summary.at("disaggregation");
  CHECK(at(r.summary, "/ttft_s/mean") ==
        Approx(at(d, "/stage_s/prefill_queue/mean") + at(d, "/stage_s/prefill/mean")).epsilon(1e-6));
  CHECK(at(d, "/kv_transfer/bytes_received") == 1000 * at(d, "/kv_transfer/kv_bytes_per_token"));
  // One-token answers end at the prefill pool: no transfer.
  const Run one = run(disagg_scenario(0.5, 20, 300, 1), "one_token_decode");  // first token from decode
  CHECK(at(one.summary, "/disaggregation/kv_transfer/transfers_completed") == 20);
  nlohmann::json k = disagg_scenario(0.5, 20, 300, 1);
  k["cluster"]["disaggregation"]["first_token"] = "prefill";
  const Run pf = run(k, "one_token_prefill");
  CHECK(at(pf.summary, "/disaggregation/finished_at_prefill") == 20);
  CHECK(at(pf.summary, "/disaggregation/kv_transfer/transfers_completed") == 0);
  CHECK(pf.summary.at("requests").at("completed") == 20);
}

TEST_CASE("disaggregation: a ratio splits /cluster/replicas, and the same seed gives the same files") {
  nlohmann::json j = disagg_scenario(6, 200, 500, 60);
  j["cluster"]["replicas"] = 5;
  j["cluster"]["disaggregation"].erase("prefill");
  j["cluster"]["disaggregation"].erase("decode");
  j["cluster"]["disaggregation"]["ratio"] = "1:3";
  const Run a = run(j, "ratio_a");
  const Run b = run(j, "ratio_b");
  CHECK(at(a.summary, "/disaggregation/pools/prefill/replicas") == 1);  // round(5 x 1/4)
  CHECK(at(a.summary, "/disaggregation/pools/decode/replicas") == 4);
  CHECK(slurp(a.dir / "requests.csv") == slurp(b.dir / "requests.csv"));
  CHECK(slurp(a.dir / "timeseries.csv") == slurp(b.dir / "timeseries.csv"));
  CHECK(prefill_replicas_at_ratio(2, 1, 10) == 1);  // at least one on each side
  CHECK(prefill_replicas_at_ratio(4, 10, 1) == 3);
}

TEST_CASE("disaggregation: bad input names its JSON pointer") {
  nlohmann::json j = disagg_scenario(1, 10);
  j["cluster"]["disaggregation"].erase("decode");
  CHECK_THAT(parse_error(j), Catch::Contains("/cluster/disaggregation") && Catch::Contains("ratio"));
  j = disagg_scenario(1, 10);
  j["cluster"]["disaggregation"]["ratio"] = "1-2";
  CHECK_THAT(parse_error(j), Catch::Contains("/cluster/disaggregation/ratio"));
  j = disagg_scenario(1, 10);
  j["cluster"]["replicas"] = 3;
  CHECK_THAT(parse_error(j), Catch::Contains("/cluster/replicas") && Catch::Contains("pools' total, 2"));
  j = disagg_scenario(1, 10);
  j["cluster"]["disaggregation"]["kv_transfer"] = {{"link", "custom"}};
  CHECK_THAT(parse_error(j), Catch::Contains("/cluster/disaggregation/kv_transfer/link"));
  j = disagg_scenario(1, 10);
  j["cluster"]["disaggregation"]["kv_transfer"]["link"] = "smoke_signals";
  CHECK_THAT(parse_error(j), Catch::Contains("/cluster/disaggregation/kv_transfer/link"));
  j = disagg_scenario(1, 10);
  j["cluster"]["disaggregation"]["decode"]["engine"] = {{"block_size", 32}};
  CHECK_THAT(parse_error(j), Catch::Contains("block_size"));
  j = disagg_scenario(1, 10);
  j["cluster"]["disaggregation"]["prefill"]["engine"] = {{"max_num_seqs", -4}};
  CHECK_THAT(parse_error(j), Catch::Contains("/cluster/disaggregation/prefill") && Catch::Contains("max_num_seqs"));
  j = disagg_scenario(1, 10);
  j["cluster"]["autoscaling"] = {{"max_replicas", 4}, {"target", 8}};
  CHECK_THAT(parse_error(j), Catch::Contains("autoscaling"));
  j = disagg_scenario(1, 10);
  j["cluster"]["disaggregation"]["prefill"]["flavour"] = 1;
  CHECK_THAT(parse_error(j), Catch::Contains("/cluster/disaggregation/prefill/flavour"));
}

TEST_CASE("disaggregation: pools on different GPUs each pay their GPU's price, and the fleet's cost adds them") {
  nlohmann::json j = disagg_scenario(2, 60, 800, 40);
  j["cluster"]["disaggregation"]["decode"]["gpu"] = "A100-80GB";
  j["cluster"]["disaggregation"]["decode"]["deployment"] = {{"tensor_parallel", 2}};
  j["cost"] = {{"usd_per_gpu_hour", 9.0}};  // the base's (and the prefill pool's) price; the decode pool's GPU has its own
  const Scenario sc = parse_fleet_scenario(j);
  const double a100 = Catalog::open_default().gpu("A100-80GB").usd_per_gpu_hour;
  CHECK(sc.prefill_pool->usd_per_gpu_hour == 9.0);
  CHECK(sc.decode_pool->usd_per_gpu_hour == a100);
  CHECK(sc.decode_pool->gpus_per_replica() == 2);
  const Run r = run(j, "hetero");
  const nlohmann::json& d = r.summary.at("disaggregation");
  CHECK(d.at("pools").at("decode").at("gpu") == "A100-80GB");
  CHECK(at(d, "/pools/decode/gpus") == 2);
  const double per_hour = 9.0 + 2 * a100;
  CHECK(at(r.summary, "/cost/num_gpus") == 3);
  CHECK(at(r.summary, "/cost/usd_gpu") == Approx(per_hour * at(r.summary, "/simulated_seconds") / 3600).epsilon(1e-9));
}
