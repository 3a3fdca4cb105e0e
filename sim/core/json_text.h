// JSON text to a JSON value, for every JSON kvsim reads (scenarios, catalogs, calibration
// profiles, --set values, Mooncake trace lines). Nesting is bounded (kMaxJsonDepth levels) so that
// no input can exhaust the stack of the code that later copies, compares or prints the value, and
// every failure (syntax, a number beyond the range of a double such as 1e400, too deep) comes back
// with its line and column and a short excerpt of the text, never the whole input.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace kvsim {

// The deepest nesting of arrays and objects accepted; kvsim's own files use fewer than 10 levels.
constexpr int kMaxJsonDepth = 64;

struct JsonTextError {
  enum class Kind { kNone, kSyntax, kNumberOutOfRange, kTooDeep };
  Kind kind = Kind::kNone;
  uint64_t line = 0, column = 0;  // 1-based
  std::string detail;             // "syntax error while parsing value - ... near \"[1, x\"" (no location)

  // "invalid JSON (<detail>)" for a syntax error, else the detail.
  std::string describe() const;
};

// Parses `text`; on failure returns false with `error` set and `out` unspecified.
bool try_parse_json_text(std::string_view text, nlohmann::json& out, JsonTextError& error);
// Parses `text`; throws InputError "<where>:<line>:<column>: <message>" on failure.
nlohmann::json parse_json_text(std::string_view text, const std::string& where);

}  // namespace kvsim
