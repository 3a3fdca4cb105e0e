#include "core/json_reader.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "core/excerpt.h"

namespace kvsim {

namespace {
const nlohmann::json& null_json() {
  static const nlohmann::json n;
  return n;
}
std::string number_text(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.12g", x);
  return buf;
}
std::string range_text(double min, double max) {
  if (min > -1e300 && max < 1e300) return " in [" + number_text(min) + ", " + number_text(max) + "]";
  if (min > -1e300) return " >= " + number_text(min);
  if (max < 1e300) return " <= " + number_text(max);
  return "";
}
}  // namespace

void ErrorList::add(const std::string& pointer, const std::string& message) {
  errors_.push_back((pointer.empty() ? std::string("/") : pointer) + ": " + message);
  pointers_.push_back(pointer);
}

void ErrorList::note_source(const std::string& pointer, const std::string& note) {
  for (size_t i = 0; i < errors_.size(); ++i) {
    const std::string& p = pointers_[i];
    // The error is about the value set, something inside it, or the object or array it went into.
    const auto within = [](const std::string& inner, const std::string& outer) {
      return inner.compare(0, outer.size(), outer) == 0 && (inner.size() == outer.size() || inner[outer.size()] == '/');
    };
    const bool inside = within(p, pointer) || (!p.empty() && within(pointer, p));
    if (inside && errors_[i].find(note) == std::string::npos) errors_[i] += " (" + note + ")";
  }
}

void ErrorList::throw_if_any(const std::string& where) const {
  if (errors_.empty()) return;
  std::string msg = where + ": " + std::to_string(errors_.size()) +
                    (errors_.size() == 1 ? " error" : " errors");
  std::vector<InputIssue> issues;
  for (size_t i = 0; i < errors_.size(); ++i) {
    msg += "\n  " + errors_[i];
    const std::string pointer = pointers_[i].empty() ? "/" : pointers_[i];
    issues.push_back({pointer, errors_[i].substr(pointer.size() + 2)});  // after "<pointer>: "
  }
  throw InputError(msg, std::move(issues));
}

namespace {
// Writes `j` as JSON text into `out`, stopping soon after `out` reaches `limit` characters and
// below `depth` levels, so that describing a huge or deep value costs what the message shows.
void dump_string_bounded(const std::string& s, std::string& out, size_t limit) {
  const size_t take = limit > out.size() ? limit - out.size() + 1 : 1;
  out += nlohmann::json(s.substr(0, take)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (s.size() > take) out += "...";
}

void dump_bounded(const nlohmann::json& j, std::string& out, size_t limit, int depth) {
  if (out.size() >= limit) return;
  if (depth <= 0) {
    out += "...";
    return;
  }
  switch (j.type()) {
    case nlohmann::json::value_t::string:
      dump_string_bounded(j.get_ref<const std::string&>(), out, limit);
      return;
    case nlohmann::json::value_t::object:
    case nlohmann::json::value_t::array: {
      const bool object = j.is_object();
      out += object ? '{' : '[';
      bool first = true;
      for (auto it = j.begin(); it != j.end() && out.size() < limit; ++it) {
        if (!first) out += ',';
        first = false;
        if (object) {
          dump_string_bounded(it.key(), out, limit);
          out += ':';
        }
        dump_bounded(*it, out, limit, depth - 1);
      }
      out += object ? '}' : ']';
      return;
    }
    default: out += j.dump();
  }
}
}  // namespace

std::string describe_json(const nlohmann::json& j) {
  constexpr size_t kShown = 60;
  std::string dump;
  dump_bounded(j, dump, kShown, 8);
  if (dump.size() > kShown) dump = dump.substr(0, kShown - 3) + "...";
  switch (j.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::string: return "the string " + dump;
    case nlohmann::json::value_t::boolean: return "the boolean " + dump;
    case nlohmann::json::value_t::object: return "an object " + dump;
    case nlohmann::json::value_t::array: return "an array " + dump;
    default: return "the number " + dump;
  }
}

std::string json_pointer_child(const std::string& parent, const std::string& key) {
  std::string escaped;
  for (char c : key) {
    if (c == '~') escaped += "~0";
    else if (c == '/') escaped += "~1";
    else escaped += c;
  }
  return parent + "/" + escaped;
}

JsonReader::JsonReader(const nlohmann::json& j, std::string pointer, ErrorList& errors)
    : j_(j), pointer_(std::move(pointer)), errors_(errors), is_object_(j.is_object()) {
  if (!j.is_null() && !j.is_object())
    errors_.add(pointer_, "expected an object, found " + describe_json(j));
}

bool JsonReader::has(const std::string& key) const { return is_object_ && j_.contains(key); }

const nlohmann::json* JsonReader::find(const std::string& key) {
  seen_.insert(key);
  if (!is_object_) return nullptr;
  auto it = j_.find(key);
  if (it == j_.end() || it->is_null()) return nullptr;
  return &*it;
}

double JsonReader::number(const std::string& key, double def, double min, double max) {
  const auto* v = find(key);
  if (!v) return def;
  if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() < min ||
      v->get<double>() > max) {
    const bool huge = v->is_number() && std::fabs(v->get<double>()) > 1e300;
    errors_.add(child(key), "expected a number" + range_text(min, max) + ", found " + describe_json(*v) +
                                (huge ? " (kvsim reads no number beyond +-1e300)" : ""));
    return def;
  }
  return v->get<double>();
}

double JsonReader::required_number(const std::string& key, double min, double max) {
  if (is_object_ && !j_.contains(key)) {
    seen_.insert(key);
    errors_.add(child(key), "expected a number" + range_text(min, max) + ", found nothing (required)");
    return min > -1e300 ? min : 0;
  }
  return number(key, min > -1e300 ? min : 0, min, max);
}

int64_t JsonReader::integer(const std::string& key, int64_t def, int64_t min, int64_t max) {
  const auto* v = find(key);
  if (!v) return def;
  const bool integral = v->is_number_integer() ||
                        (v->is_number_float() && std::floor(v->get<double>()) == v->get<double>() &&
                         std::fabs(v->get<double>()) < 9e15);
  const double as_double = v->is_number() ? v->get<double>() : 0;
  if (!integral || as_double < static_cast<double>(min) || as_double > static_cast<double>(max)) {
    errors_.add(child(key), "expected an integer" +
                                range_text(min == INT64_MIN ? -1e301 : static_cast<double>(min),
                                           max == INT64_MAX ? 1e301 : static_cast<double>(max)) +
                                ", found " + describe_json(*v));
    return def;
  }
  return v->is_number_integer() ? v->get<int64_t>() : static_cast<int64_t>(as_double);
}

int64_t JsonReader::required_integer(const std::string& key, int64_t min, int64_t max) {
  if (is_object_ && !j_.contains(key)) {
    seen_.insert(key);
    errors_.add(child(key), "expected an integer, found nothing (required)");
    return min == INT64_MIN ? 0 : min;
  }
  return integer(key, min == INT64_MIN ? 0 : min, min, max);
}

bool JsonReader::boolean(const std::string& key, bool def) {
  const auto* v = find(key);
  if (!v) return def;
  if (!v->is_boolean()) {
    errors_.add(child(key), "expected true or false, found " + describe_json(*v));
    return def;
  }
  return v->get<bool>();
}

std::string JsonReader::string(const std::string& key, const std::string& def) {
  const auto* v = find(key);
  if (!v) return def;
  if (!v->is_string()) {
    errors_.add(child(key), "expected a string, found " + describe_json(*v));
    return def;
  }
  return v->get<std::string>();
}

std::string JsonReader::required_string(const std::string& key) {
  if (is_object_ && (!j_.contains(key) || j_.at(key).is_null())) {
    seen_.insert(key);
    errors_.add(child(key), "expected a string, found nothing (required)");
    return "";
  }
  return string(key, "");
}

std::string JsonReader::choice(const std::string& key, const std::string& def,
                               const std::vector<std::string>& options) {
  const auto* v = find(key);
  if (!v) return def;
  std::string list;
  for (const auto& o : options) list += (list.empty() ? "\"" : ", \"") + o + "\"";
  if (v->is_string()) {
    for (const auto& o : options)
      if (o == v->get<std::string>()) return o;
  }
  errors_.add(child(key), "expected one of " + list + ", found " + describe_json(*v));
  return def;
}

double JsonReader::number_or_inf(const std::string& key, double def, double min) {
  const auto* v = find(key);
  if (!v) return def;
  if (v->is_string() && v->get<std::string>() == "inf") return INFINITY;
  if (v->is_number() && v->get<double>() >= min) return v->get<double>();
  errors_.add(child(key), "expected a number" + range_text(min, 1e301) + " or \"inf\", found " +
                              describe_json(*v));
  return def;
}

JsonReader JsonReader::object(const std::string& key) {
  const auto* v = find(key);
  return JsonReader(v ? *v : null_json(), child(key), errors_);
}

const nlohmann::json& JsonReader::raw(const std::string& key) {
  const auto* v = find(key);
  return v ? *v : null_json();
}

void JsonReader::reject_unknown_keys() {
  if (!is_object_) return;
  for (auto it = j_.begin(); it != j_.end(); ++it) {
    if (seen_.count(it.key())) continue;
    std::string known;
    for (const auto& s : seen_) known += (known.empty() ? "" : ", ") + s;
    const std::string& key = it.key();
    if (key.size() <= kExcerptChars) errors_.add(child(key), "unknown field (known here: " + known + ")");
    else errors_.add(pointer_, "unknown field " + quoted_excerpt(key) + " (known here: " + known + ")");
  }
}

}  // namespace kvsim
