// The operators of one transformer layer as the engine launches them, and the sizes the calibrated
// step model asks a CalibrationProfile about: GEMM shapes per GPU (tensor parallelism already
// divides them), bytes each elementwise kernel moves per token, all-reduce bytes per token, and
// the attention work per query-key pair and per cached token.
//
// In a mixed batch (chunked prefills plus decodes) every operator but attention runs once over
// all the step's tokens, as vLLM concatenates them; attention is one varlen kernel whose prefill
// part is compute bound and whose decode part reads each sequence's KV, and is costed as the sum.
// The operator set mirrors the profiled PyTorch block of Vidur (microsoft/vidur,
// vidur/profiling/mlp/mlp_impl.py): two norms (one for parallel attention/MLP blocks), fused QKV,
// rotary, O projection, fused gate/up, activation, down projection, one residual add (a parallel
// block sums three tensors), and with tensor parallelism two all-reduces per layer.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "catalog/llm_spec.h"
#include "perf/moe_routing.h"
#include "perf/profile.h"
#include "perf/step_model.h"

namespace kvsim {

enum class LayerOp {
  kInputNorm,
  kQkvProj,
  kRotary,
  kAttentionPrefill,
  kAttentionDecode,
  kOProj,
  kPostAttentionNorm,
  kGateUpProj,
  kActivation,
  kDownProj,
  kResidualAdd,
  kAllReduce,
};
inline constexpr size_t kNumLayerOps = 12;
const char* layer_op_name(LayerOp op);  // "input_norm", "qkv_proj", ..., "all_reduce"

// One GEMM: weights N x K on one GPU, run over M = tokens x m_per_token rows.
struct LinearOp {
  LayerOp op = LayerOp::kQkvProj;
  uint64_t n = 0, k = 0;
};

// Routed experts of a mixture-of-experts MLP: each token visits `experts_per_token` of `experts`,
// each expert a gated MLP with these GEMMs (per GPU: a 1/tp slice of every expert, or with expert
// parallelism whole experts, `groups` = tp GPUs holding experts / tp each; perf/moe_routing.h).
struct RoutedExperts {
  uint32_t experts = 0;
  uint32_t experts_per_token = 0;
  uint32_t groups = 1;
  ExpertRouting routing;  // of these experts over these groups
  std::vector<LinearOp> linears;
};

struct ElementwiseTerm {
  LayerOp op = LayerOp::kInputNorm;
  ElementwiseOp kernel = ElementwiseOp::kRmsNorm;
  double bytes_per_token = 0;
};

// One kind of layer (a MoE model has dense leading layers and MoE layers) and how many there are.
struct LayerPlan {
  uint32_t count = 0;
  std::vector<LinearOp> linears;  // dense GEMMs, each launched once over all tokens
  RoutedExperts routed;           // experts == 0: dense MLP
  std::vector<ElementwiseTerm> elementwise;
  double all_reduce_bytes_per_token = 0;  // per all-reduce, 16-bit activations
  uint32_t all_reduces = 0;               // per layer: 2 with tensor parallelism, else 0
};

// Attention work of one layer on one GPU.
struct AttentionPlan {
  double kv_bytes_per_token = 0;        // cached K/V (or MLA latent) one token adds to one layer
  double prefill_flops_per_pair = 0;    // QK^T plus PV for one causal query-key pair, all heads
  double decode_flops_per_token = 0;    // the same for one decode query against one cached token
  double query_bytes_per_token = 0;     // Q read and O written, 16-bit
};

struct ModelPlan {
  std::vector<LayerPlan> layers;  // counts sum to num_layers
  AttentionPlan attention;
  GemmKind kind;                  // weights of the block linear layers
  uint64_t hidden = 0;
  uint64_t vocab_per_gpu = 0;     // LM head rows on one GPU (vocab-parallel)
  uint32_t tp = 1, pp = 1;
};

// Throws InputError on a deployment vLLM would refuse (see deployment_layout.h).
ModelPlan plan_model(const LlmSpec& llm, const GpuSpec& gpu, const Deployment& d);

}  // namespace kvsim
