#include "workload/csv_file.h"

#include "core/error.h"
#include "workload/text_number.h"

namespace kvsim {

CsvFile::CsvFile(std::string path) : lines_(std::move(path)) {
  std::string_view line;
  if (!lines_.next(line)) throw InputError(lines_.path() + ": the file is empty; expected a CSV header line");
  if (line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // UTF-8 byte-order mark
  if (line.find('\r') != std::string_view::npos)
    throw InputError(lines_.where() + ": the header line holds a carriage return: lines that end in a carriage "
                     "return alone (old Mac style) are not read; convert them, e.g. tr '\\r' '\\n'");
  header_line_ = lines_.line_number();
  split(line);
  for (auto f : fields_) header_.emplace_back(f);
}

std::optional<size_t> CsvFile::find_column(std::string_view name) const {
  for (size_t i = 0; i < header_.size(); ++i)
    if (equal_ignoring_case(header_[i], name)) return i;
  return std::nullopt;
}

size_t CsvFile::column(std::string_view name) const {
  if (auto c = find_column(name)) return *c;
  std::string names;
  for (size_t i = 0; i < header_.size() && i < 20; ++i) {
    const std::string shown = quote_field(header_[i]);  // short and printable, without its quotes
    names += (names.empty() ? "" : ", ") + shown.substr(1, shown.size() - 2);
  }
  if (header_.size() > 20) names += ", ... (" + std::to_string(header_.size()) + " columns)";
  throw InputError(header_where() + ": missing column \"" + std::string(name) + "\" (the header has: " + names + ")");
}

bool CsvFile::next_row() {
  std::string_view line;
  if (!lines_.next(line)) return false;
  split(line);
  if (fields_.size() != header_.size())
    fail_row("expected " + std::to_string(header_.size()) + " fields as in the header, found " +
             std::to_string(fields_.size()));
  return true;
}

void CsvFile::split(std::string_view line) {
  fields_.clear();
  size_t pos = 0;
  for (;;) {
    // Leading blanks before a quote are allowed.
    size_t start = pos;
    while (start < line.size() && (line[start] == ' ' || line[start] == '\t')) ++start;
    if (start < line.size() && line[start] == '"') {
      size_t i = start + 1;
      bool escaped = false;
      size_t close = std::string_view::npos;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            escaped = true;
            i += 2;
            continue;
          }
          close = i;
          break;
        }
        ++i;
      }
      if (close == std::string_view::npos) fail_row("unterminated quoted field");
      std::string_view inner = line.substr(start + 1, close - start - 1);
      if (escaped) {
        if (unescaped_.size() <= fields_.size()) unescaped_.resize(fields_.size() + 1);
        std::string& buf = unescaped_[fields_.size()];
        buf.clear();
        for (size_t k = 0; k < inner.size(); ++k) {
          buf += inner[k];
          if (inner[k] == '"') ++k;  // skip the second quote of a pair
        }
        inner = buf;
      }
      fields_.push_back(inner);
      pos = close + 1;
      while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
      if (pos == line.size()) return;
      if (line[pos] != ',') fail_row("unexpected text after a closing quote");
      ++pos;
      continue;
    }
    const size_t comma = line.find(',', pos);
    if (comma == std::string_view::npos) {
      fields_.push_back(trim_blanks(line.substr(pos)));
      return;
    }
    fields_.push_back(trim_blanks(line.substr(pos, comma - pos)));
    pos = comma + 1;
  }
}

uint32_t CsvFile::tokens(size_t column, uint32_t min) const {
  uint64_t v;
  const std::string_view text = field(column);
  if (!parse_count(text, UINT32_MAX, v)) {
    uint64_t big;
    if (parse_count(text, UINT64_MAX, big))
      fail(column, "expected a token count below 2^32, found " + quote_field(text));
    fail(column, "expected a non-negative integer, found " + quote_field(text));
  }
  if (v < min)
    fail(column, "expected a token count >= " + std::to_string(min) + ", found " + quote_field(text));
  return static_cast<uint32_t>(v);
}

SimTime CsvFile::seconds(size_t column) const {
  SimTime ns;
  const std::string_view text = field(column);
  if (!parse_seconds_ns(text, ns))
    fail(column, "expected a non-negative number of seconds, found " + quote_field(text));
  return ns;
}

void CsvFile::fail(size_t column, const std::string& what) const {
  throw InputError(where() + ": " + header_[column] + ": " + what);
}

void CsvFile::fail_row(const std::string& what) const { throw InputError(where() + ": " + what); }

}  // namespace kvsim
