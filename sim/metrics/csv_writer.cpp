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
  std::setvbuf(file_, nullptr, _IONBF, 0);  // buf_ is the buffer
  path_ = path;
  buf_.resize(kBufferBytes);
  used_ = 0;
  first_in_row_ = true;
  write_failed_ = false;
  s(header.c_str());
  end_row();
}

void CsvWriter::flush() {
  if (used_ > 0 && std::fwrite(buf_.data(), 1, used_, file_) != used_) write_failed_ = true;
  used_ = 0;
}

void CsvWriter::close() {
  if (!file_) return;
  flush();
  const bool failed = write_failed_ || std::ferror(file_) != 0;
  const bool close_failed = std::fclose(file_) != 0;
  file_ = nullptr;
  if (failed || close_failed) throw InputError("error writing " + path_ + " (disk full?)");
}

char* CsvWriter::field(size_t bytes) {
  if (used_ + bytes + 1 > buf_.size()) {
    flush();
    if (bytes + 1 > buf_.size()) buf_.resize(bytes + 1);
  }
  if (!first_in_row_) buf_[used_++] = ',';
  first_in_row_ = false;
  return buf_.data() + used_;
}

CsvWriter& CsvWriter::u(uint64_t v) {
  char* p = field(kMaxField);
  used_ += static_cast<size_t>(std::to_chars(p, p + kMaxField, v).ptr - p);
  return *this;
}

CsvWriter& CsvWriter::i(int64_t v) {
  char* p = field(kMaxField);
  used_ += static_cast<size_t>(std::to_chars(p, p + kMaxField, v).ptr - p);
  return *this;
}

CsvWriter& CsvWriter::seconds(int64_t ns) {
  char* p = field(kMaxField);
  if (ns < 0) return *this;
  char* e = std::to_chars(p, p + kMaxField, ns / 1000000000).ptr + 1;
  // Always nine digits: the fraction plus 10^9 printed, its leading '1' overwritten by the '.'.
  std::to_chars(e - 1, e + 9, static_cast<uint64_t>(ns % 1000000000) + 1000000000u);
  e[-1] = '.';
  used_ += static_cast<size_t>(e + 9 - p);
  return *this;
}

CsvWriter& CsvWriter::f(double v) {
  char* p = field(kMaxField);
  used_ += static_cast<size_t>(std::to_chars(p, p + kMaxField, v).ptr - p);
  return *this;
}

CsvWriter& CsvWriter::s(const char* v) {
  const size_t n = std::strlen(v);
  char* p = field(n);
  std::memcpy(p, v, n);
  used_ += n;
  return *this;
}

void CsvWriter::end_row() {
  if (used_ + 1 > buf_.size()) flush();
  buf_[used_++] = '\n';
  first_in_row_ = true;
}

}  // namespace kvsim
