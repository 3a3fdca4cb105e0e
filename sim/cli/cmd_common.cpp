#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"

#include <fstream>
#include <sstream>

namespace kvsim {

bool wants_help(const Args& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") return true;
  return false;
}

std::string flag_value(const Args& args, size_t& i) {
  if (i + 1 >= args.size()) throw InputError(args[i] + " needs a value");
  return args[++i];
}

void write_text(const std::string& path, const std::string& text) { write_file_atomically(path, text); }

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the file");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace kvsim
