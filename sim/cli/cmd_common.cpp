#include "cli/commands.h"
#include "core/error.h"

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

}  // namespace kvsim
