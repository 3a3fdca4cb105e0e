#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"

#include <fstream>
#include <sstream>

namespace kvsim {

void write_text(const std::string& path, const std::string& text) { write_file_atomically(path, text); }

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the file");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace kvsim
