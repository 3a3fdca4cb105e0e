#include "core/json_text.h"

#include <algorithm>

#include "core/error.h"
#include "core/excerpt.h"

namespace kvsim {

namespace {

using json = nlohmann::json;

// nlohmann's tree builder with a depth bound and the failure recorded rather than thrown.
class BoundedDomParser : public nlohmann::detail::json_sax_dom_parser<json> {
  using Base = nlohmann::detail::json_sax_dom_parser<json>;

 public:
  BoundedDomParser(json& result, JsonTextError& error, size_t& error_byte)
      : Base(result, false), error_(error), error_byte_(error_byte) {}

  bool start_object(std::size_t n) { return enter() && Base::start_object(n); }
  bool end_object() {
    --depth_;
    return Base::end_object();
  }
  bool start_array(std::size_t n) { return enter() && Base::start_array(n); }
  bool end_array() {
    --depth_;
    return Base::end_array();
  }
  template <class Exception>
  bool parse_error(std::size_t position, const std::string&, const Exception& ex) {
    error_byte_ = position;
    if (ex.id == 406) {  // out_of_range: number overflow
      error_.kind = JsonTextError::Kind::kNumberOutOfRange;
      error_.detail = "number out of range (a JSON number must fit a double, magnitude below 1.8e308)";
    } else {
      error_.kind = JsonTextError::Kind::kSyntax;
      error_.detail = syntax_detail(ex.what());
    }
    return false;
  }

 private:
  bool enter() {
    if (++depth_ <= kMaxJsonDepth) return true;
    error_.kind = JsonTextError::Kind::kTooDeep;
    error_.detail = "nested deeper than " + std::to_string(kMaxJsonDepth) +
                     " levels of arrays and objects (the most kvsim reads)";
    return false;
  }

  // "syntax error while parsing value - invalid literal" from nlohmann's message, without its
  // "last read: '...'" (which can quote a whole line).
  static std::string syntax_detail(const std::string& what) {
    std::string s = what;
    const auto at = s.find("syntax error");
    if (at != std::string::npos) s = s.substr(at);
    const auto last = s.find("; last read");
    if (last != std::string::npos) {
      const auto expected = s.find("; expected", last);
      s = s.substr(0, last) + (expected == std::string::npos ? "" : s.substr(expected));
    }
    if (s.size() > 160) s = s.substr(0, 157) + "...";
    return s;
  }

  JsonTextError& error_;
  size_t& error_byte_;
  int depth_ = 0;
};

// The byte at which the nesting first goes deeper than kMaxJsonDepth (only called on that error).
size_t too_deep_byte(std::string_view text) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return i + 1;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return text.size();
}

}  // namespace

bool try_parse_json_text(std::string_view text, json& out, JsonTextError& error) {
  error = JsonTextError{};
  size_t byte = 0;
  BoundedDomParser parser(out, error, byte);
  const bool ok = json::sax_parse(text.begin(), text.end(), &parser);
  if (ok && error.kind == JsonTextError::Kind::kNone) return true;
  if (error.kind == JsonTextError::Kind::kNone) {  // stopped without a reason: cannot happen
    error.kind = JsonTextError::Kind::kSyntax;
    error.detail = "invalid JSON";
  }
  if (error.kind == JsonTextError::Kind::kTooDeep) byte = too_deep_byte(text);
  // nlohmann counts the bytes read; the offending character is the last one read.
  const size_t end = std::min(byte > 0 ? byte - 1 : 0, text.size());
  error.line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < end; ++i)
    if (text[i] == '\n') {
      ++error.line;
      line_start = i + 1;
    }
  error.column = end - line_start + 1;
  // A few characters each side of the error, on its line.
  const size_t from = std::max(line_start, end >= 20 ? end - 20 : 0);
  size_t to = std::min(text.size(), end + 20);
  const size_t newline = text.find('\n', end);
  if (newline != std::string_view::npos) to = std::min(to, newline);
  if (to > from) error.detail += " near " + quoted_excerpt(text.substr(from, to - from), 44);
  out = json();
  return false;
}

json parse_json_text(std::string_view text, const std::string& where) {
  json j;
  JsonTextError error;
  if (!try_parse_json_text(text, j, error))
    throw InputError(where + ":" + std::to_string(error.line) + ":" + std::to_string(error.column) + ": " +
                     error.describe());
  return j;
}

std::string JsonTextError::describe() const {
  return kind == Kind::kSyntax ? "invalid JSON (" + detail + ")" : detail;
}

}  // namespace kvsim
