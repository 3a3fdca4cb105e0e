// A buffered CSV file written row by row, with exact, locale-free number formatting: simulated
// times print as integer nanoseconds scaled to seconds, so the same run gives the same bytes.
// Fields are formatted straight into a 1 MiB buffer (std::to_chars, no stdio per field), which
// goes to the file when full: a million-row requests.csv costs well under a second.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace kvsim {

class CsvWriter {
 public:
  CsvWriter() = default;
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;
  ~CsvWriter();
  // Opens (truncating) `path`; throws InputError if it cannot.
  void open(const std::string& path, const std::string& header);
  bool is_open() const { return file_ != nullptr; }
  void close();  // throws InputError on a write error (disk full...)

  CsvWriter& u(uint64_t v);
  CsvWriter& i(int64_t v);
  CsvWriter& seconds(int64_t ns);  // "12.345678901"; negative = empty field
  CsvWriter& f(double v);          // shortest round-trip form
  CsvWriter& s(const char* v);
  void end_row();

 private:
  static constexpr size_t kBufferBytes = size_t{1} << 20;
  static constexpr size_t kMaxField = 64;  // room a numeric field may take
  // Starts a field: the separator, and room for `bytes` more (flushing the buffer if needed).
  char* field(size_t bytes);
  void flush();
  std::FILE* file_ = nullptr;
  std::string path_;
  std::vector<char> buf_;
  size_t used_ = 0;
  bool first_in_row_ = true;
  bool write_failed_ = false;
};

}  // namespace kvsim
