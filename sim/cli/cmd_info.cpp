// kvsim info model NAME | gpu NAME | models | gpus
#include <iostream>

#include "catalog/catalog.h"
#include "cli/commands.h"
#include "core/error.h"

namespace kvsim {

int cmd_info(const Args& args) {
  if (wants_help(args) || args.empty()) {
    std::cout << "usage: kvsim info model NAME   the model's shape and derived figures (parameters,\n"
                 "                               weight bytes per dtype, kv_bytes_per_token, ...)\n"
                 "       kvsim info gpu NAME     the GPU's datasheet figures, price and ridge points\n"
                 "       kvsim info models       names in the model catalog\n"
                 "       kvsim info gpus         names in the GPU catalog\n";
    return args.empty() ? 2 : 0;
  }
  const Catalog catalog = Catalog::open_default();
  const std::string& what = args[0];
  if (what == "models" || what == "gpus") {
    std::cout << nlohmann::json(what == "models" ? catalog.llm_names() : catalog.gpu_names()).dump(2) << "\n";
    return 0;
  }
  if ((what != "model" && what != "gpu") || args.size() != 2)
    throw InputError("expected `info model NAME` or `info gpu NAME` (see kvsim info --help)");
  const nlohmann::json j = what == "model" ? describe_llm(catalog.llm(args[1])) : describe_gpu(catalog.gpu(args[1]));
  std::cout << j.dump(2) << "\n";
  return 0;
}

}  // namespace kvsim
