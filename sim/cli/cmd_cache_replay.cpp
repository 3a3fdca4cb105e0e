// kvsim cache-replay --trace FILE --capacity-tokens N [--policy NAME] [--tiers SPEC] ...
// Replays a trace through the KV cache alone (kv/cache_replay.h) and prints JSON hit rates.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "core/error.h"
#include "core/excerpt.h"
#include "core/json_text.h"
#include "kv/cache_replay.h"
#include "kv/eviction_registry.h"
#include "workload/text_number.h"
#include "workload/trace_formats.h"
#include "workload/workload_config.h"

namespace kvsim {

int cmd_cache_replay(const std::vector<std::string>& args);

namespace {

const char* kCacheReplayHelp =
    "usage: kvsim cache-replay --trace FILE --capacity-tokens N|inf [options]\n\n"
    "Replays a trace through the KV cache alone (no compute timing): requests in arrival order,\n"
    "each looked up (prefix walk over GPU, then the lower tiers), then stored and released.\n"
    "Prints JSON with block and token hit rates per tier. Capacity inf never evicts, which\n"
    "gives the trace's theoretical maximum hit rate.\n\n"
    "  --trace FILE            the trace to replay\n"
    "  --format NAME           azure | mooncake | vidur | burstgpt (default: mooncake for .jsonl)\n"
    "  --capacity-tokens N     GPU KV capacity in tokens, or inf\n"
    "  --policy NAME           GPU eviction policy (default lru): " "%s\n"
    "  --policy-params JSON    policy options, e.g. '{\"small_fraction\": 0.2}'\n"
    "  --tiers SPEC            lower tiers, comma-separated NAME=TOKENS[:POLICY], in order,\n"
    "                          e.g. cpu=4000000,ssd=inf (policy default lru)\n"
    "  --write-through         write every GPU block to every lower tier (default: write-back,\n"
    "                          a tier receives what the tier above evicts)\n"
    "  --block-size N          tokens per KV block (default 16)\n"
    "  --prefix-index NAME     hash (vLLM's chained hashes, default) or radix (SGLang's tree:\n"
    "                          only leaves are evicted)\n"
    "  --ttl-s X               drop GPU KV left unused for X seconds of trace time\n"
    "  --max-requests N        replay only the first N requests\n"
    "  --start-s X, --end-s X  replay the trace window [X, Y) seconds\n"
    "  --out FILE              also write the JSON to FILE\n";

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

double parse_number(const std::string& flag, const std::string& text, double min, double max) {
  size_t used = 0;
  double v = NAN;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || !std::isfinite(v) || v < min || v > max)
    throw InputError(flag + " " + quoted_excerpt(text) + ": expected a number in [" + format_number(min) + ", " +
                     format_number(max) + "]");
  return v;
}

uint64_t parse_integer(const std::string& flag, const std::string& text, uint64_t min, uint64_t max) {
  const double v = parse_number(flag, text, 0, 1e300);
  if (v != std::floor(v) || v < static_cast<double>(min) || v > static_cast<double>(max))
    throw InputError(flag + " " + quoted_excerpt(text) + ": expected an integer in [" + std::to_string(min) + ", " +
                     std::to_string(max) + "]");
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

int cmd_cache_replay(const std::vector<std::string>& args) {
  if (wants_help(args)) {
    std::printf(kCacheReplayHelp, policy_list().c_str());
    return 0;
  }
  TraceConfig trace;
  CacheReplayConfig config;
  ReplayTier gpu;
  bool have_capacity = false;
  std::string tiers_spec, out_path;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--trace") trace.path = flag_value(args, i);
    else if (a == "--format") trace.format = flag_value(args, i);
    else if (a == "--capacity-tokens") {
      gpu.capacity_tokens = parse_capacity(a, flag_value(args, i));
      have_capacity = true;
    } else if (a == "--policy") gpu.policy = flag_value(args, i);
    else if (a == "--policy-params") {
      const std::string text = flag_value(args, i);
      gpu.policy_params = parse_json_text(text, "--policy-params");
    } else if (a == "--tiers") tiers_spec = flag_value(args, i);
    else if (a == "--write-through") config.write_through = true;
    else if (a == "--block-size") config.block_size = static_cast<uint32_t>(parse_integer(a, flag_value(args, i), 1, 1u << 20));
    else if (a == "--prefix-index") {
      const std::string v = flag_value(args, i);
      if (v != "hash" && v != "radix") throw InputError("--prefix-index " + v + ": expected hash or radix");
      config.radix_tree = v == "radix";
    } else if (a == "--ttl-s") gpu.ttl_s = parse_number(a, flag_value(args, i), 0, kMaxSimSeconds);
    else if (a == "--max-requests") trace.window.max_requests = parse_integer(a, flag_value(args, i), 1, uint64_t{1} << 53);
    else if (a == "--start-s") trace.window.start_s = parse_number(a, flag_value(args, i), 0, kMaxSimSeconds);
    else if (a == "--end-s") trace.window.end_s = parse_number(a, flag_value(args, i), 0, kMaxSimSeconds);
    else if (a == "--out") out_path = flag_value(args, i);
    else throw InputError("unexpected argument " + a + " (see kvsim cache-replay --help)");
  }
  if (trace.path.empty() || !have_capacity) {
    std::fprintf(stderr, kCacheReplayHelp, policy_list().c_str());
    return 2;
  }
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

  // The whole trace is read first, so that the replay is timed alone.
  std::vector<RequestSpec> requests;
  {
    std::unique_ptr<RequestSource> source = open_trace(trace);
    RequestSpec r;
    read_first_request(*source, r);
    requests.push_back(r);
    while (source->next(r)) requests.push_back(r);
  }
  const uint64_t infinite_blocks =
      CacheReplay::needs_infinite_blocks(config) ? infinite_capacity_blocks(requests, config.block_size) : 0;

  CacheReplay replay(config, infinite_blocks);
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  for (const RequestSpec& r : requests) replay.process(r);
  const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  replay.check_conservation();

  nlohmann::json out = replay.to_json();
  out["trace"] = trace.path;
  out["format"] = trace.format;
  // Rates per second of the replay thread's CPU time: on a shared machine, wall time also counts
  // the time other processes held the core.
  out["wall_seconds"] = wall;
  out["cpu_seconds"] = cpu;
  out["lookups_per_cpu_second"] = cpu > 0 ? static_cast<double>(replay.stats().lookups) / cpu : 0.0;
  const std::string text = out.dump(2);
  std::cout << text << "\n";
  if (!out_path.empty()) {
    std::ofstream f(out_path);
    f << text << "\n";
    if (!f) throw InputError("cannot write " + out_path);
  }
  return 0;
}

}  // namespace kvsim
