#include "catalog/catalog.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/excerpt.h"
#include "core/json_reader.h"
#include "core/json_text.h"

namespace kvsim {

namespace fs = std::filesystem;

namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::vector<std::string> stems(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return names;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json")
      names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// "org/Model-Name" -> "Model-Name"; a name without an organisation is returned unchanged.
std::string repo_basename(const std::string& s) {
  const auto slash = s.rfind('/');
  return slash == std::string::npos ? s : s.substr(slash + 1);
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s.empty() ? "(none)" : s;
}

std::vector<std::string> read_aliases_key(JsonReader& r, const std::string& key) {
  std::vector<std::string> out;
  const nlohmann::json& a = r.raw(key);
  if (a.is_null()) return out;
  if (!a.is_array()) {
    r.errors().add(r.child(key), "expected an array of strings, found " + describe_json(a));
    return out;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].is_string())
      out.push_back(a[i].get<std::string>());
    else
      r.errors().add(r.child(key) + "/" + std::to_string(i), "expected a string, found " + describe_json(a[i]));
  }
  return out;
}

std::vector<std::string> read_aliases(JsonReader& r) { return read_aliases_key(r, "aliases"); }

// "source" must be an object naming where the figures come from; `required` keys must be strings.
nlohmann::json read_source(JsonReader& r, const std::vector<std::string>& required) {
  const nlohmann::json& s = r.raw("source");
  if (!s.is_object()) {
    r.errors().add(r.child("source"),
                   "expected an object naming where each figure comes from, found " +
                       (s.is_null() ? std::string("nothing (required)") : describe_json(s)));
    return nlohmann::json::object();
  }
  for (const auto& key : required) {
    if (!s.contains(key) || !s[key].is_string())
      r.errors().add(json_pointer_child(r.child("source"), key),
                     "expected a string (where the figures come from), found " +
                         (s.contains(key) ? describe_json(s[key]) : std::string("nothing (required)")));
  }
  return s;
}

DType read_dtype(JsonReader& r, const std::string& key, DType def) {
  const std::string name =
      r.choice(key, dtype_name(def),
               {"fp32", "bf16", "fp16", "fp8", "int8", "int4", "float32", "bfloat16", "float16"});
  return parse_dtype(name);
}

uint32_t u32(JsonReader& r, const std::string& key, int64_t min, int64_t max = 1u << 30) {
  return static_cast<uint32_t>(r.required_integer(key, min, max));
}

}  // namespace

nlohmann::json read_json_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw InputError(path + ": is a folder, expected a JSON file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open file (" + (fs::exists(path, ec) ? "permission denied?" : "no such file") + ")");
  std::stringstream buf;
  buf << in.rdbuf();
  return parse_json_text(buf.str(), path);
}

// "generation_configs": [{"checkpoints": [names], "source": "address", sampling fields...}].
std::vector<GenerationConfig> read_generation_configs(JsonReader& r) {
  std::vector<GenerationConfig> out;
  const nlohmann::json& a = r.raw("generation_configs");
  if (a.is_null()) return out;
  if (!a.is_array()) {
    r.errors().add(r.child("generation_configs"), "expected an array of objects, found " + describe_json(a));
    return out;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    JsonReader g(a[i], r.child("generation_configs") + "/" + std::to_string(i), r.errors());
    GenerationConfig c;
    c.checkpoints = read_aliases_key(g, "checkpoints");
    if (c.checkpoints.empty()) g.errors().add(g.child("checkpoints"), "expected a non-empty array of checkpoint names");
    c.source = g.required_string("source");
    c.sampling.read(g);
    g.reject_unknown_keys();
    out.push_back(std::move(c));
  }
  return out;
}

LlmSpec parse_llm_spec(const nlohmann::json& j, const std::string& name, const std::string& where) {
  ErrorList errors;
  JsonReader r(j, "", errors);
  LlmSpec m;
  m.name = name;
  m.aliases = read_aliases(r);
  m.num_layers = u32(r, "num_layers", 1);
  m.hidden_size = u32(r, "hidden_size", 1);
  m.num_attention_heads = u32(r, "num_attention_heads", 1);
  m.num_kv_heads = u32(r, "num_kv_heads", 1);
  const int64_t default_head_dim = m.num_attention_heads ? m.hidden_size / m.num_attention_heads : 0;
  m.head_dim = static_cast<uint32_t>(r.integer("head_dim", default_head_dim, 1, 1 << 16));
  m.intermediate_size = u32(r, "intermediate_size", 1);
  m.vocab_size = u32(r, "vocab_size", 1);
  m.max_position_embeddings = u32(r, "max_position_embeddings", 1);
  m.gated_mlp = r.boolean("gated_mlp", true);
  m.tied_embeddings = r.boolean("tied_embeddings", false);
  m.qkv_bias = r.boolean("qkv_bias", false);
  m.linear_bias = r.boolean("linear_bias", false);
  m.layer_norm = r.boolean("layer_norm", false);
  m.parallel_attn_mlp = r.boolean("parallel_attn_mlp", false);
  m.distilled_from = r.string("distilled_from", "");
  m.weight_dtype = read_dtype(r, "weight_dtype", DType::kBf16);
  if (r.has("mla")) {
    JsonReader mla = r.object("mla");
    m.kv_lora_rank = u32(mla, "kv_lora_rank", 1);
    m.qk_rope_head_dim = u32(mla, "qk_rope_head_dim", 0);
    m.q_lora_rank = static_cast<uint32_t>(mla.integer("q_lora_rank", 0, 0, 1 << 20));
    m.qk_nope_head_dim = u32(mla, "qk_nope_head_dim", 1);
    m.v_head_dim = u32(mla, "v_head_dim", 1);
    mla.reject_unknown_keys();
  }
  if (r.has("moe")) {
    JsonReader moe = r.object("moe");
    m.num_experts = u32(moe, "num_experts", 1);
    m.num_experts_per_tok = u32(moe, "num_experts_per_tok", 1, m.num_experts ? m.num_experts : 1);
    m.num_shared_experts = static_cast<uint32_t>(moe.integer("num_shared_experts", 0, 0, 1 << 16));
    m.moe_intermediate_size = u32(moe, "moe_intermediate_size", 1);
    m.first_dense_layers = static_cast<uint32_t>(moe.integer("first_dense_layers", 0, 0, m.num_layers));
    moe.reject_unknown_keys();
  }
  m.source = read_source(r, {"config"});
  m.generation_configs = read_generation_configs(r);
  r.reject_unknown_keys();
  if (errors.empty()) {
    if (m.num_kv_heads > m.num_attention_heads || m.num_attention_heads % m.num_kv_heads != 0)
      errors.add("/num_kv_heads", "expected a divisor of num_attention_heads (" +
                                      std::to_string(m.num_attention_heads) + "), found " +
                                      std::to_string(m.num_kv_heads));
  }
  errors.throw_if_any(where);
  return m;
}

GpuSpec parse_gpu_spec(const nlohmann::json& j, const std::string& name, const std::string& where) {
  ErrorList errors;
  JsonReader r(j, "", errors);
  GpuSpec g;
  g.name = name;
  g.aliases = read_aliases(r);
  g.memory_bytes = r.required_number("memory_gib", 0.5, 1e6) * kGiB;
  g.peak_bf16_flops = r.required_number("bf16_tflops", 1e-3, 1e6) * 1e12;
  g.peak_fp8_flops = r.number("fp8_tflops", 0, 0, 1e6) * 1e12;
  g.peak_int8_ops = r.number("int8_tops", 0, 0, 1e6) * 1e12;
  g.hbm_bytes_per_s = r.required_number("hbm_gb_per_s", 1e-3, 1e7) * 1e9;
  g.nvlink_bytes_per_s = r.number("nvlink_gb_per_s", 0, 0, 1e7) * 1e9;
  g.pcie_bytes_per_s = r.required_number("pcie_gb_per_s", 1e-3, 1e7) * 1e9;
  g.usd_per_gpu_hour = r.required_number("usd_per_gpu_hour", 0, 1e6);
  g.sparsity_2_4 = r.boolean("sparsity_2_4", false);
  g.source = read_source(r, {"datasheet"});
  if (g.source.is_object() && !g.source.contains("price"))
    errors.add("/source/price",
               "expected an object naming the price list and its date, found nothing (required)");
  r.reject_unknown_keys();
  errors.throw_if_any(where);
  return g;
}

Catalog::Catalog(std::string models_dir) : dir_(std::move(models_dir)) {
  std::error_code ec;
  if (!fs::is_directory(dir_, ec))
    throw InputError("models directory \"" + dir_ +
                     "\" not found (set KVSIM_HOME to the folder that holds models/)");
}

Catalog Catalog::open_default() {
  const char* home = std::getenv("KVSIM_HOME");
  if (home && *home) return Catalog(std::string(home) + "/models");
#ifdef KVSIM_SOURCE_DIR
  return Catalog(std::string(KVSIM_SOURCE_DIR) + "/models");
#else
  return Catalog("models");
#endif
}

std::vector<std::string> Catalog::llm_names() const {
  return stems(dir_ + "/llm");
}
std::vector<std::string> Catalog::gpu_names() const {
  return stems(dir_ + "/gpu");
}

// The file stem `name` refers to: the stem itself, a case-insensitive stem, a case-insensitive
// alias, and last the same three without the organisation prefix of a Hugging Face repo id (so
// "Qwen2.5-7B-Instruct", "qwen/qwen2.5-7b-instruct" and "someone/Qwen2.5-7B-Instruct" all find
// the entry whose alias is "Qwen/Qwen2.5-7B-Instruct"). Earlier rules win; within a rule the
// first file in sorted order does.
std::string Catalog::resolve(const std::string& kind, const std::string& name) const {
  const std::string folder = dir_ + "/" + kind;
  const std::vector<std::string> known = stems(folder);
  const std::string what = kind == "llm" ? "model" : "GPU";
  if (name.empty())
    throw InputError("expected a " + what + " name, found an empty string (known in " + folder + ": " +
                     join(known) + ")");
  for (const auto& s : known)
    if (s == name) return s;
  std::vector<std::vector<std::string>> aliases;
  for (const auto& s : known) {
    aliases.emplace_back();
    const nlohmann::json j = read_json_file(folder + "/" + s + ".json");
    if (!j.is_object() || !j.contains("aliases") || !j["aliases"].is_array()) continue;
    for (const auto& a : j["aliases"])
      if (a.is_string()) aliases.back().push_back(a.get<std::string>());
  }
  const auto find = [&](const std::string& wanted, std::string (*key)(const std::string&)) -> const std::string* {
    for (const auto& s : known)
      if (key(s) == wanted) return &s;
    for (size_t i = 0; i < known.size(); ++i)
      for (const auto& a : aliases[i])
        if (key(a) == wanted) return &known[i];
    return nullptr;
  };
  if (const std::string* s = find(lower(name), [](const std::string& x) { return lower(x); })) return *s;
  if (const std::string* s = find(repo_basename(lower(name)), [](const std::string& x) { return repo_basename(lower(x)); }))
    return *s;
  const bool short_name = name.size() <= kExcerptChars;
  throw InputError("unknown " + what + " " + quoted_excerpt(name) + " (known in " + folder + ": " + join(known) +
                   "; add one by writing " + folder + "/" + (short_name ? name : std::string("NAME")) +
                   ".json, see docs/models.md)");
}

const GenerationConfig* find_generation_config(const LlmSpec& spec, const std::string& name) {
  // Case-insensitively, then without the organisation prefix on either side, as Catalog::resolve.
  for (int pass = 0; pass < 2; ++pass) {
    const auto key = [pass](const std::string& s) { return pass == 0 ? lower(s) : repo_basename(lower(s)); };
    for (const GenerationConfig& g : spec.generation_configs)
      for (const std::string& c : g.checkpoints)
        if (key(c) == key(name)) return &g;
  }
  return nullptr;
}

LlmSpec Catalog::llm(const std::string& name) const {
  const std::string stem = resolve("llm", name);
  const std::string path = dir_ + "/llm/" + stem + ".json";
  return parse_llm_spec(read_json_file(path), stem, path);
}

GpuSpec Catalog::gpu(const std::string& name) const {
  const std::string stem = resolve("gpu", name);
  const std::string path = dir_ + "/gpu/" + stem + ".json";
  return parse_gpu_spec(read_json_file(path), stem, path);
}

nlohmann::json describe_llm(const LlmSpec& m) {
  nlohmann::json j;
  j["name"] = m.name;
  j["aliases"] = m.aliases;
  j["num_layers"] = m.num_layers;
  j["hidden_size"] = m.hidden_size;
  j["num_attention_heads"] = m.num_attention_heads;
  j["num_kv_heads"] = m.num_kv_heads;
  j["head_dim"] = m.head_dim;
  j["intermediate_size"] = m.intermediate_size;
  j["vocab_size"] = m.vocab_size;
  j["max_position_embeddings"] = m.max_position_embeddings;
  j["gated_mlp"] = m.gated_mlp;
  j["tied_embeddings"] = m.tied_embeddings;
  j["qkv_bias"] = m.qkv_bias;
  j["linear_bias"] = m.linear_bias;
  j["layer_norm"] = m.layer_norm;
  j["parallel_attn_mlp"] = m.parallel_attn_mlp;
  j["weight_dtype"] = dtype_name(m.weight_dtype);
  if (!m.distilled_from.empty()) j["distilled_from"] = m.distilled_from;
  j["attention_kind"] = attention_kind_name(m.attention_kind());
  if (m.is_mla())
    j["mla"] = {{"kv_lora_rank", m.kv_lora_rank},
                {"q_lora_rank", m.q_lora_rank},
                {"qk_nope_head_dim", m.qk_nope_head_dim},
                {"qk_rope_head_dim", m.qk_rope_head_dim},
                {"v_head_dim", m.v_head_dim}};
  if (m.is_moe())
    j["moe"] = {{"num_experts", m.num_experts},
                {"num_experts_per_tok", m.num_experts_per_tok},
                {"num_shared_experts", m.num_shared_experts},
                {"moe_intermediate_size", m.moe_intermediate_size},
                {"first_dense_layers", m.first_dense_layers}};
  j["num_parameters"] = m.num_parameters();
  j["num_active_parameters"] = m.num_active_parameters();
  j["num_linear_parameters"] = m.num_linear_parameters();
  nlohmann::json wb;
  for (DType d : {DType::kBf16, DType::kFp8, DType::kInt8, DType::kInt4})
    wb[dtype_name(d)] = m.weight_bytes(d);
  j["weight_bytes"] = wb;
  nlohmann::json kv;
  for (DType d : {DType::kFp16, DType::kFp8, DType::kInt4}) kv[dtype_name(d)] = m.kv_bytes_per_token(d);
  j["kv_bytes_per_token"] = kv;
  j["kv_bytes_per_max_context_fp16"] =
      m.kv_bytes_per_token(DType::kFp16) * static_cast<uint64_t>(m.max_position_embeddings);
  j["source"] = m.source;
  if (!m.generation_configs.empty()) {
    nlohmann::json gc = nlohmann::json::array();
    for (const GenerationConfig& g : m.generation_configs)
      gc.push_back({{"checkpoints", g.checkpoints}, {"sampling", g.sampling.to_json()}, {"source", g.source}});
    j["generation_configs"] = gc;
  }
  return j;
}

nlohmann::json describe_gpu(const GpuSpec& g) {
  nlohmann::json j;
  j["name"] = g.name;
  j["aliases"] = g.aliases;
  j["memory_bytes"] = g.memory_bytes;
  j["memory_gib"] = g.memory_bytes / kGiB;
  j["peak_bf16_flops"] = g.peak_bf16_flops;
  j["peak_fp8_flops"] = g.peak_fp8_flops;
  j["peak_int8_ops"] = g.peak_int8_ops;
  j["hbm_bytes_per_s"] = g.hbm_bytes_per_s;
  j["nvlink_bytes_per_s"] = g.nvlink_bytes_per_s;
  j["pcie_bytes_per_s"] = g.pcie_bytes_per_s;
  j["interconnect_bytes_per_s"] = g.interconnect_bytes_per_s();
  j["sparsity_2_4"] = g.sparsity_2_4;
  j["usd_per_gpu_hour"] = g.usd_per_gpu_hour;
  nlohmann::json ridge;
  ridge["bf16"] = g.ridge_point();
  if (g.peak_fp8_flops > 0) ridge["fp8"] = g.peak_fp8_flops / g.hbm_bytes_per_s;
  if (g.peak_int8_ops > 0) ridge["int8"] = g.peak_int8_ops / g.hbm_bytes_per_s;
  j["ridge_point_flop_per_byte"] = ridge;
  j["seconds_to_read_all_memory"] = g.memory_bytes / g.hbm_bytes_per_s;
  j["source"] = g.source;
  return j;
}

}  // namespace kvsim
