// Helpers for the workload tests: temporary trace files and reading a whole source.
#pragma once
#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "workload/request_source.h"

#ifndef KVSIM_TEST_DATA
#define KVSIM_TEST_DATA "tests/data"
#endif

namespace kvsim::testing {

inline std::string test_trace(const std::string& name) {
  return std::string(KVSIM_TEST_DATA) + "/traces/" + name;
}

// A file in the temporary folder holding `text` exactly (bytes, no newline translation), removed
// when the object goes out of scope.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& text) {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("kvsim_wl_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + name))
                .string();
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::vector<RequestSpec> read_all(RequestSource& source, size_t limit = SIZE_MAX) {
  std::vector<RequestSpec> out;
  RequestSpec r;
  while (out.size() < limit && source.next(r)) out.push_back(r);
  return out;
}

}  // namespace kvsim::testing
