// kvsim import-model: catalog entries from Hugging Face config.json files (catalog/hf_config.h).
#include <catch2/catch.hpp>

#include <string>

#include "catalog/catalog.h"
#include "catalog/hf_config.h"
#include "core/error.h"

using namespace kvsim;

namespace {

Catalog catalog() { return Catalog(std::string(KVSIM_SOURCE_DIR) + "/models"); }

nlohmann::json config(const std::string& file) {
  return read_json_file(std::string(KVSIM_TEST_DATA) + "/hf_configs/" + file);
}

LlmSpec imported(const std::string& file) {
  const nlohmann::json e = catalog_entry_from_hf_config(config(file), "https://example/config.json", file);
  return parse_llm_spec(e, "imported", file);
}

// The figures the simulator uses agree between two specs of one model.
void check_same_model(const LlmSpec& a, const LlmSpec& b) {
  CHECK(a.num_parameters() == b.num_parameters());
  CHECK(a.num_active_parameters() == b.num_active_parameters());
  CHECK(a.kv_bytes_per_token(DType::kFp16) == b.kv_bytes_per_token(DType::kFp16));
  CHECK(a.head_dim == b.head_dim);
  CHECK(a.max_position_embeddings == b.max_position_embeddings);
  CHECK(a.attention_kind() == b.attention_kind());
}

std::string error_of(const nlohmann::json& j) {
  try {
    catalog_entry_from_hf_config(j, "src", "config.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a Mistral config imports as the catalog's Mistral-Nemo-12B, explicit head_dim included") {
  const LlmSpec m = imported("Mistral-Nemo-Instruct-2407.config.json");
  check_same_model(m, catalog().llm("Mistral-Nemo-12B"));
  CHECK(m.head_dim == 128);  // not hidden_size / heads = 160
  CHECK(m.weight_dtype == DType::kBf16);
}

TEST_CASE("a Llama 4 config imports from text_config with its routed and shared experts") {
  const nlohmann::json e = catalog_entry_from_hf_config(config("Llama-4-Scout-17B-16E-Instruct.config.json"),
                                                        "https://example/config.json", "scout");
  CHECK(e["moe"]["num_experts"] == 16);
  CHECK(e["moe"]["num_shared_experts"] == 1);
  CHECK(e["moe"]["moe_intermediate_size"] == 8192);
  CHECK(e["intermediate_size"] == 16384);
  const std::string notes = e["source"]["notes"];
  CHECK_THAT(notes, Catch::Contains("chunked local attention is not modelled"));
  CHECK_THAT(notes, Catch::Contains("vision tower"));
  check_same_model(imported("Llama-4-Scout-17B-16E-Instruct.config.json"), catalog().llm("Llama-4-Scout-17B-16E"));
}

TEST_CASE("a DeepSeek-V2 config imports its latent attention and experts") {
  const LlmSpec m = imported("DeepSeek-V2-Lite.config.json");
  check_same_model(m, catalog().llm("DeepSeek-V2-Lite"));
  CHECK(m.kv_lora_rank == 512);
  CHECK(m.q_lora_rank == 0);  // null in config.json
  CHECK(m.first_dense_layers == 1);
  CHECK(m.num_shared_experts == 2);
}

TEST_CASE("an imported entry records its source and the config's name") {
  nlohmann::json c = config("Mistral-Nemo-Instruct-2407.config.json");
  c["_name_or_path"] = "mistralai/Mistral-Nemo-Instruct-2407";
  CHECK(hf_config_model_name(c) == "Mistral-Nemo-Instruct-2407");
  const nlohmann::json e = catalog_entry_from_hf_config(c, "https://hf.co/x/config.json", "c");
  CHECK(e["source"]["config"] == "https://hf.co/x/config.json");
  CHECK(e["aliases"][0] == "mistralai/Mistral-Nemo-Instruct-2407");
}

TEST_CASE("a config without a required shape or with interleaved MoE layers is an error naming the key") {
  nlohmann::json c = config("Mistral-Nemo-Instruct-2407.config.json");
  c.erase("hidden_size");
  CHECK_THAT(error_of(c), Catch::Contains("config.json") && Catch::Contains("/hidden_size"));
  nlohmann::json l = config("Llama-4-Scout-17B-16E-Instruct.config.json");
  l["text_config"]["interleave_moe_layer_step"] = 2;
  CHECK_THAT(error_of(l), Catch::Contains("/text_config/interleave_moe_layer_step"));
  CHECK_THAT(error_of(nlohmann::json::array()), Catch::Contains("expected a config.json object"));
}
