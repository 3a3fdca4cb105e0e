#include "results_folder.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "catalog/catalog.h"
#include "core/error.h"
#include "workload/csv_file.h"

namespace kvsim::gui {

namespace {

namespace fs = std::filesystem;

double number(const CsvFile& csv, size_t column) {
  const std::string_view text = csv.field(column);
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    csv.fail(column, "expected a number, found \"" + std::string(text) + "\"");
  return v;
}

uint64_t count(const CsvFile& csv, size_t column) {
  const std::string_view text = csv.field(column);
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    csv.fail(column, "expected a non-negative integer, found \"" + std::string(text) + "\"");
  return v;
}

}  // namespace

std::vector<TimeseriesRow> read_timeseries_csv(const std::string& path) {
  CsvFile csv(path);
  const size_t time = csv.column("time_s"), used = csv.column("kv_blocks_used"),
               cached = csv.column("kv_blocks_cached"), free = csv.column("kv_blocks_free"),
               kv_tokens = csv.column("kv_tokens"), running = csv.column("running"), waiting = csv.column("waiting"),
               steps = csv.column("steps"), tokens_per_step = csv.column("tokens_per_step"),
               hit_rate = csv.column("prefix_hit_rate"), throughput = csv.column("throughput_tok_s"),
               finished = csv.column("finished");
  std::vector<TimeseriesRow> rows;
  while (csv.next_row()) {
    TimeseriesRow r;
    r.time_s = number(csv, time);
    r.kv_blocks_used = count(csv, used);
    r.kv_blocks_cached = count(csv, cached);
    r.kv_blocks_free = count(csv, free);
    r.kv_tokens = count(csv, kv_tokens);
    r.running = count(csv, running);
    r.waiting = count(csv, waiting);
    r.steps = count(csv, steps);
    r.tokens_per_step = number(csv, tokens_per_step);
    r.prefix_hit_rate = number(csv, hit_rate);
    r.throughput_tok_s = number(csv, throughput);
    r.finished = count(csv, finished);
    rows.push_back(r);
  }
  return rows;
}

LatencySamples read_request_latencies(const std::string& path) {
  CsvFile csv(path);
  const size_t status = csv.column("status"), queue = csv.column("queue_s"), ttft = csv.column("ttft_s"),
               tpot = csv.column("tpot_s"), e2e = csv.column("e2e_s");
  LatencySamples s;
  while (csv.next_row()) {
    if (csv.field(status) != "finished") continue;  // dropped requests have no latencies
    s.ttft.push_back(number(csv, ttft));
    s.e2e.push_back(number(csv, e2e));
    s.queue.push_back(number(csv, queue));
    if (!csv.field(tpot).empty()) s.tpot.push_back(number(csv, tpot));
  }
  for (auto* v : {&s.ttft, &s.tpot, &s.e2e, &s.queue}) std::sort(v->begin(), v->end());
  return s;
}

nlohmann::json read_summary_json(const std::string& path) {
  nlohmann::json j = read_json_file(path);
  if (!j.is_object() || !j.contains("requests"))
    throw InputError(path + ": not a kvsim summary (expected an object with \"requests\", \"ttft_s\", ...)");
  return j;
}

bool is_results_folder(const std::string& dir) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(dir) / kSummaryFile, ec);
}

bool is_result_file(const std::string& path) {
  const fs::path p(path);
  const std::string name = p.filename().string();
  if (name != kSummaryFile && name != kRequestsFile && name != kTimeseriesFile) return false;
  return is_results_folder(p.parent_path().empty() ? "." : p.parent_path().string());
}

void copy_results_folder(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (!fs::is_directory(to, ec)) throw InputError("cannot create folder " + to + (ec ? ": " + ec.message() : ""));
  if (fs::equivalent(from, to, ec)) return;  // already there
  // A folder stops counting as complete before anything in it is replaced, as the CLI does.
  fs::remove(fs::path(to) / kSummaryFile, ec);
  for (const char* name : {kRequestsFile, kTimeseriesFile, kSummaryFile}) {
    const fs::path src = fs::path(from) / name, dst = fs::path(to) / name;
    fs::copy_file(src, dst, fs::copy_options::overwrite_existing, ec);
    if (ec) throw InputError("cannot copy " + src.string() + " to " + dst.string() + ": " + ec.message());
  }
}

}  // namespace kvsim::gui
