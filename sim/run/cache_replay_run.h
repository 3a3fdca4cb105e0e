// `kvsim cache-replay` as a library call, as run_scenario is `kvsim run`'s: a trace replayed
// through the KV cache alone (kv/cache_replay.h), without compute timing. Front ends parse their
// input into a CacheReplayRun and print or show the report.
#pragma once
#include <nlohmann/json.hpp>

#include "kv/cache_replay.h"
#include "workload/workload_config.h"

namespace kvsim {

struct CacheReplayRun {
  TraceConfig trace;         // a format from trace_format_names(), the path, the window
  CacheReplayConfig config;  // config.tiers[0] is the GPU
};

// Reads the whole trace first, so that the replay is timed alone, then replays every request in
// arrival order and checks that the blocks are conserved. Returns CacheReplay::to_json() with
// "trace", "format", "wall_seconds", "cpu_seconds" (of the replay alone) and
// "lookups_per_cpu_second". Throws InputError for a bad trace or configuration.
nlohmann::json run_cache_replay(const CacheReplayRun& run);

}  // namespace kvsim
