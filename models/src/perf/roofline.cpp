#include "perf/roofline.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "perf/deployment_layout.h"

namespace kvsim {

RooflineOptions read_roofline_options(JsonReader& r) {
  RooflineOptions o;
  o.compute_efficiency = r.number("compute_efficiency", o.compute_efficiency, 1e-3, 1.0);
  o.memory_efficiency = r.number("memory_efficiency", o.memory_efficiency, 1e-3, 1.0);
  o.step_overhead_s = r.number("step_overhead_s", o.step_overhead_s, 0, 10);
  o.collective_latency_s = r.number("collective_latency_s", o.collective_latency_s, 0, 1);
  o.min_kernel_s = r.number("min_kernel_s", o.min_kernel_s, 0, 1);
  o.attention_softmax_head_dim = r.number("attention_softmax_head_dim", o.attention_softmax_head_dim, 0, 1e4);
  o.attention_half_length = r.number("attention_half_length", o.attention_half_length, 0, 1e7);
  return o;
}

double prefill_attention_efficiency(const RooflineOptions& o, double head_dim, double sequence_length) {
  const double per_score = head_dim / (head_dim + o.attention_softmax_head_dim);
  const double tiles = sequence_length / (sequence_length + o.attention_half_length);
  return per_score * tiles;
}

nlohmann::json to_json(const RooflineOptions& o) {
  return {{"compute_efficiency", o.compute_efficiency},
          {"memory_efficiency", o.memory_efficiency},
          {"step_overhead_s", o.step_overhead_s},
          {"collective_latency_s", o.collective_latency_s},
          {"min_kernel_s", o.min_kernel_s},
          {"attention_softmax_head_dim", o.attention_softmax_head_dim},
          {"attention_half_length", o.attention_half_length}};
}

RooflineStepModel::RooflineStepModel(LlmSpec model, GpuSpec gpu, Deployment deployment,
                                     RooflineOptions options)
    : model_(std::move(model)), gpu_(std::move(gpu)), deployment_(deployment), options_(options) {
  validate_deployment(model_, gpu_, deployment_);
  precompute();
}

void RooflineStepModel::precompute() {
  const LlmSpec& m = model_;
  const Deployment& d = deployment_;
  const double tp = d.tensor_parallel;
  const double a = d.weight_dtype == DType::kFp32 ? 4 : 2;  // activation element bytes
  const double other_bytes = a;                             // embeddings, LM head: 16-bit
  const double wb = linear_weight_bytes_per_param(d.weight_dtype, d.sparsity_2_4);
  const double h = m.hidden_size;

  double peak = gpu_.peak_bf16_flops;
  if (d.weight_dtype == DType::kFp8 && gpu_.peak_fp8_flops > 0) peak = gpu_.peak_fp8_flops;
  if (d.weight_dtype == DType::kInt8 && gpu_.peak_int8_ops > 0) peak = gpu_.peak_int8_ops;
  if (d.sparsity_2_4) peak *= 2;
  gemm_flops_per_s_ = peak * options_.compute_efficiency;
  attn_flops_per_s_ = gpu_.peak_bf16_flops * options_.compute_efficiency;  // decode's compute term
  bytes_per_s_ = gpu_.hbm_bytes_per_s * options_.memory_efficiency;
  link_bytes_per_s_ = gpu_.interconnect_bytes_per_s();

  const double heads_tp = m.num_attention_heads / tp;
  double rope_bytes = 0;
  if (m.is_mla()) {
    const double qk = static_cast<double>(m.qk_nope_head_dim) + m.qk_rope_head_dim;
    const double q =
        m.q_lora_rank > 0 ? h * m.q_lora_rank + m.q_lora_rank * heads_tp * qk : h * heads_tp * qk;
    const double latent = static_cast<double>(m.kv_lora_rank) + m.qk_rope_head_dim;
    const double kv_a = h * latent;  // replicated on every rank
    const double kv_b = m.kv_lora_rank * heads_tp * (static_cast<double>(m.qk_nope_head_dim) + m.v_head_dim);
    qkv_ = {2 * (q + kv_a), (q + kv_a + kv_b) * wb, (h + heads_tp * qk + latent) * a};
    mla_kv_b_flops_per_token_ = 2 * kv_b;
    o_ = {2 * heads_tp * m.v_head_dim * h, heads_tp * m.v_head_dim * h * wb,
          (heads_tp * m.v_head_dim + h) * a};
    attn_prefill_flops_per_pair_ = heads_tp * (2 * qk + 2.0 * m.v_head_dim);
    attn_head_dim_ = qk;
    attn_decode_flops_per_token_ = heads_tp * (2 * latent + 2.0 * m.kv_lora_rank);
    q_o_bytes_per_token_ = heads_tp * (qk + m.v_head_dim) * a;
    cache_write_input_bytes_per_token_ = latent * a;
    rope_bytes = 2 * (heads_tp + 1) * m.qk_rope_head_dim * a;
  } else {
    const double q_width = heads_tp * m.head_dim;
    const double kv_width = std::ceil(m.num_kv_heads / tp) * m.head_dim;
    const double out = q_width + 2 * kv_width;
    qkv_ = {2 * h * out, h * out * wb, (h + out) * a};
    o_ = {2 * q_width * h, q_width * h * wb, (q_width + h) * a};
    attn_prefill_flops_per_pair_ = 4 * heads_tp * m.head_dim;
    attn_head_dim_ = m.head_dim;
    attn_decode_flops_per_token_ = 4 * heads_tp * m.head_dim;
    q_o_bytes_per_token_ = 2 * q_width * a;
    cache_write_input_bytes_per_token_ = 2 * kv_width * a;
    rope_bytes = 2 * (q_width + kv_width) * a;
  }
  kv_bytes_per_token_layer_ =
      static_cast<double>(m.kv_bytes_per_token_per_gpu(d.kv_dtype, d.tensor_parallel)) / m.num_layers;
  cache_write_bytes_per_token_ = cache_write_input_bytes_per_token_ + kv_bytes_per_token_layer_;

  const double i_tp = m.intermediate_size / tp;
  const double up_width = m.gated_mlp ? 2 * i_tp : i_tp;
  gate_up_ = {2 * h * up_width, h * up_width * wb, (h + up_width) * a};
  down_ = {2 * i_tp * h, i_tp * h * wb, (i_tp + h) * a};

  layers_ = m.num_layers;
  moe_layers_ = m.is_moe() ? m.num_layers - std::min(m.num_layers, m.first_dense_layers) : 0;
  dense_mlp_layers_ = layers_ - moe_layers_;
  const double moe_i_tp = m.moe_intermediate_size / tp;
  const bool ep = d.expert_parallel && d.tensor_parallel > 1;
  routing_ = ExpertRouting(m.num_experts, m.num_experts_per_tok, ep ? tp : 1);
  expert_width_ = ep ? m.moe_intermediate_size : moe_i_tp;
  expert_gate_up_bytes_ = 2 * h * expert_width_ * wb;
  expert_down_bytes_ = expert_width_ * h * wb;
  expert_gate_up_flops_ = 4 * h * expert_width_;
  expert_down_flops_ = 2 * expert_width_ * h;
  shared_experts_ = m.num_shared_experts;
  const double shared_i = moe_i_tp * shared_experts_;
  shared_gate_up_ = {4 * h * shared_i, 2 * h * shared_i * wb, (h + 2 * shared_i) * a};
  shared_down_ = {2 * shared_i * h, shared_i * h * wb, (shared_i + h) * a};
  router_ = {2 * h * m.num_experts, h * m.num_experts * other_bytes, (h + m.num_experts) * a};

  const double norms = m.parallel_attn_mlp ? 1 : 2;
  const double norm_bytes = norms * 4 * h * a;  // fused add + norm: read x and residual, write both
  const double act_dense = (m.gated_mlp ? 3 : 2) * i_tp * a;
  const double act_moe =
      (m.num_experts_per_tok + shared_experts_) * 3 * moe_i_tp * a + 2.0 * m.num_experts_per_tok * h * a;
  elementwise_bytes_per_token_dense_ = norm_bytes + rope_bytes + act_dense;
  elementwise_bytes_per_token_moe_ = norm_bytes + rope_bytes + act_moe;
  elementwise_bytes_per_token_step_ = 2 * h * a + 4 * h * a;  // embedding lookup, final norm
  elementwise_kernels_per_layer_ = norms + 2;

  const double vocab_tp = m.vocab_size / tp;
  lm_head_ = {2 * h * vocab_tp, h * vocab_tp * other_bytes, h * a + vocab_tp * 4};
  hidden_bytes_per_token_ = h * a;
}

double RooflineStepModel::gemm_seconds(const Gemm& g, double tokens, double layers, OpSeconds& out) const {
  if (tokens <= 0 || layers <= 0) return 0;
  const double tc = g.flops_per_token * tokens / gemm_flops_per_s_;
  const double tm = (g.weight_bytes + g.act_bytes_per_token * tokens) / bytes_per_s_;
  out.compute_bound_s += tc * layers;
  out.memory_bound_s += tm * layers;
  return std::max({tc, tm, options_.min_kernel_s}) * layers;
}

double RooflineStepModel::moe_seconds(const ExpertLoad& load, double weight_bytes_per_expert,
                                      double flops_per_row, double act_bytes_per_row, OpSeconds& out) const {
  if (load.rows <= 0 || moe_layers_ <= 0) return 0;
  const double tc = load.rows * flops_per_row / gemm_flops_per_s_;
  const double tm = (load.active_experts * weight_bytes_per_expert + load.rows * act_bytes_per_row) / bytes_per_s_;
  out.compute_bound_s += tc * moe_layers_;
  out.memory_bound_s += tm * moe_layers_;
  return std::max({tc, tm, options_.min_kernel_s}) * moe_layers_;
}

OpSeconds RooflineStepModel::op_seconds(const BatchShape& b) const {
  OpSeconds out;
  const double tokens = static_cast<double>(b.total_tokens());
  if (tokens <= 0) return out;
  const double h = model_.hidden_size;
  const double a = hidden_bytes_per_token_ / h;

  // Projections. MLA applies kv_b to each decode token (absorbed) and each prefill KV token.
  Gemm qkv = qkv_;
  if (mla_kv_b_flops_per_token_ > 0) {
    const double kv_b_tokens =
        static_cast<double>(b.num_decode_seqs) + static_cast<double>(b.prefill_kv_tokens);
    qkv.flops_per_token += mla_kv_b_flops_per_token_ * kv_b_tokens / tokens;
  }
  out.qkv_proj = gemm_seconds(qkv, tokens, layers_, out);
  out.o_proj = gemm_seconds(o_, tokens, layers_, out);
  out.gate_up_proj = gemm_seconds(gate_up_, tokens, dense_mlp_layers_, out);
  out.down_proj = gemm_seconds(down_, tokens, dense_mlp_layers_, out);
  if (moe_layers_ > 0) {
    out.gate_up_proj += gemm_seconds(router_, tokens, moe_layers_, out);
    if (shared_experts_ > 0) {
      out.gate_up_proj += gemm_seconds(shared_gate_up_, tokens, moe_layers_, out);
      out.down_proj += gemm_seconds(shared_down_, tokens, moe_layers_, out);
    }
    const ExpertLoad load = routing_.load(tokens);
    const double w = expert_width_;
    out.gate_up_proj += moe_seconds(load, expert_gate_up_bytes_, expert_gate_up_flops_, (h + 2 * w) * a, out);
    out.down_proj += moe_seconds(load, expert_down_bytes_, expert_down_flops_, (w + h) * a, out);
  }

  // Attention, per layer then times the layers.
  if (b.prefill_tokens > 0) {
    const double length = 2 * b.prefill_attn_pairs / static_cast<double>(b.prefill_tokens);
    const double rate = gpu_.peak_bf16_flops * prefill_attention_efficiency(options_, attn_head_dim_, length);
    const double tc = b.prefill_attn_pairs * attn_prefill_flops_per_pair_ / rate;
    const double tm = (static_cast<double>(b.prefill_kv_tokens) * kv_bytes_per_token_layer_ +
                       static_cast<double>(b.prefill_tokens) * q_o_bytes_per_token_) /
                      bytes_per_s_;
    out.compute_bound_s += tc * layers_;
    out.memory_bound_s += tm * layers_;
    out.attention_prefill = std::max({tc, tm, options_.min_kernel_s}) * layers_;
  }
  if (b.num_decode_seqs > 0) {
    const double ctx = static_cast<double>(b.decode_context_tokens);
    const double tc = ctx * attn_decode_flops_per_token_ / attn_flops_per_s_;
    const double tm = (ctx * kv_bytes_per_token_layer_ + b.num_decode_seqs * q_o_bytes_per_token_) / bytes_per_s_;
    out.compute_bound_s += tc * layers_;
    out.memory_bound_s += tm * layers_;
    out.attention_decode = std::max({tc, tm, options_.min_kernel_s}) * layers_;
  }
  // Before attention, vLLM writes the step's new keys and values into the paged cache with a
  // kernel of its own (reshape_and_cache_flash, once over all tokens): charged to the prefill
  // part when there is one, else to the decodes.
  const double cache_write_tm = tokens * cache_write_bytes_per_token_ / bytes_per_s_;
  out.memory_bound_s += cache_write_tm * layers_;
  (b.prefill_tokens > 0 ? out.attention_prefill : out.attention_decode) +=
      std::max(cache_write_tm, options_.min_kernel_s) * layers_;

  const double ew_bytes =
      tokens * (dense_mlp_layers_ * elementwise_bytes_per_token_dense_ +
                moe_layers_ * elementwise_bytes_per_token_moe_ + elementwise_bytes_per_token_step_);
  const double ew_kernels = layers_ * elementwise_kernels_per_layer_ + 2;
  out.norms_elementwise = std::max(ew_bytes / bytes_per_s_, ew_kernels * options_.min_kernel_s);

  out.lm_head = gemm_seconds(lm_head_, b.num_sampled, 1, out);

  const double tp = deployment_.tensor_parallel;
  const double message = tokens * hidden_bytes_per_token_;
  if (tp > 1) {
    const double one = options_.collective_latency_s + 2 * (tp - 1) / tp * message / link_bytes_per_s_;
    out.all_reduce = 2 * layers_ * one;
  }
  const double pp = deployment_.pipeline_parallel;
  if (pp > 1)
    out.pipeline_send_recv = (pp - 1) * (options_.collective_latency_s + 2 * message / link_bytes_per_s_);
  out.overhead = options_.step_overhead_s;
  return out;
}

double RooflineStepModel::step_seconds(const BatchShape& batch) const {
  return op_seconds(batch).total();
}

nlohmann::json RooflineStepModel::breakdown(const BatchShape& batch) const {
  const OpSeconds s = op_seconds(batch);
  nlohmann::json seconds = {{"qkv_proj", s.qkv_proj},
                            {"o_proj", s.o_proj},
                            {"gate_up_proj", s.gate_up_proj},
                            {"down_proj", s.down_proj},
                            {"attention_prefill", s.attention_prefill},
                            {"attention_decode", s.attention_decode},
                            {"norms_elementwise", s.norms_elementwise},
                            {"lm_head", s.lm_head},
                            {"all_reduce", s.all_reduce},
                            {"pipeline_send_recv", s.pipeline_send_recv},
                            {"overhead", s.overhead}};
  return {{"seconds", seconds},
          {"total_seconds", s.total()},
          {"compute_bound_seconds", s.compute_bound_s},
          {"memory_bound_seconds", s.memory_bound_s},
          {"bound", s.compute_bound_s >= s.memory_bound_s ? "compute" : "memory"}};
}

nlohmann::json RooflineStepModel::describe() const {
  return {{"kind", "roofline"},
          {"model", model_.name},
          {"gpu", gpu_.name},
          {"deployment",
           {{"tensor_parallel", deployment_.tensor_parallel},
            {"pipeline_parallel", deployment_.pipeline_parallel},
            {"weight_dtype", dtype_name(deployment_.weight_dtype)},
            {"kv_dtype", dtype_name(deployment_.kv_dtype)},
            {"sparsity_2_4", deployment_.sparsity_2_4},
            {"expert_parallel", deployment_.expert_parallel}}},
          {"options", to_json(options_)},
          {"peaks",
           {{"gemm_flops_per_s", gemm_flops_per_s_ / options_.compute_efficiency},
            {"attention_flops_per_s", gpu_.peak_bf16_flops},
            {"hbm_bytes_per_s", gpu_.hbm_bytes_per_s},
            {"interconnect_bytes_per_s", link_bytes_per_s_}}},
          {"source", "datasheet figures of models/gpu/" + gpu_.name + ".json, shapes of models/llm/" +
                         model_.name + ".json"}};
}

}  // namespace kvsim
