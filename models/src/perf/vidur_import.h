// Importer for the operator profiling CSVs of Vidur (microsoft/vidur, MIT licence; Agrawal et al.,
// "Vidur: A Large-Scale Simulation Framework for LLM Inference", MLSys 2024):
//   <gpu>/<model>_mlp.csv          one transformer layer's non-attention operators, by num_tokens
//                                  and num_tensor_parallel_workers (columns time_stats.<op>.median,
//                                  n_head, n_kv_head, n_embd, n_expanded_embd, vocab_size,
//                                  use_gated_mlp; min/max/mean/std columns are optional)
//   network/<node>_all_reduce.csv  NCCL all-reduce by message size, num_workers, devices_per_node
//   network/<node>_send_recv.csv   the same for point-to-point send/recv
// Times are milliseconds (the median of Vidur's 20 timed runs). Each Vidur operator is mapped onto
// the operator of perf/calibrated_operators.h with the same shape, so a profile made from these
// files is queried exactly as the calibrated model asks.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/llm_spec.h"
#include "perf/calibrated_operators.h"
#include "perf/calibration.h"

namespace kvsim {

// Vidur's operator columns, in file order.
enum class VidurOp {
  kEmb,
  kInputLayernorm,
  kAttnPreProj,
  kAttnRope,
  kAttnPostProj,
  kPostAttentionLayernorm,
  kMlpUpProj,
  kMlpAct,
  kMlpDownProj,
  kAdd,
};
inline constexpr size_t kNumVidurOps = 10;

struct VidurMlpRow {
  std::string model;  // the file's stem without "_mlp"
  std::string where;  // "path:line"
  uint32_t num_tokens = 0;
  uint32_t tp = 1;
  uint32_t n_head = 0, n_kv_head = 0, n_embd = 0, n_expanded_embd = 0, vocab_size = 0;
  bool gated_mlp = true;
  bool has_post_attention_layernorm = true;  // false: a parallel attention/MLP block (phi-2)
  std::array<std::optional<double>, kNumVidurOps> median_ms;
  // Sum of the layer operators present (everything but emb): Vidur's measured layer time.
  double layer_ms() const;
};

struct VidurCollectiveRow {
  std::string where;
  CollectiveOp op = CollectiveOp::kAllReduce;
  uint32_t ranks = 2, ranks_per_node = 2;
  double bytes = 0;
  double median_ms = 0;
};

// Throw InputError "path:line: ..." on a malformed file.
std::vector<VidurMlpRow> read_vidur_mlp_csv(const std::string& path);
std::vector<VidurCollectiveRow> read_vidur_collective_csv(const std::string& path);
// Every *_mlp.csv directly in `dir`, sorted by file name.
std::vector<VidurMlpRow> read_vidur_mlp_dir(const std::string& dir);

// The architecture a row was measured with: the catalog entry of that name (for what the CSV does
// not say: norm kind, parallel block) after checking its shapes agree with the CSV's, else one
// built from the CSV's columns. `catalog` may be null. Throws InputError on a shape mismatch.
LlmSpec vidur_model_spec(const VidurMlpRow& row, const Catalog* catalog);

// The predicted counterpart of each Vidur operator: which layer operators of the calibrated model
// it is (attn_pre_proj -> qkv_proj, mlp_up_proj -> gate_up_proj, input_layernorm -> input_norm, ...).
// emb maps to no layer operator (the embedding is per step).
std::optional<LayerOp> vidur_layer_op(VidurOp op);

// Adds each row's operators as profile samples, with the sizes the calibrated model will ask
// about for that model and deployment. Returns the number of samples added.
size_t add_vidur_mlp(ProfileBuilder& builder, const std::vector<VidurMlpRow>& rows, const GpuSpec& gpu,
                     const Catalog* catalog);
size_t add_vidur_collectives(ProfileBuilder& builder, const std::vector<VidurCollectiveRow>& rows);

}  // namespace kvsim
