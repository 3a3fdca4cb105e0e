#include "plan/sweep_runner.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/error.h"
#include "plan/sweep_results.h"
#include "run/simulation.h"
#include "scenario/scenario.h"

namespace kvsim {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

bool is_error(const nlohmann::json& line) { return line.contains("error"); }

void write_sweep_json(const SweepSpec& spec, const std::string& dir) {
  write_file_atomically(dir + "/sweep.json", spec.to_json().dump(2) + "\n");
}

// points.csv, when every point has a line; else no points.csv at all (a stale one from a smaller
// sweep would look complete).
bool publish_csv(const std::vector<SweepPoint>& points, const std::map<std::string, nlohmann::json>& lines,
                 const std::string& dir) {
  const std::string path = dir + "/points.csv";
  for (const SweepPoint& p : points)
    if (!lines.count(p.hash)) {
      std::error_code ec;
      std::filesystem::remove(path, ec);
      return false;
    }
  write_file_atomically(path, points_csv(points, lines));
  return true;
}

}  // namespace

Shard parse_shard(const std::string& text) {
  const size_t slash = text.find('/');
  const auto number = [&](const std::string& s, size_t& out) {
    if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) return false;
    out = std::stoul(s);
    return true;
  };
  Shard shard;
  if (slash == std::string::npos || !number(text.substr(0, slash), shard.index) ||
      !number(text.substr(slash + 1), shard.count) || shard.count == 0 || shard.index >= shard.count)
    throw InputError("--shard " + text + ": expected K/N with 0 <= K < N, e.g. --shard 0/4 (K is the shard's index, "
                     "as $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX count from 0)");
  return shard;
}

nlohmann::json run_point(const SweepSpec& spec, const SweepPoint& point, const Catalog& catalog,
                         const std::atomic<bool>* cancel) {
  return run_point_typed(spec, point, catalog, cancel).line;
}

PointRun run_point_typed(const SweepSpec& spec, const SweepPoint& point, const Catalog& catalog,
                         const std::atomic<bool>* cancel) {
  const auto start = std::chrono::steady_clock::now();
  PointRun run;
  nlohmann::json& line = run.line;
  line = {{"hash", point.hash}, {"overrides", overrides_json(point)}};
  try {
    const nlohmann::json resolved = resolve_point(spec, point);
    const Scenario scenario = parse_scenario(resolved, spec.base_dir, catalog, "point " + std::to_string(point.index));
    RunOptions options;
    options.keep_samples = false;
    options.cancel = cancel;
    RunSummary typed = run_scenario(scenario, options).summary;
    nlohmann::json summary = to_json(typed);
    summary.erase("scenario");  // the base (sweep.json) and the overrides say it
    line["summary"] = std::move(summary);
    run.summary = std::move(typed);
  } catch (const Cancelled&) {
    throw;
  } catch (const InputError& e) {
    line["error"] = e.what();
  } catch (const std::bad_alloc&) {
    line["error"] = "out of memory while running the point";
  } catch (const std::exception& e) {
    line["error"] = std::string("internal error: ") + e.what();
  }
  line["wall_s"] = seconds_since(start);
  return run;
}

PointExecutor run_points_on_threads(const SweepSpec& spec, const Catalog& catalog, unsigned jobs,
                                    const std::atomic<bool>* cancel) {
  return [&spec, &catalog, jobs, cancel](const std::vector<SweepPoint>& points, const std::vector<size_t>& pending,
                                         const std::function<void(nlohmann::json)>& record) {
    std::atomic<size_t> next{0};
    std::mutex record_mu;
    std::exception_ptr failure;
    const auto work = [&] {
      for (;;) {
        if (cancel && cancel->load()) return;
        const size_t k = next.fetch_add(1);
        if (k >= pending.size()) return;
        try {
          nlohmann::json line = run_point(spec, points[pending[k]], catalog, cancel);
          std::lock_guard<std::mutex> lock(record_mu);
          if (!failure) record(std::move(line));
        } catch (const Cancelled&) {
          return;
        } catch (...) {  // the results file cannot be written: stop everyone
          std::lock_guard<std::mutex> lock(record_mu);
          if (!failure) failure = std::current_exception();
          next.store(pending.size());
          return;
        }
      }
    };
    const unsigned n = std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(pending.size())));
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < n; ++t) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();
    if (failure) std::rethrow_exception(failure);
  };
}

SweepOutcome run_sweep(const SweepSpec& spec, const SweepOptions& options, const PointExecutor& execute) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<SweepPoint> points;
  for (SweepPoint& p : enumerate_points(spec))
    if (p.index % options.shard.count == options.shard.index) points.push_back(std::move(p));
  PointsLog log(options.out_dir);
  write_sweep_json(spec, options.out_dir);
  SweepOutcome outcome;
  outcome.torn_bytes = log.torn_bytes_dropped();
  std::set<std::string> hashes;
  std::vector<size_t> pending;
  for (size_t i = 0; i < points.size(); ++i) {
    if (!hashes.insert(points[i].hash).second) {
      ++outcome.duplicates;
      continue;
    }
    const auto it = log.lines().find(points[i].hash);
    if (it != log.lines().end() && !(options.retry_failed && is_error(it->second))) {
      ++outcome.skipped;
      outcome.progress.failed += is_error(it->second);
      continue;
    }
    pending.push_back(i);
  }
  for (const auto& [hash, line] : log.lines()) outcome.foreign_lines += !hashes.count(hash);
  outcome.progress.total = hashes.size();
  outcome.progress.done = outcome.skipped;
  // Until the last point is in, no CSV: one left by an earlier, smaller sweep would look complete.
  if (!pending.empty()) publish_csv(points, {}, options.out_dir);
  if (options.on_progress) options.on_progress(outcome.progress);
  execute(points, pending, [&](nlohmann::json line) {
    const bool error = is_error(line);
    log.append(line);
    ++outcome.progress.done;
    ++outcome.progress.ran;
    outcome.progress.failed += error;
    outcome.progress.wall_s = seconds_since(start);
    if (options.on_progress) options.on_progress(outcome.progress);
  });
  outcome.progress.wall_s = seconds_since(start);
  outcome.complete = publish_csv(points, log.lines(), options.out_dir);
  return outcome;
}

SweepOutcome merge_sweeps(const std::vector<std::string>& dirs, const std::string& out_dir) {
  if (dirs.empty()) throw InputError("merge: expected the folders of the shards to merge");
  nlohmann::json sweep_json;
  std::map<std::string, nlohmann::json> lines;
  for (const std::string& dir : dirs) {
    nlohmann::json j;
    try {
      j = read_json_file(dir + "/sweep.json");
    } catch (const InputError& e) {
      throw InputError(std::string(e.what()) + " (is " + dir + " the --out folder of a kvsim sweep?)");
    }
    if (sweep_json.is_null()) sweep_json = j;
    else if (j != sweep_json)
      throw InputError(dir + "/sweep.json: a different sweep from " + dirs[0] + "/sweep.json: expected the shards of one sweep");
    for (auto& [hash, line] : read_points_file(dir + "/points.jsonl")) lines.emplace(hash, std::move(line));
  }
  const SweepSpec spec = parse_sweep(sweep_json, out_dir, dirs[0] + "/sweep.json");
  SweepOptions options;
  options.out_dir = out_dir;
  // The merged folder is a sweep folder like any other: lines it lacks are appended to it.
  return run_sweep(spec, options, [&](const std::vector<SweepPoint>& points, const std::vector<size_t>& pending,
                                      const std::function<void(nlohmann::json)>& record) {
    for (size_t i : pending) {
      const auto it = lines.find(points[i].hash);
      if (it != lines.end()) record(it->second);
    }
  });
}

}  // namespace kvsim
