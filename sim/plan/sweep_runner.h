// run_sweep: runs the points of a sweep that its output folder has no result for, records each
// as it finishes (sweep_results.h), and writes points.csv once every point has a result. Each
// point is an ordinary deterministic run_scenario without output files; a point that fails
// (invalid combination, no memory for the model) is recorded with its message and the sweep goes
// on. How the points are executed is pluggable: threads in this process (run_points_on_threads),
// or MPI ranks (the CLI's cmd_sweep_mpi.cpp).
#pragma once
#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "metrics/run_summary.h"
#include "plan/sweep_spec.h"

namespace kvsim {

// Point k of N: the points whose index % count == index (0 <= index < count).
struct Shard {
  size_t index = 0, count = 1;
};
// Parses "K/N"; throws InputError.
Shard parse_shard(const std::string& text);

struct SweepProgress {
  size_t total = 0;      // points of this shard
  size_t done = 0;       // with a result, before this run or during it
  size_t failed = 0;     // of those, with an error
  size_t ran = 0;        // finished by this run
  double wall_s = 0;     // since this run started
};

// The result line of one point: {"hash", "overrides", "summary" (without "scenario")} or
// {"hash", "overrides", "error"}, plus "wall_s". Throws Cancelled only.
nlohmann::json run_point(const SweepSpec& spec, const SweepPoint& point, const Catalog& catalog,
                         const std::atomic<bool>* cancel);
// The same line, and the run's typed summary when it has one (as run_scenario returned it, for a
// caller that judges the run: the planner), so that nothing reads back the JSON just built.
struct PointRun {
  nlohmann::json line;
  std::optional<RunSummary> summary;  // empty when the line is an error
};
PointRun run_point_typed(const SweepSpec& spec, const SweepPoint& point, const Catalog& catalog,
                         const std::atomic<bool>* cancel);

// Runs `pending` (indices into `points`) and calls `record` with each finished line; `record` is
// called from one thread at a time. Returns when every point is done or `cancel` is set.
using PointExecutor = std::function<void(const std::vector<SweepPoint>& points, const std::vector<size_t>& pending,
                                         const std::function<void(nlohmann::json)>& record)>;
PointExecutor run_points_on_threads(const SweepSpec& spec, const Catalog& catalog, unsigned jobs,
                                    const std::atomic<bool>* cancel);

struct SweepOptions {
  std::string out_dir;
  Shard shard;
  bool retry_failed = false;  // re-run the points whose recorded line is an error
  std::function<void(const SweepProgress&)> on_progress;  // after each point, from one thread
  const std::atomic<bool>* cancel = nullptr;
};

struct SweepOutcome {
  SweepProgress progress;
  size_t skipped = 0;        // points with a result before this run
  size_t duplicates = 0;     // points whose resolved scenario equals an earlier point's (run once)
  size_t foreign_lines = 0;  // lines of points.jsonl that belong to no point of this sweep
  size_t torn_bytes = 0;     // of a torn last line, dropped
  bool complete = false;     // every point has a result and points.csv was written
};

SweepOutcome run_sweep(const SweepSpec& spec, const SweepOptions& options, const PointExecutor& execute);

// Merges shard folders into `out_dir`: their sweep.json must be the same sweep; points.jsonl is
// the union (one line per hash), points.csv is written when every point has a result.
SweepOutcome merge_sweeps(const std::vector<std::string>& dirs, const std::string& out_dir);

}  // namespace kvsim
