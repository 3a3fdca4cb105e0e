#include "perf/vidur_import.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/error.h"
#include "perf/calibrated_operators.h"

namespace kvsim {

namespace {

constexpr std::array<const char*, kNumVidurOps> kVidurOpNames = {
    "emb",        "input_layernorm", "attn_pre_proj", "attn_rope",    "attn_post_proj",
    "post_attention_layernorm", "mlp_up_proj", "mlp_act", "mlp_down_proj", "add"};

// A comma-separated file without quoting (Vidur's pandas output): the header names the columns.
class PlainCsv {
 public:
  explicit PlainCsv(const std::string& path) : path_(path), in_(path) {
    if (!in_) throw InputError(path + ": cannot open the file");
    std::string line;
    while (std::getline(in_, line)) {
      ++line_;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      header_ = split(line);
      return;
    }
    throw InputError(path + ": the file is empty (expected a CSV header)");
  }

  int find(const std::string& name) const {
    for (size_t i = 0; i < header_.size(); ++i)
      if (header_[i] == name) return static_cast<int>(i);
    return -1;
  }
  size_t require(const std::string& name) const {
    const int i = find(name);
    if (i < 0) throw InputError(path_ + ":1: missing column \"" + name + "\"");
    return static_cast<size_t>(i);
  }

  bool next() {
    std::string line;
    while (std::getline(in_, line)) {
      ++line_;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      fields_ = split(line);
      if (fields_.size() != header_.size())
        fail("expected " + std::to_string(header_.size()) + " fields as in the header, found " +
             std::to_string(fields_.size()));
      return true;
    }
    return false;
  }

  const std::string& field(size_t i) const { return fields_[i]; }
  std::string where() const { return path_ + ":" + std::to_string(line_); }
  [[noreturn]] void fail(const std::string& what) const { throw InputError(where() + ": " + what); }

  double number(size_t i) const {
    const std::string& s = fields_[i];
    double v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v))
      fail(header_[i] + ": expected a number, found \"" + s + "\"");
    return v;
  }
  uint32_t count(size_t i) const {
    const double v = number(i);
    if (v < 0 || v != std::floor(v) || v > 4294967295.0)
      fail(header_[i] + ": expected a non-negative integer, found \"" + fields_[i] + "\"");
    return static_cast<uint32_t>(v);
  }
  bool flag(size_t i) const {
    const std::string& s = fields_[i];
    if (s == "True" || s == "true" || s == "1") return true;
    if (s == "False" || s == "false" || s == "0") return false;
    fail(header_[i] + ": expected True or False, found \"" + s + "\"");
  }

 private:
  static std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t i = 0; i <= line.size(); ++i)
      if (i == line.size() || line[i] == ',') {
        std::string f = line.substr(start, i - start);
        while (!f.empty() && (f.back() == '\r' || f.back() == ' ')) f.pop_back();
        while (!f.empty() && f.front() == ' ') f.erase(f.begin());
        out.push_back(std::move(f));
        start = i + 1;
      }
    return out;
  }

  std::string path_;
  std::ifstream in_;
  uint64_t line_ = 0;
  std::vector<std::string> header_, fields_;
};

std::string model_name_of(const std::string& path) {
  std::string stem = std::filesystem::path(path).stem().string();
  const std::string suffix = "_mlp";
  if (stem.size() > suffix.size() && stem.compare(stem.size() - suffix.size(), suffix.size(), suffix) == 0)
    stem.resize(stem.size() - suffix.size());
  return stem;
}

const LinearOp* find_linear(const LayerPlan& layer, LayerOp op) {
  const LinearOp* found = nullptr;
  for (const auto& g : layer.linears)
    if (g.op == op) {
      if (found) return nullptr;  // several GEMMs (MLA): no single shape to attribute the time to
      found = &g;
    }
  return found;
}

const ElementwiseTerm* find_elementwise(const LayerPlan& layer, LayerOp op) {
  for (const auto& e : layer.elementwise)
    if (e.op == op) return &e;
  return nullptr;
}

}  // namespace

double VidurMlpRow::layer_ms() const {
  double sum = 0;
  for (size_t i = 0; i < kNumVidurOps; ++i)
    if (static_cast<VidurOp>(i) != VidurOp::kEmb && median_ms[i]) sum += *median_ms[i];
  return sum;
}

std::vector<VidurMlpRow> read_vidur_mlp_csv(const std::string& path) {
  PlainCsv csv(path);
  std::array<int, kNumVidurOps> op_col;
  bool any_op = false;
  for (size_t i = 0; i < kNumVidurOps; ++i) {
    op_col[i] = csv.find(std::string("time_stats.") + kVidurOpNames[i] + ".median");
    any_op = any_op || op_col[i] >= 0;
  }
  if (!any_op)
    throw InputError(path + ":1: no time_stats.<operator>.median column; is this a Vidur *_mlp.csv file?");
  const size_t c_head = csv.require("n_head"), c_kv = csv.require("n_kv_head"), c_embd = csv.require("n_embd");
  const size_t c_exp = csv.require("n_expanded_embd"), c_vocab = csv.require("vocab_size");
  const size_t c_gated = csv.require("use_gated_mlp"), c_tokens = csv.require("num_tokens");
  const size_t c_tp = csv.require("num_tensor_parallel_workers");
  const std::string model = model_name_of(path);
  std::vector<VidurMlpRow> rows;
  while (csv.next()) {
    VidurMlpRow r;
    r.model = model;
    r.where = csv.where();
    r.num_tokens = csv.count(c_tokens);
    r.tp = csv.count(c_tp);
    r.n_head = csv.count(c_head);
    r.n_kv_head = csv.count(c_kv);
    r.n_embd = csv.count(c_embd);
    r.n_expanded_embd = csv.count(c_exp);
    r.vocab_size = csv.count(c_vocab);
    r.gated_mlp = csv.flag(c_gated);
    r.has_post_attention_layernorm = op_col[static_cast<size_t>(VidurOp::kPostAttentionLayernorm)] >= 0;
    if (r.num_tokens == 0 || r.tp == 0 || r.n_head == 0 || r.n_embd % r.n_head != 0)
      csv.fail("num_tokens, num_tensor_parallel_workers and n_head must be > 0 and n_head must divide n_embd");
    for (size_t i = 0; i < kNumVidurOps; ++i) {
      if (op_col[i] < 0 || csv.field(static_cast<size_t>(op_col[i])).empty()) continue;
      const double ms = csv.number(static_cast<size_t>(op_col[i]));
      if (ms > 0) r.median_ms[i] = ms;
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<VidurMlpRow> read_vidur_mlp_dir(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw InputError(dir + ": not a directory of Vidur *_mlp.csv files");
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.size() > 8 && name.compare(name.size() - 8, 8, "_mlp.csv") == 0)
      files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw InputError(dir + ": no *_mlp.csv files");
  std::vector<VidurMlpRow> rows;
  for (const auto& f : files) {
    auto part = read_vidur_mlp_csv(f);
    rows.insert(rows.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
  }
  return rows;
}

std::vector<VidurCollectiveRow> read_vidur_collective_csv(const std::string& path) {
  PlainCsv csv(path);
  int c_time = csv.find("time_stats.all_reduce.median");
  CollectiveOp op = CollectiveOp::kAllReduce;
  if (c_time < 0) {
    c_time = csv.find("time_stats.send_recv.median");
    op = CollectiveOp::kSendRecv;
  }
  if (c_time < 0)
    throw InputError(path + ":1: missing column \"time_stats.all_reduce.median\" or \"time_stats.send_recv.median\"");
  const size_t c_workers = csv.require("num_workers"), c_size = csv.require("size");
  const size_t c_per_node = csv.require("devices_per_node");
  std::vector<VidurCollectiveRow> rows;
  while (csv.next()) {
    VidurCollectiveRow r;
    r.where = csv.where();
    r.op = op;
    r.ranks = csv.count(c_workers);
    r.ranks_per_node = std::min(csv.count(c_per_node), r.ranks);
    r.bytes = csv.number(c_size);
    r.median_ms = csv.number(static_cast<size_t>(c_time));
    if (r.ranks < 2 || r.ranks_per_node == 0 || !(r.bytes > 0) || !(r.median_ms > 0))
      csv.fail("expected num_workers >= 2, devices_per_node >= 1, size > 0 and a positive median time");
    rows.push_back(r);
  }
  return rows;
}

LlmSpec vidur_model_spec(const VidurMlpRow& row, const Catalog* catalog) {
  if (catalog) {
    std::optional<LlmSpec> known;
    try {
      known = catalog->llm(row.model);
    } catch (const InputError&) {
      // Not in the catalog: built from the CSV below.
    }
    if (known) {
      auto check = [&](const char* what, uint64_t catalog_value, uint64_t csv_value, const char* column) {
        if (catalog_value != csv_value)
          throw InputError(row.where + ": the catalog's " + known->name + " has " + what + " " +
                           std::to_string(catalog_value) + " but the CSV's " + column + " is " +
                           std::to_string(csv_value) + "; fix the catalog entry or rename the file");
      };
      check("hidden_size", known->hidden_size, row.n_embd, "n_embd");
      check("num_attention_heads", known->num_attention_heads, row.n_head, "n_head");
      check("num_kv_heads", known->num_kv_heads, row.n_kv_head, "n_kv_head");
      check("intermediate_size", known->intermediate_size, row.n_expanded_embd, "n_expanded_embd");
      check("gated_mlp", known->gated_mlp, row.gated_mlp, "use_gated_mlp");
      return *known;
    }
  }
  LlmSpec s;
  s.name = row.model;
  s.num_layers = 32;  // per-layer operators do not depend on it
  s.hidden_size = row.n_embd;
  s.num_attention_heads = row.n_head;
  s.num_kv_heads = row.n_kv_head;
  s.head_dim = row.n_embd / row.n_head;
  s.intermediate_size = row.n_expanded_embd;
  s.vocab_size = row.vocab_size;
  s.max_position_embeddings = 4096;
  s.gated_mlp = row.gated_mlp;
  s.parallel_attn_mlp = !row.has_post_attention_layernorm;
  s.source = {{"built_from", row.where}};
  return s;
}

std::optional<LayerOp> vidur_layer_op(VidurOp op) {
  switch (op) {
    case VidurOp::kInputLayernorm: return LayerOp::kInputNorm;
    case VidurOp::kAttnPreProj: return LayerOp::kQkvProj;
    case VidurOp::kAttnRope: return LayerOp::kRotary;
    case VidurOp::kAttnPostProj: return LayerOp::kOProj;
    case VidurOp::kPostAttentionLayernorm: return LayerOp::kPostAttentionNorm;
    case VidurOp::kMlpUpProj: return LayerOp::kGateUpProj;
    case VidurOp::kMlpAct: return LayerOp::kActivation;
    case VidurOp::kMlpDownProj: return LayerOp::kDownProj;
    case VidurOp::kAdd: return LayerOp::kResidualAdd;
    default: return std::nullopt;
  }
}

size_t add_vidur_mlp(ProfileBuilder& builder, const std::vector<VidurMlpRow>& rows, const GpuSpec& gpu,
                     const Catalog* catalog) {
  std::map<std::string, LlmSpec> specs;
  std::map<std::pair<std::string, uint32_t>, ModelPlan> plans;
  size_t added = 0;
  for (const VidurMlpRow& row : rows) {
    auto spec = specs.find(row.model);
    if (spec == specs.end()) spec = specs.emplace(row.model, vidur_model_spec(row, catalog)).first;
    auto plan = plans.find({row.model, row.tp});
    if (plan == plans.end()) {
      Deployment d;
      d.tensor_parallel = row.tp;
      try {
        plan = plans.emplace(std::make_pair(row.model, row.tp), plan_model(spec->second, gpu, d)).first;
      } catch (const InputError& e) {
        throw InputError(row.where + ": " + e.what());
      }
    }
    const LayerPlan& layer = plan->second.layers.front();
    const double tokens = row.num_tokens;
    for (size_t i = 0; i < kNumVidurOps; ++i) {
      if (!row.median_ms[i]) continue;
      const double seconds = *row.median_ms[i] * 1e-3;
      const auto op = static_cast<VidurOp>(i);
      if (op == VidurOp::kEmb) {
        builder.add_elementwise(ElementwiseOp::kEmbedding, tokens * row.n_embd * 2.0, seconds);
        ++added;
        continue;
      }
      const LayerOp target = *vidur_layer_op(op);
      if (const LinearOp* g = find_linear(layer, target)) {
        builder.add_gemm(GemmKind{}, g->n, g->k, tokens, seconds);
        ++added;
      } else if (const ElementwiseTerm* e = find_elementwise(layer, target)) {
        builder.add_elementwise(e->kernel, tokens * e->bytes_per_token, seconds);
        ++added;
      }
    }
  }
  return added;
}

size_t add_vidur_collectives(ProfileBuilder& builder, const std::vector<VidurCollectiveRow>& rows) {
  for (const auto& r : rows) builder.add_collective(r.op, r.ranks, r.ranks_per_node, r.bytes, r.median_ms * 1e-3);
  return rows.size();
}

}  // namespace kvsim
