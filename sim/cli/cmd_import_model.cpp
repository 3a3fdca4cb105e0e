// kvsim import-model CONFIG.json [--name NAME] [--source URL] [--out PATH|-] [--force]
#include <filesystem>
#include <fstream>
#include <iostream>

#include "catalog/catalog.h"
#include "catalog/hf_config.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"

namespace kvsim {

namespace {

const char* kImportAbout =
    "Writes a catalog entry (docs/models.md §1) from a Hugging Face config.json: Llama, Mistral,\n"
    "Qwen2, Yi, phi, Mixtral and Qwen MoE, Llama 4 (text_config), DeepSeek-V2/V3 (MLA and MoE).";

}  // namespace

int cmd_import_model(const Args& args) {
  std::string config_path, name, source, out;
  bool force = false;
  CommandLine cl("import-model", {"CONFIG.json [--name NAME] [--source URL] [--out PATH|-] [--force]"}, kImportAbout);
  cl.positional("CONFIG.json", config_path)
      .text("name", name, "NAME", "the catalog name (default: the last part of the config's _name_or_path)")
      .text("source", source, "URL",
            "where the config comes from, recorded as source.config (default: CONFIG.json as given; prefer the "
            "https://huggingface.co/<org>/<model>/blob/main/config.json URL)")
      .text("out", out, "PATH", "where to write (default: <catalog>/llm/NAME.json; - prints to stdout)")
      .flag("force", force, "overwrite an existing file")
      .epilogue("Add aliases (other names the model is known by) to the written file's \"aliases\" by hand.");
  if (const auto rc = cl.parse(args)) return *rc;
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
