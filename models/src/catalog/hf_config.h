// Turns a Hugging Face `config.json` into a kvsim catalog entry (models/llm/<name>.json), so a
// user adds a model from its published numbers without writing the entry by hand.
//
// Read (the table of docs/models.md §1 in reverse): num_hidden_layers, hidden_size,
// num_attention_heads, num_key_value_heads (absent: = heads), head_dim (absent or null: hidden /
// heads), intermediate_size, vocab_size, max_position_embeddings, tie_word_embeddings,
// torch_dtype, attention_bias; Qwen2's q/k/v biases by model_type; phi's LayerNorm, parallel block
// and biases by model_type. Multimodal configs (Llama 4, Mistral 3) are read from `text_config`.
// Mixtures of experts:
//   Mixtral / Qwen3-MoE   num_local_experts or num_experts, num_experts_per_tok; the expert width
//                         is moe_intermediate_size, else intermediate_size
//   Llama 4               num_local_experts, num_experts_per_tok, one shared expert, expert width
//                         intermediate_size, dense width intermediate_size_mlp; only
//                         interleave_moe_layer_step 1 (every layer MoE) is representable
//   Qwen2-MoE             shared_expert_intermediate_size as a multiple of the expert width
//   DeepSeek-V2/V3        n_routed_experts, n_shared_experts, moe_intermediate_size,
//                         first_k_dense_replace; MLA: kv_lora_rank, q_lora_rank (null: 0),
//                         qk_nope_head_dim, qk_rope_head_dim, v_head_dim (head_dim = nope + rope)
// What the catalog cannot express (sliding windows, chunked attention, vision towers) is listed in
// source.notes. Every problem is an InputError naming `where` and the key's JSON pointer; the
// result always parses as a catalog entry (parse_llm_spec), which the importer checks.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace kvsim {

// `source` is the config's URL or path (becomes source.config). `where` prefixes errors.
nlohmann::json catalog_entry_from_hf_config(const nlohmann::json& config, const std::string& source,
                                            const std::string& where);

// The model's name from the config's `_name_or_path` ("org/Name" -> "Name"), or "" when absent.
std::string hf_config_model_name(const nlohmann::json& config);

}  // namespace kvsim
