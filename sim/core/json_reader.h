// Reads a JSON object field by field with defaults and ranges, collecting every problem as
// "<JSON pointer>: expected <what>, found <what>" instead of stopping at the first. Unknown keys
// are reported too, so a typo in a scenario never silently falls back to a default. Used for
// scenarios, catalogs and calibration profiles alike.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kvsim {

class ErrorList {
 public:
  void add(const std::string& pointer, const std::string& message);
  // Appends "(<note>)" to every error at `pointer`, below it or at one of its parents, e.g.
  // "value from --set ...".
  void note_source(const std::string& pointer, const std::string& note);
  bool empty() const { return errors_.empty(); }
  const std::vector<std::string>& errors() const { return errors_; }
  // Throws InputError listing every error, prefixed by `where` (e.g. the file name).
  void throw_if_any(const std::string& where) const;

 private:
  std::vector<std::string> errors_;
  std::vector<std::string> pointers_;  // of each error
};

// "the string \"abc\"", "the number 3", ...: at most about 60 characters of the value, and at a
// cost bounded by that, however large or deep the value.
std::string describe_json(const nlohmann::json& j);
std::string json_pointer_child(const std::string& parent, const std::string& key);

class JsonReader {
 public:
  // `j` must outlive the reader. A null/missing object reads as empty (all defaults).
  JsonReader(const nlohmann::json& j, std::string pointer, ErrorList& errors);

  bool has(const std::string& key) const;
  double number(const std::string& key, double def, double min = -1e300, double max = 1e300);
  double required_number(const std::string& key, double min = -1e300, double max = 1e300);
  int64_t integer(const std::string& key, int64_t def, int64_t min = INT64_MIN, int64_t max = INT64_MAX);
  int64_t required_integer(const std::string& key, int64_t min = INT64_MIN, int64_t max = INT64_MAX);
  bool boolean(const std::string& key, bool def);
  std::string string(const std::string& key, const std::string& def);
  std::string required_string(const std::string& key);
  std::string choice(const std::string& key, const std::string& def,
                     const std::vector<std::string>& options);
  // A number, or the string "inf" (returned as +infinity).
  double number_or_inf(const std::string& key, double def, double min = 0);
  JsonReader object(const std::string& key);
  // The raw value (null if absent); the key counts as known.
  const nlohmann::json& raw(const std::string& key);
  // Reports keys that no getter asked for.
  void reject_unknown_keys();

  const std::string& pointer() const { return pointer_; }
  ErrorList& errors() { return errors_; }
  std::string child(const std::string& key) const { return json_pointer_child(pointer_, key); }

 private:
  const nlohmann::json* find(const std::string& key);
  const nlohmann::json& j_;
  std::string pointer_;
  ErrorList& errors_;
  std::set<std::string> seen_;
  bool is_object_;
};

}  // namespace kvsim
