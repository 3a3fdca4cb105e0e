#include "perf/calibrated_operators.h"

#include <algorithm>
#include <cmath>

#include "perf/deployment_layout.h"

namespace kvsim {

namespace {

constexpr std::array<const char*, kNumLayerOps> kLayerOpNames = {
    "input_norm", "qkv_proj",     "rotary",     "attention_prefill", "attention_decode", "o_proj",
    "post_attention_norm", "gate_up_proj", "activation", "down_proj", "residual_add", "all_reduce"};

constexpr double kActivationBytes = 2;  // activations stay 16-bit whatever the weight format

uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// Everything but the MLP: norms, attention projections, rotary, residual add, all-reduces.
LayerPlan attention_block(const LlmSpec& m, uint32_t tp) {
  LayerPlan p;
  const uint64_t h = m.hidden_size, heads = m.num_attention_heads / tp;
  const uint64_t kv_heads = ceil_div(m.num_kv_heads, tp);
  const ElementwiseOp norm = m.layer_norm ? ElementwiseOp::kLayerNorm : ElementwiseOp::kRmsNorm;
  p.elementwise.push_back({LayerOp::kInputNorm, norm, 2 * h * kActivationBytes});
  if (m.is_mla()) {
    // DeepSeek-V2 MLA as vLLM runs it: queries (optionally through a low-rank q_a/q_b pair), the
    // replicated kv_a projection to the latent plus the rope key, and kv_b expanding the latent
    // to per-head keys and values; o_proj reads v_head_dim per head.
    if (m.q_lora_rank > 0) {
      p.linears.push_back({LayerOp::kQkvProj, m.q_lora_rank, h});
      p.linears.push_back({LayerOp::kQkvProj, heads * m.head_dim, m.q_lora_rank});
    } else {
      p.linears.push_back({LayerOp::kQkvProj, heads * m.head_dim, h});
    }
    p.linears.push_back({LayerOp::kQkvProj, uint64_t{m.kv_lora_rank} + m.qk_rope_head_dim, h});
    p.linears.push_back({LayerOp::kQkvProj, heads * (uint64_t{m.qk_nope_head_dim} + m.v_head_dim), m.kv_lora_rank});
    p.elementwise.push_back({LayerOp::kRotary, ElementwiseOp::kRotary,
                             2.0 * (heads + 1) * m.qk_rope_head_dim * kActivationBytes});
    p.linears.push_back({LayerOp::kOProj, h, heads * m.v_head_dim});
  } else {
    p.linears.push_back({LayerOp::kQkvProj, (heads + 2 * kv_heads) * m.head_dim, h});
    p.elementwise.push_back({LayerOp::kRotary, ElementwiseOp::kRotary,
                             2.0 * (heads + kv_heads) * m.head_dim * kActivationBytes});
    p.linears.push_back({LayerOp::kOProj, h, heads * m.head_dim});
  }
  if (!m.parallel_attn_mlp) p.elementwise.push_back({LayerOp::kPostAttentionNorm, norm, 2 * h * kActivationBytes});
  // Sequential block: residual + MLP output (the first residual add is fused into the
  // post-attention norm by vLLM and untimed by Vidur). Parallel block: attention + MLP + residual.
  p.elementwise.push_back({LayerOp::kResidualAdd, ElementwiseOp::kResidualAdd,
                           (m.parallel_attn_mlp ? 6.0 : 3.0) * h * kActivationBytes});
  if (tp > 1) {
    p.all_reduces = 2;
    p.all_reduce_bytes_per_token = static_cast<double>(h) * kActivationBytes;
  }
  return p;
}

void add_dense_mlp(LayerPlan& p, const LlmSpec& m, uint64_t width, uint32_t tp) {
  const uint64_t h = m.hidden_size, per_gpu = width / tp;
  p.linears.push_back({LayerOp::kGateUpProj, (m.gated_mlp ? 2 : 1) * per_gpu, h});
  p.elementwise.push_back({LayerOp::kActivation, m.gated_mlp ? ElementwiseOp::kSiluAndMul : ElementwiseOp::kGelu,
                           (m.gated_mlp ? 3.0 : 2.0) * per_gpu * kActivationBytes});
  p.linears.push_back({LayerOp::kDownProj, h, per_gpu});
}

}  // namespace

const char* layer_op_name(LayerOp op) { return kLayerOpNames[static_cast<size_t>(op)]; }

ModelPlan plan_model(const LlmSpec& m, const GpuSpec& gpu, const Deployment& d) {
  validate_deployment(m, gpu, d);
  ModelPlan plan;
  plan.tp = d.tensor_parallel;
  plan.pp = d.pipeline_parallel;
  plan.kind = GemmKind{d.weight_dtype, d.sparsity_2_4};
  plan.hidden = m.hidden_size;
  plan.vocab_per_gpu = ceil_div(m.vocab_size, plan.tp);
  const uint32_t tp = plan.tp;

  const uint32_t dense_layers = m.is_moe() ? std::min(m.first_dense_layers, m.num_layers) : m.num_layers;
  if (dense_layers > 0) {
    LayerPlan dense = attention_block(m, tp);
    dense.count = dense_layers;
    add_dense_mlp(dense, m, m.intermediate_size, tp);
    plan.layers.push_back(std::move(dense));
  }
  if (m.num_layers > dense_layers) {
    // MoE as vLLM's FusedMoE runs it: the replicated router, the shared experts as one wider
    // tensor-parallel gated MLP over every token, and the routed experts as one grouped GEMM per
    // projection (fused_moe): by default each GPU holds a 1/tp slice of every expert; with expert
    // parallelism (tp > 1) each GPU holds num_experts / tp whole experts.
    LayerPlan moe = attention_block(m, tp);
    moe.count = m.num_layers - dense_layers;
    const bool ep = d.expert_parallel && tp > 1;
    const uint64_t h = m.hidden_size, width = m.moe_intermediate_size / tp;
    const uint64_t expert_width = ep ? m.moe_intermediate_size : width;
    moe.linears.push_back({LayerOp::kGateUpProj, m.num_experts, h});
    if (m.num_shared_experts > 0) {
      moe.linears.push_back({LayerOp::kGateUpProj, 2 * width * m.num_shared_experts, h});
      moe.linears.push_back({LayerOp::kDownProj, h, width * m.num_shared_experts});
    }
    moe.routed.experts = m.num_experts;
    moe.routed.experts_per_token = m.num_experts_per_tok;
    moe.routed.groups = ep ? tp : 1;
    moe.routed.routing = ExpertRouting(m.num_experts, m.num_experts_per_tok, moe.routed.groups);
    moe.routed.linears = {{LayerOp::kGateUpProj, 2 * expert_width, h}, {LayerOp::kDownProj, h, expert_width}};
    moe.elementwise.push_back({LayerOp::kActivation, ElementwiseOp::kSiluAndMul,
                               3.0 * width * (m.num_experts_per_tok + m.num_shared_experts) * kActivationBytes});
    plan.layers.push_back(std::move(moe));
  }

  AttentionPlan& a = plan.attention;
  const double heads = static_cast<double>(m.num_attention_heads) / tp;
  a.kv_bytes_per_token = static_cast<double>(m.kv_bytes_per_token_per_gpu(d.kv_dtype, tp)) / m.num_layers;
  if (m.is_mla()) {
    // Prefill expands the latent (q.k over qk_nope + qk_rope, p.v over v_head_dim); decode runs
    // absorbed, attending over the latent itself (q.k over kv_lora_rank + rope, p.v over kv_lora_rank).
    a.prefill_flops_per_pair = 2 * heads * (m.head_dim + m.v_head_dim);
    a.decode_flops_per_token = 2 * heads * (2.0 * m.kv_lora_rank + m.qk_rope_head_dim);
  } else {
    a.prefill_flops_per_pair = 4 * heads * m.head_dim;
    a.decode_flops_per_token = 4 * heads * m.head_dim;
  }
  a.query_bytes_per_token = 2 * heads * m.head_dim * kActivationBytes;
  return plan;
}

}  // namespace kvsim
