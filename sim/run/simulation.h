// run_scenario: the one library call both front ends (CLI and GUI) use. It replays the
// scenario's workload through a cluster of replicas on one event queue, streams requests.csv and
// timeseries.csv into the output folder, and returns the typed summary (metrics/run_summary.h). Outputs are written under
// temporary names and renamed only when the run completes, so a failed or cancelled run never
// leaves files that look complete.
#pragma once
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/metrics.h"
#include "run/run_control.h"
#include "scenario/scenario.h"

namespace kvsim {

struct RunOptions {
  std::string out_dir;  // empty: write no files
  // Called about every `progress_interval_s` of wall time (from the running thread).
  std::function<void(const Progress&)> on_progress;
  double progress_interval_s = 0.25;
  const std::atomic<bool>* cancel = nullptr;  // set to true to stop; run_scenario throws Cancelled
  // Keep per-request latencies (for CDFs) and the time-series rows in the result; false keeps
  // memory independent of the run's length (the rows still go to timeseries.csv).
  bool keep_samples = true;
};

struct RunResult {
  RunSummary summary;  // what summary.json holds (to_json(summary) is its JSON)
  std::vector<TimeseriesRow> timeseries;
  LatencySamples latencies;  // sorted ascending when keep_samples
  double wall_seconds = 0;
  uint64_t events = 0;
  uint64_t kv_block_records = 0;  // GPU block records the replicas made (the blocks they used)
};

// Throws InputError before allocating anything when the replicas' state will not fit in the
// memory available (estimated_state_bytes against /proc/meminfo's MemAvailable).
RunResult run_scenario(const Scenario& scenario, const RunOptions& options);

// The memory the replicas' KV bookkeeping can take, measured on quickstart.json: about 8 KiB
// per replica and 64 bytes per block used (GPU blocks, bounded to what the workload's requests
// can fill when the records are made on first use, and the blocks of bounded lower tiers).
double estimated_state_bytes(const Scenario& scenario);

}  // namespace kvsim
