#include "workload/line_reader.h"

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace kvsim {

namespace {
constexpr size_t kInitialBuffer = 1 << 18;

bool is_blank(std::string_view line) {
  for (char c : line)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}
}  // namespace

LineReader::LineReader(std::string path) : path_(std::move(path)), buffer_(kInitialBuffer) {
  file_ = std::fopen(path_.c_str(), "rb");
  if (!file_) throw InputError("cannot open " + path_ + ": " + std::strerror(errno));
}

LineReader::~LineReader() {
  if (file_) std::fclose(file_);
}

std::string LineReader::where() const { return path_ + ":" + std::to_string(line_number_); }

bool LineReader::fill() {
  if (eof_) return false;
  if (begin_ > 0) {  // keep the partial line at the front
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);  // a line longer than the buffer
  const size_t n = std::fread(buffer_.data() + end_, 1, buffer_.size() - end_, file_);
  if (n == 0) {
    if (std::ferror(file_)) throw InputError("cannot read " + path_ + ": " + std::strerror(errno));
    eof_ = true;
    return false;
  }
  end_ += n;
  return true;
}

bool LineReader::next(std::string_view& line) {
  for (;;) {
    const char* newline = nullptr;
    size_t scanned = 0;  // bytes after begin_ known to hold no newline
    for (;;) {
      newline = static_cast<const char*>(
          std::memchr(buffer_.data() + begin_ + scanned, '\n', end_ - begin_ - scanned));
      if (newline) break;
      scanned = end_ - begin_;
      if (!fill()) break;  // fill() moves the partial line to the front of the buffer
    }
    size_t stop;
    if (newline) {
      stop = static_cast<size_t>(newline - buffer_.data());
    } else if (begin_ < end_) {
      stop = end_;  // the last line has no terminator
    } else {
      return false;
    }
    std::string_view text(buffer_.data() + begin_, stop - begin_);
    begin_ = newline ? stop + 1 : stop;
    ++line_number_;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (is_blank(text)) continue;
    line = text;
    return true;
  }
}

}  // namespace kvsim
