// Helpers for the elastic fleet's tests (test_autoscaler.cpp, test_spot.cpp), in a namespace of
// their own (the routing tests have helpers of the same names): a scenario under the toy linear
// step model, a run into a fresh folder, and requests.csv read back as rows.
#pragma once
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "run/simulation.h"
#include "scenario/scenario.h"
#include "test_run_util.h"

namespace kvsim::elastic_testing {

using kvsim::testing::slurp;

// Poisson arrivals at `rate` for `duration_s`, 200-token prompts and 100-token answers, on
// replicas priced by a linear model (a decode step of 8 sequences takes 0.026 s).
inline nlohmann::json fleet_scenario(double rate, double duration_s) {
  nlohmann::json j = nlohmann::json::parse(R"({
    "name": "fleet", "model": "Llama-3-8B", "gpu": "H100-SXM", "seed": 5,
    "cluster": {"replicas": 1, "router": "least_outstanding"},
    "engine": {"max_num_batched_tokens": 2048, "num_gpu_blocks_override": 4000, "max_num_seqs": 64},
    "kv_cache": {"enable_prefix_caching": false},
    "perf_model": {"kind": "linear", "base_s": 0.01, "per_prefill_token_s": 0.0001,
                   "per_decode_seq_s": 0.002, "per_context_token_s": 0.0},
    "workload": {"synthetic": {"seed": 9, "arrivals": {"process": "poisson", "rate": 1},
      "prompt_tokens": {"dist": "fixed", "value": 200},
      "output_tokens": {"dist": "fixed", "value": 100}}},
    "metrics": {"timeseries_interval_s": 1.0}
  })");
  j["workload"]["synthetic"]["arrivals"]["rate"] = rate;
  j["workload"]["synthetic"]["duration_s"] = duration_s;
  return j;
}

inline Scenario parse_fleet_scenario(const nlohmann::json& j) {
  return parse_scenario(j, KVSIM_TEST_DATA, Catalog::open_default());
}

struct RequestRow {
  uint64_t id = 0;
  uint32_t replica = 0;
  std::string status;
  double arrival = 0, scheduled = -1, first_token = -1, finish = -1;
};

// requests.csv's rows (id, replica, status, arrival_s, scheduled_s, first_token_s, finish_s, ...).
inline std::vector<RequestRow> request_rows(const std::filesystem::path& dir) {
  std::stringstream in(slurp(dir / "requests.csv"));
  std::string line;
  std::getline(in, line);  // header
  std::vector<RequestRow> rows;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    std::string cell;
    while (std::getline(ls, cell, ',')) f.push_back(cell);
    const auto num = [&](size_t i) { return i < f.size() && !f[i].empty() ? std::stod(f[i]) : -1.0; };
    rows.push_back({std::stoull(f[0]), static_cast<uint32_t>(std::stoul(f[1])), f[2], num(3), num(4), num(5), num(6)});
  }
  return rows;
}

struct FleetRun {
  RunResult result;
  std::filesystem::path dir;
  const nlohmann::json& fleet() const { return result.summary.fleet; }
};

inline FleetRun run_fleet(const nlohmann::json& j, const std::string& name) {
  FleetRun r;
  r.dir = std::filesystem::temp_directory_path() / ("kvsim_test_fleet_" + name);
  std::filesystem::remove_all(r.dir);
  RunOptions opt;
  opt.out_dir = r.dir.string();
  r.result = run_scenario(parse_fleet_scenario(j), opt);
  return r;
}

// The message parse_scenario throws for `j`, or "" when it accepts it.
inline std::string fleet_error(const nlohmann::json& j) {
  try {
    parse_fleet_scenario(j);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace kvsim::elastic_testing
