// Helpers for the tests that run whole scenarios: a hand-checkable scenario and file contents.
#pragma once
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace kvsim::testing {

// Two requests (tests/data/e2e/two_requests.csv) under a toy linear step model, which makes every
// latency computable by hand.
inline nlohmann::json hand_scenario() {
  return nlohmann::json::parse(R"({
    "name": "hand", "model": "Llama-3-8B", "gpu": "H100-SXM",
    "engine": {"max_num_batched_tokens": 100, "num_gpu_blocks_override": 1000},
    "kv_cache": {"enable_prefix_caching": false},
    "perf_model": {"kind": "linear", "base_s": 0.01, "per_prefill_token_s": 0.001,
                   "per_decode_seq_s": 0.002, "per_context_token_s": 0.0},
    "workload": {"trace": {"format": "vidur", "path": "e2e/two_requests.csv"}}
  })");
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace kvsim::testing
