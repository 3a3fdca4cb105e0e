// kvsim import-model CONFIG.json [--name NAME] [--source URL] [--out PATH|-] [--force]
#include <filesystem>
#include <fstream>
#include <iostream>

#include "catalog/catalog.h"
#include "catalog/hf_config.h"
#include "cli/commands.h"
#include "core/error.h"

namespace kvsim {

namespace {

const char* kImportUsage =
    "usage: kvsim import-model CONFIG.json [--name NAME] [--source URL] [--out PATH|-] [--force]\n\n"
    "Writes a catalog entry (docs/models.md §1) from a Hugging Face config.json: Llama, Mistral,\n"
    "Qwen2, Yi, phi, Mixtral and Qwen MoE, Llama 4 (text_config), DeepSeek-V2/V3 (MLA and MoE).\n"
    "  --name NAME    the catalog name (default: the last part of the config's _name_or_path)\n"
    "  --source URL   where the config comes from, recorded as source.config (default: CONFIG.json\n"
    "                 as given; prefer the https://huggingface.co/<org>/<model>/blob/main/config.json URL)\n"
    "  --out PATH     where to write (default: <catalog>/llm/NAME.json; - prints to stdout)\n"
    "  --force        overwrite an existing file\n"
    "Add aliases (other names the model is known by) to the written file's \"aliases\" by hand.\n";

}  // namespace

int cmd_import_model(const Args& args) {
  if (wants_help(args) || args.empty()) {
    (args.empty() ? std::cerr : std::cout) << kImportUsage;
    return args.empty() ? 2 : 0;
  }
  std::string config_path, name, source, out;
  bool force = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--name") name = flag_value(args, i);
    else if (a == "--source") source = flag_value(args, i);
    else if (a == "--out") out = flag_value(args, i);
    else if (a == "--force") force = true;
    else if (!a.empty() && a[0] == '-') throw InputError("unknown flag " + a + " (see kvsim import-model --help)");
    else if (config_path.empty()) config_path = a;
    else throw InputError("expected one CONFIG.json, found a second argument \"" + a + "\"");
  }
  if (config_path.empty()) throw InputError("expected a CONFIG.json (see kvsim import-model --help)");
  const nlohmann::json config = read_json_file(config_path);
  if (name.empty()) name = hf_config_model_name(config);
  if (name.empty())
    throw InputError(config_path + ": no _name_or_path to name the model by; give --name NAME");
  nlohmann::json entry = catalog_entry_from_hf_config(config, source.empty() ? config_path : source, config_path);
  // The importer's name may differ from the config's: keep the config's as an alias.
  nlohmann::json aliases = nlohmann::json::array();
  const std::string config_name = hf_config_model_name(config);
  if (!config_name.empty() && config_name != name) aliases.push_back(config_name);
  for (const auto& a : entry["aliases"]) aliases.push_back(a);
  entry["aliases"] = aliases;

  const std::string text = entry.dump(2) + "\n";
  if (out == "-") {
    std::cout << text;
    return 0;
  }
  if (out.empty()) out = Catalog::open_default().models_dir() + "/llm/" + name + ".json";
  std::error_code ec;
  if (!force && std::filesystem::exists(out, ec))
    throw InputError(out + " exists; pass --force to overwrite it or --out another path");
  std::ofstream f(out);
  if (!(f << text)) throw InputError(out + ": cannot write the catalog entry");
  std::cerr << "kvsim import-model: wrote " << out << " (" << name << "); check it with `kvsim info model "
            << name << "`\n";
  return 0;
}

}  // namespace kvsim
