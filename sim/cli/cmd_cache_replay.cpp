// kvsim cache-replay --trace FILE --capacity-tokens N [--policy NAME] [--tiers SPEC] ...
// Parses the options into a CacheReplayRun, runs it (run/cache_replay_run.h) and prints the JSON.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "core/excerpt.h"
#include "core/json_text.h"
#include "kv/eviction_registry.h"
#include "run/cache_replay_run.h"
#include "workload/text_number.h"
#include "workload/trace_formats.h"

namespace kvsim {

namespace {

uint64_t parse_capacity(const std::string& flag, const std::string& text) {
  if (text == "inf") return kInfiniteCapacity;
  size_t used = 0;
  double v = -1;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || !(v >= 1) || v != std::floor(v) || v > 1e18)
    throw InputError(flag + " " + quoted_excerpt(text) + ": expected a whole number of tokens in [1, 1e18] or inf");
  return static_cast<uint64_t>(v);
}

std::string policy_list() {
  std::string s;
  for (const auto& n : eviction_policy_names()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

std::vector<ReplayTier> parse_tiers(const std::string& spec) {
  std::vector<ReplayTier> tiers;
  size_t start = 0;
  while (start <= spec.size()) {
    const size_t comma = spec.find(',', start);
    const std::string item = spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InputError("--tiers " + quoted_excerpt(spec) + ": expected NAME=TOKENS[:POLICY] items, found " +
                       quoted_excerpt(item));
    ReplayTier t;
    t.name = item.substr(0, eq);
    // The rules of a scenario's kv_cache.tiers: a unique name, not "gpu".
    bool unique = t.name != "gpu";
    for (const ReplayTier& other : tiers) unique = unique && other.name != t.name;
    if (!unique)
      throw InputError("--tiers " + quoted_excerpt(spec) + ": expected a tier name other than \"gpu\" and unique "
                       "among the tiers, found " + quoted_excerpt(t.name));
    std::string rest = item.substr(eq + 1);
    const size_t colon = rest.find(':');
    if (colon != std::string::npos) {
      t.policy = rest.substr(colon + 1);
      const std::vector<std::string> policies = eviction_policy_names();
      if (std::find(policies.begin(), policies.end(), t.policy) == policies.end())
        throw InputError("--tiers " + quoted_excerpt(spec) + ": tier " + quoted_excerpt(t.name) +
                         ": expected an eviction policy among " + policy_list() + ", found " + quoted_excerpt(t.policy));
      rest = rest.substr(0, colon);
    }
    t.capacity_tokens = parse_capacity("--tiers " + t.name, rest);
    tiers.push_back(t);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return tiers;
}


}  // namespace

int cmd_cache_replay(const Args& args) {
  CacheReplayRun run;
  TraceConfig& trace = run.trace;
  CacheReplayConfig& config = run.config;
  ReplayTier gpu;
  std::string tiers_spec, out_path, prefix_index = "hash";
  uint64_t block_size = config.block_size;
  const std::string policies = policy_list();
  CommandLine cl("cache-replay", {"--trace FILE --capacity-tokens N|inf [options]"},
                 "Replays a trace through the KV cache alone (no compute timing): requests in arrival order,\n"
                 "each looked up (prefix walk over GPU, then the lower tiers), then stored and released.\n"
                 "Prints JSON with block and token hit rates per tier. Capacity inf never evicts, which\n"
                 "gives the trace's theoretical maximum hit rate.");
  cl.text("trace", trace.path, "FILE", "the trace to replay")
      .text("format", trace.format, "NAME", "azure | mooncake | vidur | burstgpt (default: mooncake for .jsonl)")
      .custom("capacity-tokens", "N", "GPU KV capacity in tokens, or inf",
              [&gpu](const std::string& flag, const std::string& v) { gpu.capacity_tokens = parse_capacity(flag, v); })
      .text("policy", gpu.policy, "NAME", "GPU eviction policy (default lru): " + policies)
      .custom("policy-params", "JSON", "policy options, e.g. '{\"small_fraction\": 0.2}'",
              [&gpu](const std::string& flag, const std::string& v) { gpu.policy_params = parse_json_text(v, flag); })
      .text("tiers", tiers_spec, "SPEC",
            "lower tiers, comma-separated NAME=TOKENS[:POLICY], in order, e.g. cpu=4000000,ssd=inf (policy "
            "default lru)")
      .flag("write-through", config.write_through,
            "write every GPU block to every lower tier (default: write-back, a tier receives what the tier above "
            "evicts)")
      .integer("block-size", block_size, 1, 1u << 20, "N", "tokens per KV block (default 16)")
      .text("prefix-index", prefix_index, "NAME",
            "hash (vLLM's chained hashes, default) or radix (SGLang's tree: only leaves are evicted)")
      .number("ttl-s", gpu.ttl_s, 0, kMaxSimSeconds, "X", "drop GPU KV left unused for X seconds of trace time")
      .integer("max-requests", trace.window.max_requests, 1, uint64_t{1} << 53, "N", "replay only the first N requests")
      .number("start-s", trace.window.start_s, 0, kMaxSimSeconds, "X", "replay the trace window [X, Y) seconds ...")
      .number("end-s", trace.window.end_s, 0, kMaxSimSeconds, "Y", "... to Y")
      .text("out", out_path, "FILE", "also write the JSON to FILE")
      .required("trace")
      .required("capacity-tokens");
  if (const auto rc = cl.parse(args)) return *rc;
  config.block_size = static_cast<uint32_t>(block_size);
  if (prefix_index != "hash" && prefix_index != "radix")
    throw InputError("--prefix-index " + quoted_excerpt(prefix_index) + ": expected hash or radix");
  config.radix_tree = prefix_index == "radix";
  if (trace.format.empty()) {
    const bool jsonl = trace.path.size() >= 6 && trace.path.compare(trace.path.size() - 6, 6, ".jsonl") == 0;
    if (!jsonl) throw InputError("--format is needed for " + trace.path + " (azure, mooncake, vidur or burstgpt)");
    trace.format = "mooncake";
  }
  if (!is_trace_format(trace.format))
    throw InputError("--format " + quoted_excerpt(trace.format) + ": unknown trace format (azure, mooncake, vidur or burstgpt)");
  if (trace.window.end_s <= trace.window.start_s) throw InputError("--end-s must be after --start-s");
  config.tiers.push_back(gpu);
  if (!tiers_spec.empty())
    for (const ReplayTier& t : parse_tiers(tiers_spec)) config.tiers.push_back(t);

  const std::string text = run_cache_replay(run).dump(2);
  std::cout << text << "\n";
  if (!out_path.empty()) {
    std::ofstream f(out_path);
    f << text << "\n";
    if (!f) throw InputError("cannot write " + out_path);
  }
  return 0;
}

}  // namespace kvsim
