// What the libFuzzer harnesses share. A harness feeds its input to one reader; an InputError is
// the expected answer to bad input, and anything else (another exception, a crash, a sanitizer
// report, a hang) is a bug that libFuzzer reports with the input that caused it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kvsim::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A file holding `text`, rewritten for each input (one per process, so that parallel fuzzing
// jobs do not share it), for the readers that take a path.
std::string write_input_file(std::string_view text, const char* suffix);

}  // namespace kvsim::fuzz
