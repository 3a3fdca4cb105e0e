#include "cli/commands.h"
#include "core/error.h"

#include <cstdio>
#include <filesystem>
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

void write_text(const std::string& path, const std::string& text) {
  // Written beside the target and renamed over it, so a failure never leaves half a file.
  const std::string tmp = path + ".partial";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(path + ": cannot open for writing");
    out << text;
    if (!out.flush()) {
      std::remove(tmp.c_str());
      throw InputError(path + ": write failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw InputError(path + ": cannot replace the file: " + ec.message());
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the file");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace kvsim
