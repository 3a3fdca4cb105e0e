#include "run/cache_replay_run.h"

#include <chrono>
#include <ctime>

namespace kvsim {

nlohmann::json run_cache_replay(const CacheReplayRun& run) {
  std::vector<RequestSpec> requests;
  {
    std::unique_ptr<RequestSource> source = open_trace(run.trace);
    RequestSpec r;
    read_first_request(*source, r);
    requests.push_back(r);
    while (source->next(r)) requests.push_back(r);
  }
  const uint64_t infinite_blocks = CacheReplay::needs_infinite_blocks(run.config)
                                       ? infinite_capacity_blocks(requests, run.config.block_size)
                                       : 0;

  CacheReplay replay(run.config, infinite_blocks);
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  for (const RequestSpec& r : requests) replay.process(r);
  const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  replay.check_conservation();

  nlohmann::json out = replay.to_json();
  out["trace"] = run.trace.path;
  out["format"] = run.trace.format;
  // Rates per second of the replay thread's CPU time: on a shared machine, wall time also counts
  // the time other processes held the core.
  out["wall_seconds"] = wall;
  out["cpu_seconds"] = cpu;
  out["lookups_per_cpu_second"] = cpu > 0 ? static_cast<double>(replay.stats().lookups) / cpu : 0.0;
  return out;
}

}  // namespace kvsim
