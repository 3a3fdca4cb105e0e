// Reads a text file one line at a time through a fixed buffer, so that a trace of any size costs
// the same memory. Lines end in "\n" or "\r\n"; blank lines are skipped; the line number of the
// last line returned is kept for error messages ("path:line: ...").
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace kvsim {

class LineReader {
 public:
  // Throws InputError "cannot open <path>: <reason>" when the file cannot be read.
  explicit LineReader(std::string path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line that is not blank, without its terminator; false at the end of the file. The
  // view stays valid until the next call.
  bool next(std::string_view& line);

  uint64_t line_number() const { return line_number_; }
  const std::string& path() const { return path_; }
  // "path:line", the prefix of every error about the current line.
  std::string where() const;

 private:
  bool fill();  // reads more bytes; false at end of file

  std::string path_;
  std::FILE* file_ = nullptr;
  std::vector<char> buffer_;
  size_t begin_ = 0;  // first unread byte
  size_t end_ = 0;    // one past the last valid byte
  bool eof_ = false;
  uint64_t line_number_ = 0;
};

}  // namespace kvsim
