#include "fuzz_util.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace kvsim::fuzz {

std::string write_input_file(std::string_view text, const char* suffix) {
  static const std::string path = (std::filesystem::temp_directory_path() /
                                   ("kvsim_fuzz_" + std::to_string(::getpid()) + suffix))
                                      .string();
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(text.data(), static_cast<std::streamsize>(text.size()));
  return path;
}

}  // namespace kvsim::fuzz
