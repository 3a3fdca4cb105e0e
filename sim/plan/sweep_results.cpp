#include "plan/sweep_results.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"

namespace kvsim {

namespace {

std::string errno_text() { return std::strerror(errno); }

std::string read_all(int fd, const std::string& path) {
  std::string text;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw IoError(path + ": cannot read: " + errno_text());
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

void parse_lines(const std::string& text, std::map<std::string, nlohmann::json>& lines, size_t* skipped) {
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    if (end == std::string::npos) break;  // a torn last line
    const nlohmann::json j = nlohmann::json::parse(text.begin() + start, text.begin() + end, nullptr, false);
    if (j.is_object() && j.contains("hash") && j["hash"].is_string()) lines[j["hash"].get<std::string>()] = j;
    else if (end > start && skipped) ++*skipped;
    start = end + 1;
  }
}

// The scalar leaves of a summary, "a.b.c" -> value; arrays and the scenario are left out.
void flatten(const nlohmann::json& j, const std::string& prefix, std::vector<std::pair<std::string, nlohmann::json>>& out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (prefix.empty() && it.key() == "scenario") continue;
    const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object()) flatten(*it, key, out);
    else if (!it->is_array()) out.emplace_back(key, *it);
  }
}

}  // namespace

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// An error message on one line ("2 errors\n  /a: ...\n  /b: ..." -> "2 errors; /a: ...; /b: ..."),
// so that each row of points.csv is one line of text.
std::string one_line(const std::string& message) {
  std::string out;
  for (size_t i = 0; i < message.size(); ++i) {
    if (message[i] != '\n') {
      out += message[i];
      continue;
    }
    out += "; ";
    while (i + 1 < message.size() && message[i + 1] == ' ') ++i;
  }
  return out;
}

std::string csv_value(const nlohmann::json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return csv_field(v.get<std::string>());
  return csv_field(v.dump());
}

std::map<std::string, nlohmann::json> read_points_file(const std::string& path, size_t* skipped) {
  std::map<std::string, nlohmann::json> lines;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot open the file");
  std::stringstream s;
  s << in.rdbuf();
  parse_lines(s.str(), lines, skipped);
  return lines;
}

PointsLog::PointsLog(const std::string& dir) : path_(dir + "/points.jsonl") {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw IoError(dir + ": cannot create the folder: " + ec.message());
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw IoError(path_ + ": cannot open: " + errno_text());
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    throw IoError(dir + " is in use by another kvsim sweep (wait for it, or choose another --out)");
  }
  const std::string text = read_all(fd_, path_);
  parse_lines(text, lines_, nullptr);
  // A writer killed mid-line leaves a tail without its newline: cut it, so that the next line
  // starts on a line of its own.
  const size_t keep = text.empty() || text.back() == '\n' ? text.size() : text.rfind('\n') + 1;  // npos + 1 == 0
  torn_bytes_ = text.size() - keep;
  if (torn_bytes_ > 0 && ::ftruncate(fd_, static_cast<off_t>(keep)) != 0) throw IoError(path_ + ": cannot truncate: " + errno_text());
  if (::lseek(fd_, 0, SEEK_END) < 0) throw IoError(path_ + ": cannot seek: " + errno_text());
}

PointsLog::~PointsLog() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

void PointsLog::append(const nlohmann::json& line) {
  // One write per line: a kill can tear at most the line being written, never an earlier one.
  const std::string text = line.dump() + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw IoError(path_ + ": cannot append: " + errno_text());
    done += static_cast<size_t>(n);
  }
  if (::fdatasync(fd_) != 0) throw IoError(path_ + ": cannot sync: " + errno_text());
  lines_[line["hash"].get<std::string>()] = line;
}

std::string points_csv(const std::vector<SweepPoint>& points, const std::map<std::string, nlohmann::json>& lines) {
  std::vector<std::string> pointers;
  std::set<std::string> seen_pointers;
  for (const SweepPoint& p : points)
    for (const auto& [ptr, value] : p.overrides)
      if (seen_pointers.insert(ptr).second) pointers.push_back(ptr);
  // Summary columns in order of first appearance (summaries are objects with sorted keys).
  std::vector<std::string> columns;
  std::set<std::string> seen_columns;
  std::vector<std::vector<std::pair<std::string, nlohmann::json>>> leaves(points.size());
  for (size_t i = 0; i < points.size(); ++i) {
    const auto it = lines.find(points[i].hash);
    if (it == lines.end() || !it->second.contains("summary")) continue;
    flatten(it->second["summary"], "", leaves[i]);
    for (const auto& [key, v] : leaves[i])
      if (seen_columns.insert(key).second) columns.push_back(key);
  }
  std::ostringstream out;
  out << "index,hash";
  for (const auto& p : pointers) out << "," << csv_field(p);
  out << ",error";
  for (const auto& c : columns) out << "," << csv_field(c);
  out << "\n";
  for (size_t i = 0; i < points.size(); ++i) {
    const SweepPoint& p = points[i];
    const auto it = lines.find(p.hash);
    const nlohmann::json overrides = overrides_json(p);
    out << p.index << "," << p.hash;
    for (const auto& ptr : pointers) out << "," << (overrides.contains(ptr) ? csv_value(overrides[ptr]) : "");
    const bool failed = it != lines.end() && it->second.contains("error") && it->second["error"].is_string();
    out << "," << (failed ? csv_field(one_line(it->second["error"].get<std::string>())) : "");
    std::map<std::string, const nlohmann::json*> row;
    for (const auto& [key, v] : leaves[i]) row[key] = &v;
    for (const auto& c : columns) {
      const auto cell = row.find(c);
      out << "," << (cell == row.end() ? "" : csv_value(*cell->second));
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace kvsim
