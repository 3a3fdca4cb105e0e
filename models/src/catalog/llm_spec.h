// The architecture of a language model as the simulator needs it: shapes, not weights.
// Loaded from models/llm/<name>.json (catalog/catalog.h); every figure there names its source.
// GpuSpec: the datasheet of one accelerator, loaded from models/gpu/<name>.json.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/sampling.h"

namespace kvsim {

// Storage formats for weights and KV. Bytes per element: fp32 4, bf16/fp16 2, fp8/int8 1, int4 0.5
// (int4 weights also carry one fp16 scale per kInt4GroupSize weights; see LlmSpec::weight_bytes).
enum class DType { kFp32, kBf16, kFp16, kFp8, kInt8, kInt4 };
DType parse_dtype(const std::string& name);  // "fp32", "bf16", "fp16", "fp8", "int8", "int4";
                                             // throws InputError naming the valid values
std::string dtype_name(DType d);
double dtype_bytes(DType d);
// Elements that share one fp16 scale in int4 weights and int4 KV (GPTQ/AWQ default group size).
inline constexpr uint32_t kInt4GroupSize = 128;

// Attention layouts, by how many K/V heads a token stores per layer.
enum class AttentionKind { kMha, kGqa, kMqa, kMla };
std::string attention_kind_name(AttentionKind k);  // "mha", "gqa", "mqa", "mla"

struct LlmSpec {
  std::string name;                  // the catalog file's stem, e.g. "Llama-3-70B"
  std::vector<std::string> aliases;  // other names that load this spec (HF repo ids, ...)
  uint32_t num_layers = 0;
  uint32_t hidden_size = 0;
  uint32_t num_attention_heads = 0;
  uint32_t num_kv_heads = 0;  // == heads: MHA; 1: MQA; else GQA
  uint32_t head_dim = 0;
  uint32_t intermediate_size = 0;  // dense MLP width (MoE: the leading dense layers' width)
  uint32_t vocab_size = 0;
  uint32_t max_position_embeddings = 0;
  bool gated_mlp = true;         // SwiGLU: gate and up projections
  bool tied_embeddings = false;  // LM head shares the embedding matrix
  bool qkv_bias = false;
  bool linear_bias = false;        // every linear layer (and the LM head) has a bias (phi-2)
  bool layer_norm = false;         // LayerNorm with a bias instead of RMSNorm
  bool parallel_attn_mlp = false;  // attention and MLP read one normed input (phi-2: 1 norm/layer)
  // Multi-head latent attention (DeepSeek): when kv_lora_rank > 0 the cache holds one latent of
  // kv_lora_rank + qk_rope_head_dim elements per token per layer instead of K and V per kv head.
  uint32_t kv_lora_rank = 0;
  uint32_t qk_rope_head_dim = 0;
  uint32_t q_lora_rank = 0;  // 0: queries projected directly from the hidden state
  uint32_t qk_nope_head_dim = 0;
  uint32_t v_head_dim = 0;
  // Mixture of experts: when num_experts > 0, layers from first_dense_layers on replace the dense
  // MLP by num_shared_experts always-on experts plus num_experts_per_tok of num_experts routed
  // ones, each a gated MLP of width moe_intermediate_size.
  uint32_t num_experts = 0;
  uint32_t num_experts_per_tok = 0;
  uint32_t num_shared_experts = 0;
  uint32_t moe_intermediate_size = 0;
  uint32_t first_dense_layers = 0;
  std::string distilled_from;         // teacher model, for planners comparing variants ("" if none)
  DType weight_dtype = DType::kBf16;  // as published
  nlohmann::json source;              // where the figures come from
  // Sampling defaults of checkpoints with this architecture (catalog "generation_configs").
  std::vector<GenerationConfig> generation_configs;

  bool is_mla() const { return kv_lora_rank > 0; }
  bool is_moe() const { return num_experts > 0; }
  AttentionKind attention_kind() const;

  uint64_t num_parameters() const;
  // Parameters one token passes through (MoE: shared plus num_experts_per_tok routed experts).
  uint64_t num_active_parameters() const;
  // Parameters of the linear layers inside the transformer blocks: the ones weight quantisation
  // (fp8, int8, int4) applies to. Embeddings, LM head, norms and biases stay 16-bit.
  uint64_t num_linear_parameters() const;
  // Bytes of all weights stored as `dtype`: the block linear layers in `dtype` (int4 adds one fp16
  // scale per kInt4GroupSize weights), everything else (embeddings, LM head, norms, biases) in
  // 16 bits, as vLLM loads GPTQ/AWQ/fp8 checkpoints. Tied embeddings are counted once.
  uint64_t weight_bytes(DType dtype) const;
  // Bytes of KV cache one token occupies across all layers (K and V, all kv heads; MLA: the
  // latent). fp16/bf16/fp8 KV carry no per-token scales (vLLM keeps one scale per tensor); int4 KV
  // adds one fp16 scale per group of kInt4GroupSize elements of each cached vector.
  uint64_t kv_bytes_per_token(DType kv_dtype) const;
  // The same on one GPU of a tensor-parallel group of `tp`, counting all layers: K/V heads are
  // split across ranks and replicated when tp > num_kv_heads (as vLLM does); an MLA latent is
  // replicated on every rank.
  uint64_t kv_bytes_per_token_per_gpu(DType kv_dtype, uint32_t tp) const;
};

struct GpuSpec {
  std::string name;  // the catalog file's stem, e.g. "H100-SXM"
  std::vector<std::string> aliases;
  double memory_bytes = 0;     // HBM capacity as the CUDA driver reports it (the total
                               // vLLM multiplies by gpu_memory_utilization)
  double peak_bf16_flops = 0;  // dense tensor-core FLOP/s (fp16 where there is no bf16)
  double peak_fp8_flops = 0;   // dense; 0 when the GPU has no fp8 tensor cores
  double peak_int8_ops = 0;    // dense; 0 when the GPU has no int8 tensor cores
  double hbm_bytes_per_s = 0;
  double nvlink_bytes_per_s = 0;  // per GPU, one direction; 0 = no NVLink (PCIe only)
  double pcie_bytes_per_s = 0;    // host link, one direction
  double usd_per_gpu_hour = 0;    // on-demand price
  bool sparsity_2_4 = false;      // tensor cores run 2:4 structured sparsity at 2x
  nlohmann::json source;

  // FLOP/byte above which a kernel is compute bound at bf16.
  double ridge_point() const { return hbm_bytes_per_s > 0 ? peak_bf16_flops / hbm_bytes_per_s : 0; }
  // Link the tensor-parallel collectives use: NVLink, or PCIe when there is none.
  double interconnect_bytes_per_s() const {
    return nvlink_bytes_per_s > 0 ? nvlink_bytes_per_s : pcie_bytes_per_s;
  }
};

}  // namespace kvsim
