#include "perf/memory_plan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/error.h"
#include "perf/deployment_layout.h"

namespace kvsim {

namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

std::string gib(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GiB", bytes / kGiB);
  return buf;
}

std::string fixed2(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", x);
  return buf;
}

// KV bytes left on the busiest GPU, before dividing into blocks.
struct Budget {
  double usable, weights, activations, non_torch, kv;
};

Budget budget(const LlmSpec& m, const GpuSpec& gpu, const Deployment& d, const MemoryOptions& o) {
  Budget b;
  b.usable = gpu.memory_bytes * o.gpu_memory_utilization;
  b.weights = weight_bytes_per_gpu(m, d);
  b.activations =
      o.activation_reserve_bytes >= 0 ? o.activation_reserve_bytes : activation_peak_bytes(m, d, o);
  const bool multi_gpu = d.tensor_parallel * d.pipeline_parallel > 1;
  b.non_torch = o.non_torch_bytes + (multi_gpu ? o.multi_gpu_extra_bytes : 0);
  b.kv = b.usable - b.weights - b.activations - b.non_torch;
  return b;
}

// Deployments that would leave `needed` KV bytes per GPU, for the error message.
std::string suggestions(const LlmSpec& m, const GpuSpec& gpu, const Deployment& d, const MemoryOptions& o,
                        double needed) {
  std::vector<std::string> out;
  for (uint32_t tp : {2u, 4u, 8u, 16u}) {
    if (tp <= d.tensor_parallel) continue;
    Deployment t = d;
    t.tensor_parallel = tp;
    try {
      validate_deployment(m, gpu, t);
    } catch (const InputError&) {
      continue;
    }
    if (budget(m, gpu, t, o).kv >= needed) {
      out.push_back("tensor_parallel " + std::to_string(tp));
      break;
    }
  }
  for (DType w : {DType::kFp8, DType::kInt8, DType::kInt4}) {
    if (dtype_bytes(w) >= dtype_bytes(d.weight_dtype)) continue;
    Deployment t = d;
    t.weight_dtype = w;
    if (budget(m, gpu, t, o).kv >= needed) {
      out.push_back("weight_dtype " + dtype_name(w) + " at tensor_parallel " +
                    std::to_string(d.tensor_parallel));
      break;
    }
  }
  if (out.empty()) return "a larger GPU, a higher gpu_memory_utilization or a smaller model";
  std::string s;
  for (const auto& x : out) s += (s.empty() ? "" : ", or ") + x;
  return s;
}

}  // namespace

MemoryOptions read_memory_options(JsonReader& r) {
  MemoryOptions o;
  o.gpu_memory_utilization = r.number("gpu_memory_utilization", o.gpu_memory_utilization, 0.01, 1.0);
  o.block_size = static_cast<uint32_t>(r.integer("block_size", o.block_size, 1, 1 << 16));
  o.max_num_batched_tokens =
      static_cast<uint32_t>(r.integer("max_num_batched_tokens", o.max_num_batched_tokens, 1, 1 << 24));
  o.max_num_seqs = static_cast<uint32_t>(r.integer("max_num_seqs", o.max_num_seqs, 1, 1 << 20));
  o.max_model_len = static_cast<uint32_t>(r.integer("max_model_len", o.max_model_len, 0, 1 << 30));
  o.activation_reserve_bytes = r.number("activation_reserve_bytes", o.activation_reserve_bytes, -1);
  o.non_torch_bytes = r.number("non_torch_bytes", o.non_torch_bytes, 0);
  o.multi_gpu_extra_bytes = r.number("multi_gpu_extra_bytes", o.multi_gpu_extra_bytes, 0);
  o.sampler_logit_copies = r.number("sampler_logit_copies", o.sampler_logit_copies, 0, 1000);
  return o;
}

double activation_peak_bytes(const LlmSpec& m, const Deployment& d, const MemoryOptions& o) {
  const double tp = std::max<uint32_t>(1, d.tensor_parallel);
  const double a = d.weight_dtype == DType::kFp32 ? 4 : 2;  // activation element bytes
  const double t = o.max_num_batched_tokens;
  const double h = m.hidden_size;
  // Always alive through a layer: the hidden state and the residual.
  const double carried = 2 * t * h * a;
  double attn_width, attn_out;
  if (m.is_mla()) {
    attn_width = m.num_attention_heads / tp * (m.qk_nope_head_dim + m.qk_rope_head_dim) + m.kv_lora_rank +
                 m.qk_rope_head_dim;
    attn_out = m.num_attention_heads / tp * m.v_head_dim;
  } else {
    attn_width = (m.num_attention_heads + 2.0 * m.num_kv_heads) * m.head_dim / tp;
    attn_out = m.num_attention_heads * static_cast<double>(m.head_dim) / tp;
  }
  const double attention = t * (attn_width + attn_out) * a;
  // MLP: the gate/up output and the activated product alive together.
  const double i = m.intermediate_size / tp;
  double mlp = t * (m.gated_mlp ? 3 * i : 2 * i) * a;
  if (m.is_moe()) {
    // Fused MoE: each token's copy per routed expert through gate/up and activation.
    const double moe_i = m.moe_intermediate_size / tp;
    const double routed = t * m.num_experts_per_tok * (3 * moe_i + h) * a;
    mlp = m.first_dense_layers > 0 ? std::max(mlp, routed) : routed;  // no dense layer, no dense MLP
  }
  const double forward = carried + std::max(attention, mlp);
  const double sampler = static_cast<double>(o.max_num_seqs) * m.vocab_size * 4 * o.sampler_logit_copies +
                         static_cast<double>(o.max_num_seqs) * h * a;
  return std::max(forward, sampler);
}

MemoryPlan plan_memory(const LlmSpec& m, const GpuSpec& gpu, const Deployment& d, const MemoryOptions& o) {
  validate_deployment(m, gpu, d);
  if (o.block_size == 0) throw InputError("memory plan: block_size must be at least 1");
  const Budget b = budget(m, gpu, d, o);
  MemoryPlan p;
  p.gpu_memory_bytes = gpu.memory_bytes;
  p.usable_bytes = b.usable;
  p.weight_bytes_per_gpu = b.weights;
  p.activation_reserve_bytes = b.activations;
  p.non_torch_bytes = b.non_torch;
  p.kv_cache_bytes_per_gpu = b.kv;
  p.kv_bytes_per_token_per_gpu = static_cast<double>(kv_bytes_per_token_per_gpu(m, d));
  p.kv_bytes_per_block_per_gpu = p.kv_bytes_per_token_per_gpu * o.block_size;
  p.block_size = o.block_size;
  p.num_gpus = d.tensor_parallel * d.pipeline_parallel;
  p.num_gpu_blocks = b.kv > 0 ? static_cast<uint64_t>(std::floor(b.kv / p.kv_bytes_per_block_per_gpu)) : 0;
  p.kv_capacity_tokens = p.num_gpu_blocks * o.block_size;

  const uint64_t blocks_needed =
      o.max_model_len > 0 ? (uint64_t{o.max_model_len} + o.block_size - 1) / o.block_size : 1;
  if (p.num_gpu_blocks < blocks_needed) {
    const double needed = static_cast<double>(blocks_needed) * p.kv_bytes_per_block_per_gpu;
    const std::string goal = o.max_model_len > 0
                                 ? "the KV of one " + std::to_string(o.max_model_len) + "-token sequence"
                                 : "one KV block";
    throw InputError("memory plan: " + m.name + " (" + dtype_name(d.weight_dtype) + " weights) on " +
                     gpu.name + " with tensor_parallel " + std::to_string(d.tensor_parallel) +
                     " and pipeline_parallel " + std::to_string(d.pipeline_parallel) +
                     " leaves no room for " + goal + ": " + gib(b.usable) + " usable per GPU (" +
                     gib(gpu.memory_bytes) + " x " + fixed2(o.gpu_memory_utilization) + ") - weights " +
                     gib(b.weights) + " - activations " + gib(b.activations) + " - non-torch " +
                     gib(b.non_torch) + " = " + gib(b.kv) + " for KV, " + gib(needed - b.kv) +
                     " missing. Try " + suggestions(m, gpu, d, o, needed) + ".");
  }
  if (o.max_model_len > 0) p.max_concurrency = static_cast<double>(p.kv_capacity_tokens) / o.max_model_len;
  return p;
}

nlohmann::json MemoryPlan::to_json() const {
  return {{"gpu_memory_bytes", gpu_memory_bytes},
          {"usable_bytes", usable_bytes},
          {"weight_bytes_per_gpu", weight_bytes_per_gpu},
          {"activation_reserve_bytes", activation_reserve_bytes},
          {"non_torch_bytes", non_torch_bytes},
          {"kv_cache_bytes_per_gpu", kv_cache_bytes_per_gpu},
          {"kv_bytes_per_token_per_gpu", kv_bytes_per_token_per_gpu},
          {"kv_bytes_per_block_per_gpu", kv_bytes_per_block_per_gpu},
          {"block_size", block_size},
          {"num_gpus", num_gpus},
          {"num_gpu_blocks", num_gpu_blocks},
          {"kv_capacity_tokens", kv_capacity_tokens},
          {"max_concurrency", max_concurrency}};
}

}  // namespace kvsim
