// Catalog: the LLM and GPU specs under a models directory, loaded by name from
//   <models_dir>/llm/<name>.json   and   <models_dir>/gpu/<name>.json
// A user adds a model or a GPU by dropping a file there; nothing is compiled in. A name matches a
// file's stem exactly, then case-insensitively, then any entry of a file's "aliases" array (so
// "Llama-2-7b-hf" and "meta-llama/Llama-2-7b-hf" load Llama-2-7B.json), then the same without a
// Hugging Face organisation prefix on either side ("Qwen2.5-7B-Instruct" finds the alias
// "Qwen/Qwen2.5-7B-Instruct", "RedHatAI/Llama-2-7b-hf" the alias "Llama-2-7b-hf"). An unknown name is an
// InputError listing the known names; a malformed file is an InputError naming the file and the
// JSON pointer of every problem (unknown keys included). The file format is in docs/models.md.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/llm_spec.h"

namespace kvsim {

class Catalog {
 public:
  explicit Catalog(std::string models_dir);
  // $KVSIM_HOME/models when KVSIM_HOME is set, else the source tree's models/ (KVSIM_SOURCE_DIR).
  static Catalog open_default();

  const std::string& models_dir() const { return dir_; }
  LlmSpec llm(const std::string& name) const;
  GpuSpec gpu(const std::string& name) const;
  // File stems, sorted.
  std::vector<std::string> llm_names() const;
  std::vector<std::string> gpu_names() const;

 private:
  std::string resolve(const std::string& kind, const std::string& name) const;
  std::string dir_;
};

// Parse one catalog entry. `name` becomes the spec's name; `where` prefixes error messages (the
// file path, or a scenario's JSON pointer for an inline spec). Throws InputError.
LlmSpec parse_llm_spec(const nlohmann::json& j, const std::string& name, const std::string& where);
GpuSpec parse_gpu_spec(const nlohmann::json& j, const std::string& name, const std::string& where);
// Reads a JSON file; a syntax error becomes an InputError naming path, line and column.
nlohmann::json read_json_file(const std::string& path);

// The catalog facts plus derived figures, for `kvsim info` and summaries:
// LLM: shape, attention kind, num_parameters, num_active_parameters, weight_bytes by weight dtype
// (bf16, fp8, int8, int4), kv_bytes_per_token by kv dtype (fp16, fp8, int4), source.
// GPU: datasheet figures, ridge points (FLOP/byte) for bf16/fp8/int8, price, source.
nlohmann::json describe_llm(const LlmSpec& spec);
// The generation config of the checkpoint `name` names (a scenario's "model"), matched as
// Catalog::resolve matches names; null when the catalog records none for it.
const GenerationConfig* find_generation_config(const LlmSpec& spec, const std::string& name);
nlohmann::json describe_gpu(const GpuSpec& spec);

}  // namespace kvsim
