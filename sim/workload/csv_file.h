// A CSV trace file read row by row: the first non-blank line is the header, columns are found by
// name (not position, case-insensitive), and each later non-blank line must have one field per
// header column. Fields may be quoted ("a, b" and "say ""hi""" are one field each). Typed getters
// throw InputError "path:line: Column: expected ..., found \"text\"".
#pragma once
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "workload/line_reader.h"

namespace kvsim {

class CsvFile {
 public:
  // Opens `path` and reads the header. Throws InputError if the file cannot be opened or is empty.
  explicit CsvFile(std::string path);

  std::optional<size_t> find_column(std::string_view name) const;
  // Throws InputError "path:line: missing column \"name\" (the header has: a, b, c)".
  size_t column(std::string_view name) const;

  // Reads and splits the next non-blank row; false at the end of the file.
  bool next_row();
  // The field of the current row, blanks trimmed, quotes removed.
  std::string_view field(size_t column) const { return fields_[column]; }

  // The field as a token count: an integer >= `min` that fits in 32 bits.
  uint32_t tokens(size_t column, uint32_t min = 0) const;
  // The field as non-negative decimal seconds, in nanoseconds.
  SimTime seconds(size_t column) const;

  // Throws InputError "path:line: <column name>: <what>" about the current row.
  [[noreturn]] void fail(size_t column, const std::string& what) const;
  // Throws InputError "path:line: <what>" about the current row.
  [[noreturn]] void fail_row(const std::string& what) const;

  const std::string& column_name(size_t column) const { return header_[column]; }
  const std::string& path() const { return lines_.path(); }
  uint64_t line_number() const { return lines_.line_number(); }
  std::string where() const { return lines_.where(); }
  // "path:line" of the header.
  std::string header_where() const { return path() + ":" + std::to_string(header_line_); }

 private:
  void split(std::string_view line);

  LineReader lines_;
  uint64_t header_line_ = 0;
  std::vector<std::string> header_;
  std::vector<std::string_view> fields_;
  // Unescaped text of quoted fields holding "", by field index; a deque so that growing it keeps
  // the earlier fields' views valid.
  std::deque<std::string> unescaped_;
};

}  // namespace kvsim
