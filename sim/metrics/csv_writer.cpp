#include "metrics/csv_writer.h"

#include <cerrno>
#include <charconv>
#include <cstring>

#include "core/error.h"

namespace kvsim {

CsvWriter::~CsvWriter() {
  if (file_) std::fclose(file_);
}

void CsvWriter::open(const std::string& path, const std::string& header) {
  file_ = std::fopen(path.c_str(), "w");
  if (!file_) throw InputError("cannot write " + path + ": " + std::strerror(errno));
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
  path_ = path;
  std::fputs(header.c_str(), file_);
  std::fputc('\n', file_);
}

void CsvWriter::close() {
  if (!file_) return;
  const bool failed = std::ferror(file_) != 0;
  const bool close_failed = std::fclose(file_) != 0;
  file_ = nullptr;
  if (failed || close_failed) throw InputError("error writing " + path_ + " (disk full?)");
}

void CsvWriter::sep() {
  if (!first_in_row_) std::fputc(',', file_);
  first_in_row_ = false;
}

CsvWriter& CsvWriter::u(uint64_t v) {
  sep();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::fwrite(buf, 1, static_cast<size_t>(r.ptr - buf), file_);
  return *this;
}

CsvWriter& CsvWriter::i(int64_t v) {
  sep();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::fwrite(buf, 1, static_cast<size_t>(r.ptr - buf), file_);
  return *this;
}

CsvWriter& CsvWriter::seconds(int64_t ns) {
  sep();
  if (ns < 0) return *this;
  char buf[40];
  const int n = std::snprintf(buf, sizeof buf, "%lld.%09lld", static_cast<long long>(ns / 1000000000),
                              static_cast<long long>(ns % 1000000000));
  std::fwrite(buf, 1, static_cast<size_t>(n), file_);
  return *this;
}

CsvWriter& CsvWriter::f(double v) {
  sep();
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::fwrite(buf, 1, static_cast<size_t>(r.ptr - buf), file_);
  return *this;
}

CsvWriter& CsvWriter::s(const char* v) {
  sep();
  std::fputs(v, file_);
  return *this;
}

void CsvWriter::end_row() {
  std::fputc('\n', file_);
  first_in_row_ = true;
}

}  // namespace kvsim
