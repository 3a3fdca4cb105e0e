#include "catalog/llm_spec.h"

#include <algorithm>

#include "core/error.h"

namespace kvsim {

DType parse_dtype(const std::string& name) {
  if (name == "fp32" || name == "float32") return DType::kFp32;
  if (name == "bf16" || name == "bfloat16") return DType::kBf16;
  if (name == "fp16" || name == "float16" || name == "half") return DType::kFp16;
  if (name == "fp8" || name == "fp8_e4m3") return DType::kFp8;
  if (name == "int8") return DType::kInt8;
  if (name == "int4") return DType::kInt4;
  throw InputError("unknown data type \"" + name + "\" (valid: fp32, bf16, fp16, fp8, int8, int4)");
}

std::string dtype_name(DType d) {
  switch (d) {
    case DType::kFp32:
      return "fp32";
    case DType::kBf16:
      return "bf16";
    case DType::kFp16:
      return "fp16";
    case DType::kFp8:
      return "fp8";
    case DType::kInt8:
      return "int8";
    case DType::kInt4:
      return "int4";
  }
  return "?";
}

double dtype_bytes(DType d) {
  switch (d) {
    case DType::kFp32:
      return 4;
    case DType::kBf16:
    case DType::kFp16:
      return 2;
    case DType::kFp8:
    case DType::kInt8:
      return 1;
    case DType::kInt4:
      return 0.5;
  }
  return 2;
}

std::string attention_kind_name(AttentionKind k) {
  switch (k) {
    case AttentionKind::kMha:
      return "mha";
    case AttentionKind::kGqa:
      return "gqa";
    case AttentionKind::kMqa:
      return "mqa";
    case AttentionKind::kMla:
      return "mla";
  }
  return "?";
}

AttentionKind LlmSpec::attention_kind() const {
  if (is_mla()) return AttentionKind::kMla;
  if (num_kv_heads == num_attention_heads) return AttentionKind::kMha;
  if (num_kv_heads == 1) return AttentionKind::kMqa;
  return AttentionKind::kGqa;
}

namespace {

using u64 = uint64_t;

// Weights of one layer's attention projections (no biases).
u64 attention_linear_params(const LlmSpec& m) {
  const u64 h = m.hidden_size, heads = m.num_attention_heads;
  if (m.is_mla()) {
    const u64 qk_head = u64{m.qk_nope_head_dim} + m.qk_rope_head_dim;
    const u64 q =
        m.q_lora_rank > 0 ? h * m.q_lora_rank + u64{m.q_lora_rank} * heads * qk_head : h * heads * qk_head;
    const u64 kv_a = h * (u64{m.kv_lora_rank} + m.qk_rope_head_dim);
    const u64 kv_b = u64{m.kv_lora_rank} * heads * (u64{m.qk_nope_head_dim} + m.v_head_dim);
    const u64 o = heads * m.v_head_dim * h;
    return q + kv_a + kv_b + o;
  }
  const u64 q = h * heads * m.head_dim;
  const u64 kv = 2 * h * m.num_kv_heads * m.head_dim;
  const u64 o = heads * m.head_dim * h;
  return q + kv + o;
}

// Non-linear parameters of one layer's attention: biases and the MLA latent norms.
u64 attention_other_params(const LlmSpec& m) {
  u64 n = 0;
  if (m.is_mla()) {
    n += m.kv_lora_rank;                        // kv_a_layernorm
    if (m.q_lora_rank > 0) n += m.q_lora_rank;  // q_a_layernorm
    return n;
  }
  if (m.qkv_bias || m.linear_bias)
    n += u64{m.num_attention_heads} * m.head_dim + 2 * u64{m.num_kv_heads} * m.head_dim;
  if (m.linear_bias) n += m.hidden_size;
  return n;
}

u64 mlp_linear_params(const LlmSpec& m, u64 width) {
  return (m.gated_mlp ? 3 : 2) * u64{m.hidden_size} * width;
}

u64 num_moe_layers(const LlmSpec& m) {
  return m.is_moe() ? m.num_layers - std::min(m.num_layers, m.first_dense_layers) : 0;
}

// Linear weights of every MLP in the model; `experts` routed experts counted per MoE layer.
u64 all_mlp_linear_params(const LlmSpec& m, u64 experts) {
  const u64 moe_layers = num_moe_layers(m);
  const u64 dense_layers = m.num_layers - moe_layers;
  u64 n = dense_layers * mlp_linear_params(m, m.intermediate_size);
  n += moe_layers * (experts + m.num_shared_experts) * 3 * u64{m.hidden_size} * m.moe_intermediate_size;
  return n;
}

u64 other_params(const LlmSpec& m) {
  const u64 h = m.hidden_size, v = m.vocab_size;
  const u64 norm = m.layer_norm ? 2 * h : h;
  const u64 norms_per_layer = m.parallel_attn_mlp ? 1 : 2;
  u64 n = u64{m.num_layers} * (norms_per_layer * norm + attention_other_params(m));
  n += norm;                           // final norm
  n += v * h;                          // embeddings
  if (!m.tied_embeddings) n += v * h;  // LM head
  if (m.linear_bias) {
    n += v;  // LM head bias
    const u64 dense_layers = m.num_layers - num_moe_layers(m);
    n += dense_layers * ((m.gated_mlp ? 2 : 1) * u64{m.intermediate_size} + h);
  }
  n += num_moe_layers(m) * u64{m.num_experts} * h;  // router
  return n;
}

}  // namespace

uint64_t LlmSpec::num_linear_parameters() const {
  return u64{num_layers} * attention_linear_params(*this) + all_mlp_linear_params(*this, num_experts);
}

uint64_t LlmSpec::num_parameters() const {
  return num_linear_parameters() + other_params(*this);
}

uint64_t LlmSpec::num_active_parameters() const {
  return u64{num_layers} * attention_linear_params(*this) +
         all_mlp_linear_params(*this, num_experts_per_tok) + other_params(*this);
}

uint64_t LlmSpec::weight_bytes(DType dtype) const {
  const u64 total = num_parameters();
  if (dtype == DType::kFp32 || dtype == DType::kBf16 || dtype == DType::kFp16)
    return static_cast<u64>(static_cast<double>(total) * dtype_bytes(dtype));
  const u64 linear = num_linear_parameters();
  u64 bytes = (total - linear) * 2;
  if (dtype == DType::kInt4) {
    bytes += (linear + 1) / 2;
    bytes += (linear + kInt4GroupSize - 1) / kInt4GroupSize * 2;
  } else {
    bytes += linear;  // fp8, int8: one byte per weight, per-tensor or per-channel scales
  }
  return bytes;
}

namespace {
// Bytes one token caches in one layer when each of `vectors` cached vectors has `len` elements.
u64 kv_layer_bytes(u64 vectors, u64 len, DType kv_dtype) {
  if (kv_dtype == DType::kInt4) {
    const u64 groups = (len + kInt4GroupSize - 1) / kInt4GroupSize;
    return vectors * ((len + 1) / 2 + groups * 2);
  }
  return static_cast<u64>(static_cast<double>(vectors * len) * dtype_bytes(kv_dtype));
}
}  // namespace

uint64_t LlmSpec::kv_bytes_per_token(DType kv_dtype) const {
  return kv_bytes_per_token_per_gpu(kv_dtype, 1);
}

uint64_t LlmSpec::kv_bytes_per_token_per_gpu(DType kv_dtype, uint32_t tp) const {
  if (tp == 0) tp = 1;
  if (is_mla()) return u64{num_layers} * kv_layer_bytes(1, u64{kv_lora_rank} + qk_rope_head_dim, kv_dtype);
  const u64 heads_per_gpu = (u64{num_kv_heads} + tp - 1) / tp;
  return u64{num_layers} * kv_layer_bytes(2 * heads_per_gpu, head_dim, kv_dtype);
}

}  // namespace kvsim
