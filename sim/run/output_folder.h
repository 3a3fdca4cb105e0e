// A run's results folder, as `kvsim run --out DIR` writes it and the GUI saves and reopens it:
//   summary.json    every figure of the run, and the scenario as run; written last, so its
//                   presence marks a complete folder
//   requests.csv    one row per request (status "finished" or the reason it was dropped)
//   timeseries.csv  the cluster every metrics.timeseries_interval_s of simulated time
// This module owns the file names, the protocol that writes them, and reading them back; the CSV
// rows themselves are written by metrics/metrics.cpp (MetricsCollector::open_outputs).
//
// The write-then-publish protocol (OutputFolder): opening the folder takes an exclusive lock
// (flock on DIR/.kvsim.lock, held until the folder is closed, then removed), so a second run into
// the same folder refuses at once instead of interleaving its files with the first's. Outputs are
// written into a private staging folder (DIR/.kvsim-staging) and moved into DIR by publish() only
// when the run completes: until then DIR holds the previous run's results untouched, and a failed
// or cancelled run leaves the folder as it found it. (A killed run leaves the two hidden entries;
// the next run clears them.)
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/metrics.h"

namespace kvsim {

inline constexpr const char* kSummaryFile = "summary.json";
inline constexpr const char* kRequestsFile = "requests.csv";
inline constexpr const char* kTimeseriesFile = "timeseries.csv";

class OutputFolder {
 public:
  // Creates `dir` if missing, locks it and empties a staging folder left by a killed run. Throws
  // IoError if the folder cannot be created or another run holds it.
  explicit OutputFolder(const std::string& dir);
  OutputFolder(const OutputFolder&) = delete;
  OutputFolder& operator=(const OutputFolder&) = delete;
  // Removes the staging folder and the lock file, and releases the lock.
  ~OutputFolder();

  // Where the output `name` (kRequestsFile, ...) is written before it is published.
  std::string staged(const std::string& name) const;
  // Moves the three staged files into the folder, summary.json last (it marks the result
  // complete), after removing the previous summary.json. Throws IoError if a move fails.
  void publish();

 private:
  std::string dir_, staging_, lock_path_;
  int lock_fd_ = -1;
};

// Reading a folder back. Each throws InputError naming the file (and line and column of a bad row).
//
// The rows of timeseries.csv.
std::vector<TimeseriesRow> read_timeseries_csv(const std::string& path);
// The latencies of the finished requests in requests.csv, as the run collected them (TPOT only
// for requests with more than one output token), each sorted ascending.
LatencySamples read_request_latencies(const std::string& path);
// summary.json (a JSON object with "requests").
nlohmann::json read_summary_json(const std::string& path);

// True when `dir` holds summary.json.
bool is_results_folder(const std::string& dir);
// True when `path` is summary.json, requests.csv or timeseries.csv of a results folder: a file
// no export may replace.
bool is_result_file(const std::string& path);
// Copies the three files from `from` to `to` (created if missing) by the same protocol: the old
// summary.json is removed first and the new one copied last. Throws InputError naming the file
// that failed.
void copy_results_folder(const std::string& from, const std::string& to);

}  // namespace kvsim
