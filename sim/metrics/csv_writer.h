// A buffered CSV file written row by row, with exact, locale-free number formatting: simulated
// times print as integer nanoseconds scaled to seconds, so the same run gives the same bytes.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

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
  void sep();
  std::FILE* file_ = nullptr;
  std::string path_;
  bool first_in_row_ = true;
};

}  // namespace kvsim
