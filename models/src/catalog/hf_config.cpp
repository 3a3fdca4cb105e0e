#include "catalog/hf_config.h"

#include <vector>

#include "catalog/catalog.h"
#include "core/json_reader.h"

namespace kvsim {

namespace {

constexpr int64_t kMaxDim = int64_t{1} << 30;

std::string weight_dtype(JsonReader& r) {
  const std::string t = r.string("torch_dtype", r.string("dtype", "bfloat16"));
  if (t == "float16" || t == "fp16" || t == "half") return "fp16";
  if (t == "float32" || t == "fp32") return "fp32";
  return "bf16";
}

// MoE fields of the architectures named in the header; adds to `entry`, returns notes.
std::vector<std::string> read_moe(JsonReader& r, const std::string& model_type, nlohmann::json& entry) {
  std::vector<std::string> notes;
  const bool deepseek = r.has("n_routed_experts");
  const char* experts_key = deepseek ? "n_routed_experts" : r.has("num_local_experts") ? "num_local_experts" : "num_experts";
  if (!r.has(experts_key)) return notes;
  const int64_t experts = r.required_integer(experts_key, 1, 1 << 20);
  if (experts <= 1) return notes;
  nlohmann::json moe;
  moe["num_experts"] = experts;
  moe["num_experts_per_tok"] = r.required_integer("num_experts_per_tok", 1, experts);
  const int64_t dense_width = entry["intermediate_size"].get<int64_t>();
  const int64_t width = r.integer("moe_intermediate_size", dense_width, 1, kMaxDim);
  moe["moe_intermediate_size"] = width;
  int64_t shared = r.integer("n_shared_experts", 0, 0, 1 << 16);
  if (model_type == "llama4_text" || model_type == "llama4") {
    // Llama 4: every MoE layer has one shared expert as wide as a routed one; intermediate_size
    // is the expert width and intermediate_size_mlp the dense layers' width.
    shared = 1;
    entry["intermediate_size"] = r.integer("intermediate_size_mlp", dense_width, 1, kMaxDim);
    const int64_t step = r.integer("interleave_moe_layer_step", 1, 1, 1 << 16);
    if (step != 1)
      r.errors().add(r.child("interleave_moe_layer_step"),
                     "expected 1 (every layer MoE; kvsim's catalog cannot interleave dense and MoE layers), found " +
                         std::to_string(step));
    notes.push_back("Llama 4: one shared expert per MoE layer; intermediate_size_mlp is the dense width");
  }
  if (r.has("shared_expert_intermediate_size")) {
    const int64_t s = r.integer("shared_expert_intermediate_size", 0, 0, kMaxDim);
    if (s % width != 0)
      r.errors().add(r.child("shared_expert_intermediate_size"),
                     "expected a multiple of the expert width " + std::to_string(width) +
                         " (kvsim's shared experts are as wide as routed ones), found " + std::to_string(s));
    else
      shared = s / width;
  }
  moe["num_shared_experts"] = shared;
  moe["first_dense_layers"] =
      r.integer("first_k_dense_replace", 0, 0, entry["num_layers"].get<int64_t>());
  entry["moe"] = moe;
  return notes;
}

void read_mla(JsonReader& r, nlohmann::json& entry) {
  if (!r.has("kv_lora_rank")) return;
  const int64_t nope = r.required_integer("qk_nope_head_dim", 1, kMaxDim);
  const int64_t rope = r.required_integer("qk_rope_head_dim", 0, kMaxDim);
  entry["mla"] = {{"kv_lora_rank", r.required_integer("kv_lora_rank", 1, kMaxDim)},
                  {"q_lora_rank", r.integer("q_lora_rank", 0, 0, kMaxDim)},
                  {"qk_nope_head_dim", nope},
                  {"qk_rope_head_dim", rope},
                  {"v_head_dim", r.required_integer("v_head_dim", 1, kMaxDim)}};
  entry["head_dim"] = nope + rope;
}

}  // namespace

std::string hf_config_model_name(const nlohmann::json& config) {
  if (!config.is_object() || !config.contains("_name_or_path") || !config["_name_or_path"].is_string()) return "";
  const std::string path = config["_name_or_path"].get<std::string>();
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

nlohmann::json catalog_entry_from_hf_config(const nlohmann::json& config, const std::string& source,
                                            const std::string& where) {
  ErrorList errors;
  if (!config.is_object()) {
    errors.add("", "expected a config.json object, found " + describe_json(config));
    errors.throw_if_any(where);
  }
  JsonReader top(config, "", errors);
  const std::string top_type = top.string("model_type", "");
  // Multimodal models keep the language model's shapes under text_config.
  const bool nested = config.contains("text_config") && config["text_config"].is_object();
  JsonReader r = nested ? top.object("text_config") : JsonReader(config, "", errors);
  const std::string model_type = nested ? r.string("model_type", top_type) : top_type;

  nlohmann::json e;
  const std::string name = hf_config_model_name(config);
  e["aliases"] = nlohmann::json::array();
  if (config.contains("_name_or_path") && config["_name_or_path"].is_string() &&
      config["_name_or_path"].get<std::string>() != name)
    e["aliases"].push_back(config["_name_or_path"]);
  e["num_layers"] = r.required_integer("num_hidden_layers", 1, 1 << 20);
  e["hidden_size"] = r.required_integer("hidden_size", 1, kMaxDim);
  const int64_t heads = r.required_integer("num_attention_heads", 1, 1 << 20);
  e["num_attention_heads"] = heads;
  e["num_kv_heads"] = r.integer("num_key_value_heads", heads, 1, 1 << 20);
  e["head_dim"] = r.integer("head_dim", heads > 0 ? e["hidden_size"].get<int64_t>() / heads : 1, 1, kMaxDim);
  e["intermediate_size"] = r.required_integer("intermediate_size", 1, kMaxDim);
  e["vocab_size"] = r.required_integer("vocab_size", 1, kMaxDim);
  e["max_position_embeddings"] = r.required_integer("max_position_embeddings", 1, kMaxDim);
  const bool phi = model_type == "phi";
  e["gated_mlp"] = !phi;
  e["tied_embeddings"] = r.boolean("tie_word_embeddings", top.boolean("tie_word_embeddings", false));
  e["qkv_bias"] = model_type == "qwen2" || model_type == "qwen2_moe" || r.boolean("attention_bias", false);
  if (phi) {
    e["linear_bias"] = true;
    e["layer_norm"] = true;
    e["parallel_attn_mlp"] = true;
  }
  e["weight_dtype"] = nested ? weight_dtype(r) : weight_dtype(top);
  read_mla(r, e);
  std::vector<std::string> notes = read_moe(r, model_type, e);
  errors.throw_if_any(where);

  if (!r.raw("sliding_window").is_null() && config.value("use_sliding_window", true))
    notes.push_back("sliding_window is not modelled (kvsim caches the full context)");
  if (r.has("attention_chunk_size")) notes.push_back("chunked local attention is not modelled");
  if (nested) notes.push_back("read from text_config; the vision tower is not modelled");
  std::string note = "imported by kvsim import-model (model_type " + (model_type.empty() ? "unknown" : model_type) + ")";
  for (const auto& n : notes) note += "; " + n;
  e["source"] = {{"config", source}, {"notes", note}};
  parse_llm_spec(e, name.empty() ? "imported" : name, where + " (as a catalog entry)");
  return e;
}

}  // namespace kvsim
