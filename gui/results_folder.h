// A run's results folder, as `kvsim run --out DIR` writes it (sim/run/simulation.cpp):
//   summary.json    every figure of the run, and the scenario as run
//   requests.csv    one row per request (status "finished" or the reason it was dropped)
//   timeseries.csv  the cluster every metrics.timeseries_interval_s of simulated time
// The GUI opens such a folder without rerunning (latency CDFs come back from requests.csv) and
// saves a run's folder by copying the files the library wrote, so the bytes are the CLI's.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/metrics.h"

namespace kvsim::gui {

inline constexpr const char* kSummaryFile = "summary.json";
inline constexpr const char* kRequestsFile = "requests.csv";
inline constexpr const char* kTimeseriesFile = "timeseries.csv";

// Reads timeseries.csv; throws InputError "path:line: column: ..." on a malformed row.
std::vector<TimeseriesRow> read_timeseries_csv(const std::string& path);
// The latencies of the finished requests in requests.csv, as the run collected them (TPOT only
// for requests with more than one output token), each sorted ascending. Throws InputError.
LatencySamples read_request_latencies(const std::string& path);
// Reads summary.json; throws InputError naming the file (and line, for a syntax error).
nlohmann::json read_summary_json(const std::string& path);

// True when `dir` holds summary.json (written last, so it marks a complete folder).
bool is_results_folder(const std::string& dir);
// True when `path` is summary.json, requests.csv or timeseries.csv of a results folder: a file
// no export may replace.
bool is_result_file(const std::string& path);
// Copies the three files from `from` to `to` (created if missing), summary.json last, replacing
// files of the same names. Throws InputError naming the file that failed.
void copy_results_folder(const std::string& from, const std::string& to);

}  // namespace kvsim::gui
