// The model and GPU catalogs: exact KV and parameter arithmetic, lookup by name, and errors.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "catalog/catalog.h"
#include "core/error.h"

using namespace kvsim;
namespace fs = std::filesystem;

namespace {

Catalog catalog() {
  return Catalog(std::string(KVSIM_SOURCE_DIR) + "/models");
}

// A scratch models directory that removes itself.
struct ScratchModels {
  fs::path root;
  ScratchModels() {
    root = fs::temp_directory_path() / ("kvsim_models_test_" + std::to_string(std::rand()) + "_" +
                                        std::to_string(reinterpret_cast<uintptr_t>(this)));
    fs::create_directories(root / "models" / "llm");
    fs::create_directories(root / "models" / "gpu");
  }
  ~ScratchModels() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  void write(const std::string& rel, const std::string& text) const {
    std::ofstream(root / "models" / rel) << text;
  }
  std::string dir() const { return (root / "models").string(); }
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("KV bytes per token are exact for MHA, GQA and MLA models") {
  const Catalog c = catalog();
  // layers x kv heads x head_dim x 2 (K and V) x 2 bytes
  CHECK(c.llm("Llama-3-70B").kv_bytes_per_token(DType::kFp16) == 327680);  // 80 x 8 x 128 x 2 x 2
  CHECK(c.llm("Llama-2-7B").kv_bytes_per_token(DType::kFp16) == 524288);   // 32 x 32 x 128 x 2 x 2
  CHECK(c.llm("Mistral-7B").kv_bytes_per_token(DType::kFp16) == 131072);   // 32 x 8 x 128 x 2 x 2
  CHECK(c.llm("Qwen2.5-7B").kv_bytes_per_token(DType::kBf16) == 57344);    // 28 x 4 x 128 x 2 x 2
  // MLA: layers x (kv_lora_rank + qk_rope_head_dim) x 2 bytes = 27 x 576 x 2
  const LlmSpec mla = c.llm("DeepSeek-V2-Lite");
  CHECK(mla.attention_kind() == AttentionKind::kMla);
  CHECK(mla.kv_bytes_per_token(DType::kFp16) == 31104);
  CHECK(mla.kv_bytes_per_token(DType::kFp8) == 15552);
}

TEST_CASE("fp8 KV halves the bytes and int4 KV adds one fp16 scale per 128 elements") {
  const LlmSpec m = catalog().llm("Llama-3-70B");
  CHECK(m.kv_bytes_per_token(DType::kFp8) == 163840);
  // Each 128-element K or V head vector: 64 bytes of int4 plus a 2-byte scale.
  CHECK(m.kv_bytes_per_token(DType::kInt4) == 80u * 8 * 2 * (64 + 2));
  // MLA latent of 576 elements: 288 bytes plus ceil(576 / 128) = 5 scales.
  CHECK(catalog().llm("DeepSeek-V2-Lite").kv_bytes_per_token(DType::kInt4) == 27u * (288 + 5 * 2));
}

TEST_CASE("KV per GPU splits kv heads across tensor-parallel ranks and replicates them beyond") {
  const Catalog c = catalog();
  const LlmSpec m = c.llm("Llama-3-70B");
  CHECK(m.kv_bytes_per_token_per_gpu(DType::kFp16, 4) == 81920);
  CHECK(m.kv_bytes_per_token_per_gpu(DType::kFp16, 8) == 40960);
  CHECK(m.kv_bytes_per_token_per_gpu(DType::kFp16, 16) == 40960);  // 8 kv heads, 1 per rank
  // An MLA latent is not split: every rank holds it.
  CHECK(c.llm("DeepSeek-V2-Lite").kv_bytes_per_token_per_gpu(DType::kFp16, 2) == 31104);
}

TEST_CASE("parameter counts are within 1% of the published sizes") {
  const Catalog c = catalog();
  // Published totals: Hugging Face model cards / safetensors parameter counts.
  const std::vector<std::pair<std::string, double>> published = {
      {"Llama-2-7B", 6.74e9},      {"Llama-2-13B", 13.0e9},  {"Llama-2-70B", 69.0e9},
      {"Llama-3-8B", 8.03e9},      {"Llama-3-70B", 70.6e9},  {"Mistral-7B", 7.24e9},
      {"Qwen2.5-7B", 7.61e9},      {"Qwen2.5-72B", 72.7e9},  {"phi-2", 2.78e9},
      {"internlm-20b", 20.0e9},    {"Llama-3.2-3B", 3.21e9}, {"DeepSeek-R1-Distill-Llama-8B", 8.03e9},
      {"DeepSeek-V2-Lite", 15.7e9}, {"Mistral-Nemo-12B", 12.2e9}, {"Yi-34B", 34.4e9},
      {"Llama-3.1-70B", 70.6e9}};
  for (const auto& [name, params] : published) {
    INFO(name);
    CHECK(static_cast<double>(c.llm(name).num_parameters()) == Approx(params).epsilon(0.01));
  }
}

TEST_CASE("an MoE model activates only its routed experts per token") {
  const LlmSpec m = catalog().llm("DeepSeek-V2-Lite");
  // DeepSeek's "2.4B activated" leaves out the embedding table.
  const double active_without_embeddings =
      static_cast<double>(m.num_active_parameters()) - static_cast<double>(m.vocab_size) * m.hidden_size;
  CHECK(active_without_embeddings == Approx(2.4e9).epsilon(0.03));
  CHECK(m.num_active_parameters() < m.num_parameters() / 5);
  const LlmSpec dense = catalog().llm("Llama-3-8B");
  CHECK(dense.num_active_parameters() == dense.num_parameters());
}

TEST_CASE(
    "weight bytes: 16-bit is two bytes a parameter; quantised dtypes shrink only the block linear layers") {
  const LlmSpec m = catalog().llm("Llama-3-8B");
  const uint64_t n = m.num_parameters(), linear = m.num_linear_parameters();
  CHECK(n == 8030261248ull);
  CHECK(m.weight_bytes(DType::kBf16) == 2 * n);
  CHECK(m.weight_bytes(DType::kFp8) == linear + 2 * (n - linear));
  CHECK(m.weight_bytes(DType::kInt8) == m.weight_bytes(DType::kFp8));
  CHECK(m.weight_bytes(DType::kInt4) == linear / 2 + (linear / 128) * 2 + 2 * (n - linear));
  // Embeddings and LM head (2 x 128256 x 4096) are not linear-layer weights.
  CHECK(n - linear == 2ull * 128256 * 4096 + 65ull * 4096);
}

TEST_CASE("tied embeddings are counted once") {
  const LlmSpec tied = catalog().llm("Llama-3.2-3B");
  REQUIRE(tied.tied_embeddings);
  LlmSpec untied = tied;
  untied.tied_embeddings = false;
  CHECK(untied.num_parameters() - tied.num_parameters() == 128256ull * 3072);
}

TEST_CASE("the catalog finds a model by file name, case-insensitively, or by an alias") {
  const Catalog c = catalog();
  CHECK(c.llm("Llama-2-7b-hf").name == "Llama-2-7B");  // the name in Vidur's profiling data
  CHECK(c.llm("meta-llama/Meta-Llama-3-8B").name == "Llama-3-8B");
  CHECK(c.llm("llama-3-8b").name == "Llama-3-8B");
  CHECK(c.llm("Meta-Llama-3-8B").name == "Llama-3-8B");
  CHECK(c.gpu("H100").name == "H100-SXM");
  CHECK(c.gpu("a100").name == "A100-80GB");
}

TEST_CASE("Llama-4 Scout has 17B active of about 109B parameters, its vision tower left out") {
  const LlmSpec m = catalog().llm("Llama-4-Scout-17B-16E");
  // Meta's model card: 17B active, 109B total (the total includes the ~0.9B vision encoder).
  CHECK(static_cast<double>(m.num_active_parameters()) == Approx(17.0e9).epsilon(0.015));
  CHECK(static_cast<double>(m.num_parameters()) == Approx(109e9).epsilon(0.02));
  CHECK(static_cast<double>(m.num_parameters()) < 109e9);
}

TEST_CASE("the model names of the vLLM serving data resolve, with or without the organisation") {
  const Catalog c = catalog();
  // The `model` fields of the H100 vLLM 0.15.1 runs the simulator replays (docs/models.md §1).
  CHECK(c.llm("RedHatAI/Llama-4-Scout-17B-16E-Instruct-FP8-dynamic").name == "Llama-4-Scout-17B-16E");
  CHECK(c.llm("meta-llama/Llama-3.1-70B-Instruct").name == "Llama-3.1-70B");
  CHECK(c.llm("mistralai/Mistral-Nemo-Instruct-2407").name == "Mistral-Nemo-12B");
  CHECK(c.llm("Qwen/Qwen2.5-7B-Instruct").name == "Qwen2.5-7B");
  CHECK(c.llm("01-ai/Yi-34B").name == "Yi-34B");
  CHECK(c.llm("meta-llama/Llama-2-7b-hf").name == "Llama-2-7B");
  // Without the organisation, in any case, or under another organisation's mirror.
  CHECK(c.llm("Llama-4-Scout-17B-16E-Instruct-FP8-dynamic").name == "Llama-4-Scout-17B-16E");
  CHECK(c.llm("qwen2.5-7b-instruct").name == "Qwen2.5-7B");
  CHECK(c.llm("someone/Yi-34B").name == "Yi-34B");
  CHECK(c.llm("RedHatAI/Llama-2-7b-hf").name == "Llama-2-7B");
  // Llama 3.1 is not Llama 3: same shapes, 16 times the positions.
  CHECK(c.llm("Llama-3.1-70B").max_position_embeddings == 131072);
  CHECK(c.llm("Llama-3-70B").max_position_embeddings == 8192);
}

TEST_CASE("an unknown model or GPU is an error listing the known ones") {
  const Catalog c = catalog();
  const std::string e = error_of([&] { c.llm("Llama-5-1T"); });
  CHECK_THAT(e, Catch::Contains("unknown model \"Llama-5-1T\""));
  CHECK_THAT(e, Catch::Contains("Llama-3-70B"));
  CHECK_THAT(e, Catch::Contains("phi-2"));
  const std::string g = error_of([&] { c.gpu("B300"); });
  CHECK_THAT(g, Catch::Contains("unknown GPU \"B300\""));
  CHECK_THAT(g, Catch::Contains("H100-SXM"));
}

TEST_CASE("a malformed catalog entry is an error naming the file and each JSON pointer") {
  ScratchModels s;
  s.write("llm/Broken.json", R"({
    "num_layers": "eighty", "hiden_size": 4096, "hidden_size": 4096, "num_attention_heads": 32,
    "num_kv_heads": 8, "intermediate_size": 14336, "vocab_size": 128256,
    "max_position_embeddings": 8192, "source": {"config": "https://example.org/config.json"},
    "mla": {"kv_lora_rank": 512, "rank": 3}
  })");
  const std::string e = error_of([&] { Catalog(s.dir()).llm("Broken"); });
  CHECK_THAT(e, Catch::Contains("Broken.json"));
  CHECK_THAT(e, Catch::Contains("/num_layers: expected an integer"));
  CHECK_THAT(e, Catch::Contains("the string \"eighty\""));
  CHECK_THAT(e, Catch::Contains("/hiden_size: unknown field"));
  CHECK_THAT(e, Catch::Contains("/mla/rank: unknown field"));
  CHECK_THAT(e, Catch::Contains("/mla/qk_rope_head_dim"));
}

TEST_CASE("a catalog file that is not JSON is an error naming file, line and column") {
  ScratchModels s;
  s.write("gpu/Bad.json", "{\n  \"memory_gib\": 80,\n  \"bf16_tflops\": ,\n}\n");
  const std::string e = error_of([&] { Catalog(s.dir()).gpu("Bad"); });
  CHECK_THAT(e, Catch::Contains("Bad.json:3:"));
  CHECK_THAT(e, Catch::Contains("invalid JSON"));
}

TEST_CASE("every catalog entry needs a source; a GPU also names its price list") {
  ScratchModels s;
  s.write("gpu/NoPrice.json", R"({"memory_gib": 80, "bf16_tflops": 100, "hbm_gb_per_s": 1000,
    "pcie_gb_per_s": 32, "usd_per_gpu_hour": 1, "source": {"datasheet": "vendor"}})");
  s.write("llm/NoSource.json", R"({"num_layers": 2, "hidden_size": 64, "num_attention_heads": 4,
    "num_kv_heads": 4, "intermediate_size": 128, "vocab_size": 100, "max_position_embeddings": 64})");
  const Catalog c(s.dir());
  CHECK_THAT(error_of([&] { c.gpu("NoPrice"); }), Catch::Contains("/source/price"));
  CHECK_THAT(error_of([&] { c.llm("NoSource"); }), Catch::Contains("/source: expected an object"));
}

TEST_CASE("a dropped-in model file is found without recompiling") {
  ScratchModels s;
  s.write("llm/Tiny.json", R"({"aliases": ["org/tiny-v1"], "num_layers": 2, "hidden_size": 64,
    "num_attention_heads": 4, "num_kv_heads": 2, "intermediate_size": 128, "vocab_size": 100,
    "max_position_embeddings": 64, "source": {"config": "hand-written for a test"}})");
  const Catalog c(s.dir());
  CHECK(c.llm_names() == std::vector<std::string>{"Tiny"});
  const LlmSpec m = c.llm("org/tiny-v1");
  CHECK(m.name == "Tiny");
  CHECK(m.head_dim == 16);  // hidden_size / num_attention_heads when head_dim is absent
  CHECK(m.attention_kind() == AttentionKind::kGqa);
  CHECK(m.kv_bytes_per_token(DType::kFp16) == 2u * 2 * 16 * 2 * 2);
}

TEST_CASE("every shipped catalog entry loads and names where its figures come from") {
  const Catalog c = catalog();
  REQUIRE(c.llm_names().size() >= 13);
  for (const auto& name : c.llm_names()) {
    INFO(name);
    const LlmSpec m = c.llm(name);
    CHECK(m.source["config"].get<std::string>().find("huggingface.co") != std::string::npos);
    CHECK(m.num_parameters() > 0);
  }
  REQUIRE(c.gpu_names().size() >= 5);
  for (const auto& name : c.gpu_names()) {
    INFO(name);
    const GpuSpec g = c.gpu(name);
    CHECK(g.source.contains("datasheet"));
    CHECK(g.source["price"].contains("list"));
    CHECK(g.usd_per_gpu_hour > 0);
  }
}

TEST_CASE("GPU figures are converted from the datasheet's units") {
  const GpuSpec h = catalog().gpu("H100-SXM");
  CHECK(h.peak_bf16_flops == Approx(989.5e12));
  CHECK(h.peak_fp8_flops == Approx(1979e12));
  CHECK(h.hbm_bytes_per_s == Approx(3.35e12));
  CHECK(h.nvlink_bytes_per_s == Approx(450e9));
  CHECK(h.memory_bytes == Approx(79.22 * 1024 * 1024 * 1024));
  const GpuSpec l = catalog().gpu("L40S");
  CHECK(l.nvlink_bytes_per_s == 0);
  CHECK(l.interconnect_bytes_per_s() == Approx(32e9));  // PCIe when there is no NVLink
  CHECK_FALSE(catalog().gpu("V100-32GB").sparsity_2_4);
}

TEST_CASE("describe_llm reports the attention kind and the derived figures") {
  const Catalog c = catalog();
  CHECK(describe_llm(c.llm("Llama-2-7B"))["attention_kind"] == "mha");
  CHECK(describe_llm(c.llm("Llama-3-8B"))["attention_kind"] == "gqa");
  const nlohmann::json d = describe_llm(c.llm("DeepSeek-V2-Lite"));
  CHECK(d["attention_kind"] == "mla");
  CHECK(d["kv_bytes_per_token"]["fp16"] == 31104);
  CHECK(d["weight_bytes"].contains("int4"));
  CHECK(d["moe"]["num_experts"] == 64);
  const nlohmann::json l = describe_llm(c.llm("Llama-3-70B"));
  CHECK(l["kv_bytes_per_token"]["fp16"] == 327680);
  CHECK(l["kv_bytes_per_token"]["fp8"] == 163840);
  CHECK(l["weight_bytes"]["bf16"] == 2 * l["num_parameters"].get<uint64_t>());
}

TEST_CASE("describe_gpu reports the ridge point in FLOP per byte") {
  const nlohmann::json d = describe_gpu(catalog().gpu("H100-SXM"));
  CHECK(d["ridge_point_flop_per_byte"]["bf16"].get<double>() == Approx(989.5 / 3.35));
  CHECK(d["ridge_point_flop_per_byte"]["fp8"].get<double>() == Approx(1979 / 3.35));
  CHECK_FALSE(describe_gpu(catalog().gpu("A100-80GB"))["ridge_point_flop_per_byte"].contains("fp8"));
}

TEST_CASE("dtype names parse, print and size") {
  CHECK(parse_dtype("fp8") == DType::kFp8);
  CHECK(parse_dtype("bfloat16") == DType::kBf16);
  CHECK(dtype_name(DType::kInt4) == "int4");
  CHECK(dtype_bytes(DType::kInt4) == 0.5);
  CHECK(dtype_bytes(DType::kFp32) == 4);
  CHECK_THAT(error_of([] { parse_dtype("fp6"); }), Catch::Contains("fp32, bf16, fp16, fp8, int8, int4"));
}

TEST_CASE("the default catalog is $KVSIM_HOME/models when KVSIM_HOME is set") {
  ScratchModels s;
  ::setenv("KVSIM_HOME", s.root.string().c_str(), 1);
  const std::string dir = Catalog::open_default().models_dir();
  ::unsetenv("KVSIM_HOME");
  CHECK(dir == s.dir());
  CHECK(Catalog::open_default().models_dir() == std::string(KVSIM_SOURCE_DIR) + "/models");
  CHECK_THROWS_AS(Catalog("/nonexistent/kvsim/models"), InputError);
}
