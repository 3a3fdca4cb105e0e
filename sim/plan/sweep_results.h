// The results of a sweep on disk, in its output folder DIR:
//   DIR/points.jsonl  one JSON object per finished point, appended and fsync'ed line by line:
//                     {"hash", "overrides", "summary"} or {"hash", "overrides", "error"}, plus
//                     "wall_s". It is the sweep's only state: a re-run skips the hashes in it.
//   DIR/points.csv    the same as a table, one row per point of the sweep in point order; written
//                     (temp file, then rename) only once every point has a line, and removed while
//                     points are missing, so a CSV present is a complete one.
//   DIR/sweep.json    the sweep as enumerated (base inlined), for `kvsim sweep merge`.
// A killed writer can leave a torn last line (no newline); opening the log drops it. The log is
// locked (flock) while open, so two sweeps never append to one folder at once.
#pragma once
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "plan/sweep_spec.h"

namespace kvsim {

// Reads a points.jsonl: the complete lines by hash (a later line for a hash replaces an earlier
// one). Lines that are not JSON objects with a "hash" are skipped and counted in `skipped`.
std::map<std::string, nlohmann::json> read_points_file(const std::string& path, size_t* skipped = nullptr);

class PointsLog {
 public:
  // Creates DIR if missing, locks DIR/points.jsonl, truncates a torn last line and reads the
  // lines. Throws IoError when the folder cannot be created or another sweep holds it.
  explicit PointsLog(const std::string& dir);
  PointsLog(const PointsLog&) = delete;
  PointsLog& operator=(const PointsLog&) = delete;
  ~PointsLog();

  const std::map<std::string, nlohmann::json>& lines() const { return lines_; }
  size_t torn_bytes_dropped() const { return torn_bytes_; }
  // Appends one line and fsyncs it; safe from several threads. Throws IoError on a write error.
  void append(const nlohmann::json& line);

 private:
  std::string path_;
  int fd_ = -1;
  size_t torn_bytes_ = 0;
  std::mutex mu_;
  std::map<std::string, nlohmann::json> lines_;
};

// The table of points.csv: index, hash, one column per override pointer, error, wall-clock-free
// summary leaves ("ttft_s.p99", ...; arrays and the summary's "scenario" left out). Rows in point
// order; a point without a line gets an empty row except index and hash. Deterministic: the same
// results give the same bytes, whatever --jobs, shards or MPI.
std::string points_csv(const std::vector<SweepPoint>& points, const std::map<std::string, nlohmann::json>& lines);

// CSV helpers shared with the planner's tables: a field quoted when it needs it, a JSON value as a
// field (null empty, strings unquoted when they can be), a multi-line message on one line.
std::string csv_field(const std::string& s);
std::string csv_value(const nlohmann::json& v);
std::string one_line(const std::string& message);

}  // namespace kvsim
