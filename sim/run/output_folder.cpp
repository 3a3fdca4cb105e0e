#include "run/output_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

#include "catalog/catalog.h"
#include "core/error.h"
#include "core/excerpt.h"
#include "workload/csv_file.h"

namespace kvsim {

namespace fs = std::filesystem;

OutputFolder::OutputFolder(const std::string& dir) : dir_(dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw IoError("cannot create output folder " + dir + (ec ? ": " + ec.message() : ": a file of that name exists"));
  lock_path_ = (fs::path(dir) / ".kvsim.lock").string();
  // The lock file is removed when the folder is closed. A run that opened it just before could
  // then lock a file no longer in the folder: the lock counts only if the path still names it.
  for (;;) {
    lock_fd_ = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd_ < 0) throw IoError("cannot create " + lock_path_ + ": " + std::strerror(errno));
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(lock_fd_);
      lock_fd_ = -1;
      throw IoError(err == EWOULDBLOCK ? "output folder " + dir + " is in use by another kvsim run; wait for it "
                                         "to finish or choose another --out folder"
                                       : "cannot lock " + lock_path_ + ": " + std::strerror(err));
    }
    struct stat held {}, named {};
    if (::fstat(lock_fd_, &held) == 0 && ::stat(lock_path_.c_str(), &named) == 0 && held.st_ino == named.st_ino &&
        held.st_dev == named.st_dev)
      break;
    ::close(lock_fd_);  // removed by the run that held it: try the new one
  }
  staging_ = (fs::path(dir) / ".kvsim-staging").string();
  fs::remove_all(staging_, ec);
  fs::create_directory(staging_, ec);
  if (ec) {
    ::unlink(lock_path_.c_str());
    ::close(lock_fd_);
    throw IoError("cannot create " + staging_ + ": " + ec.message());
  }
}

OutputFolder::~OutputFolder() {
  std::error_code ec;
  if (!staging_.empty()) fs::remove_all(staging_, ec);
  if (lock_fd_ >= 0) {
    ::unlink(lock_path_.c_str());  // the folder is left as the run found it
    ::close(lock_fd_);             // releases the lock
  }
}

std::string OutputFolder::staged(const std::string& name) const { return (fs::path(staging_) / name).string(); }

void OutputFolder::publish() {
  std::error_code ec;
  // The old marker of a complete result goes first: the folder never pairs it with new files.
  fs::remove(fs::path(dir_) / kSummaryFile, ec);
  for (const char* name : {kRequestsFile, kTimeseriesFile, kSummaryFile}) {
    const fs::path to = fs::path(dir_) / name;
    fs::rename(staged(name), to, ec);
    if (ec) throw IoError("cannot move " + staged(name) + " to " + to.string() + ": " + ec.message());
  }
}

namespace {

double number(const CsvFile& csv, size_t column) {
  const std::string_view text = csv.field(column);
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    csv.fail(column, "expected a number, found " + quoted_excerpt(text));
  return v;
}

uint64_t count(const CsvFile& csv, size_t column) {
  const std::string_view text = csv.field(column);
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    csv.fail(column, "expected a non-negative integer, found " + quoted_excerpt(text));
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
  // A folder stops counting as complete before anything in it is replaced, as publish() does.
  fs::remove(fs::path(to) / kSummaryFile, ec);
  for (const char* name : {kRequestsFile, kTimeseriesFile, kSummaryFile}) {
    const fs::path src = fs::path(from) / name, dst = fs::path(to) / name;
    fs::copy_file(src, dst, fs::copy_options::overwrite_existing, ec);
    if (ec) throw InputError("cannot copy " + src.string() + " to " + dst.string() + ": " + ec.message());
  }
}

}  // namespace kvsim
