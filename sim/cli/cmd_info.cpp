// kvsim info model NAME | gpu NAME | models | gpus
#include <iostream>

#include "catalog/catalog.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"

namespace kvsim {

int cmd_info(const Args& args) {
  std::string what, name;
  CommandLine cl("info", {"model NAME | gpu NAME | models | gpus"},
                 "  model NAME   the model's shape and derived figures (parameters, weight bytes per dtype,\n"
                 "               kv_bytes_per_token, ...)\n"
                 "  gpu NAME     the GPU's datasheet figures, price and ridge points\n"
                 "  models       names in the model catalog\n"
                 "  gpus         names in the GPU catalog");
  cl.positional("model|gpu|models|gpus", what).positional("NAME", name, false);
  if (const auto rc = cl.parse(args)) return *rc;
  const Catalog catalog = Catalog::open_default();
  if ((what == "models" || what == "gpus") && name.empty()) {
    std::cout << nlohmann::json(what == "models" ? catalog.llm_names() : catalog.gpu_names()).dump(2) << "\n";
    return 0;
  }
  if ((what != "model" && what != "gpu") || name.empty())
    throw InputError("expected `info model NAME` or `info gpu NAME` (see kvsim info --help)");
  const nlohmann::json j = what == "model" ? describe_llm(catalog.llm(name)) : describe_gpu(catalog.gpu(name));
  std::cout << j.dump(2) << "\n";
  return 0;
}

}  // namespace kvsim
