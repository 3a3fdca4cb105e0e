#include "perf/deployment_layout.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace kvsim {

void validate_deployment(const LlmSpec& m, const GpuSpec& gpu, const Deployment& d) {
  const std::string what = m.name + " on " + gpu.name + ": ";
  if (d.tensor_parallel == 0 || d.pipeline_parallel == 0)
    throw InputError(what + "tensor_parallel and pipeline_parallel must be at least 1");
  const uint32_t tp = d.tensor_parallel;
  if (m.num_attention_heads % tp != 0)
    throw InputError(what + "num_attention_heads (" + std::to_string(m.num_attention_heads) +
                     ") is not divisible by tensor_parallel (" + std::to_string(tp) +
                     "); choose a tensor_parallel that divides it");
  if (!m.is_mla() && m.num_kv_heads % tp != 0 && tp % m.num_kv_heads != 0)
    throw InputError(what + "num_kv_heads (" + std::to_string(m.num_kv_heads) +
                     ") must be a multiple or a divisor of tensor_parallel (" + std::to_string(tp) + ")");
  if (d.pipeline_parallel > m.num_layers)
    throw InputError(what + "pipeline_parallel (" + std::to_string(d.pipeline_parallel) +
                     ") exceeds the number of layers (" + std::to_string(m.num_layers) + ")");
  if (d.expert_parallel && m.is_moe() && m.num_experts % tp != 0)
    throw InputError(what + "expert_parallel splits the " + std::to_string(m.num_experts) +
                     " routed experts over tensor_parallel (" + std::to_string(tp) +
                     ") GPUs, which must divide them; choose a tensor_parallel that divides " +
                     std::to_string(m.num_experts) + " or turn expert_parallel off");
  if (d.sparsity_2_4 && !gpu.sparsity_2_4)
    throw InputError(what + "sparsity_2_4 needs sparse tensor cores (Ampere or later), which " + gpu.name +
                     " lacks");
}

double linear_weight_bytes_per_param(DType dtype, bool sparsity_2_4) {
  const double scales = dtype == DType::kInt4 ? 2.0 / kInt4GroupSize : 0.0;
  const double dense = dtype_bytes(dtype) + scales;
  // 2:4: two of every four values kept, each with a 2-bit position index.
  return sparsity_2_4 ? dense / 2 + 2.0 / 8 / 2 : dense;
}

uint32_t layers_per_stage(const LlmSpec& m, const Deployment& d) {
  const uint32_t pp = std::max<uint32_t>(1, d.pipeline_parallel);
  return (m.num_layers + pp - 1) / pp;
}

double weight_bytes_per_gpu(const LlmSpec& m, const Deployment& d) {
  const double tp = std::max<uint32_t>(1, d.tensor_parallel);
  const double other_bytes = d.weight_dtype == DType::kFp32 ? 4 : 2;
  const double embed = static_cast<double>(m.vocab_size) * m.hidden_size;
  const double head = m.tied_embeddings ? 0 : embed + (m.linear_bias ? m.vocab_size : 0);
  const double linear = static_cast<double>(m.num_linear_parameters());
  const double layer_other = static_cast<double>(m.num_parameters()) - linear - embed - head;
  const double layers_bytes =
      linear * linear_weight_bytes_per_param(d.weight_dtype, d.sparsity_2_4) + layer_other * other_bytes;
  const double stage_share = static_cast<double>(layers_per_stage(m, d)) / m.num_layers;
  // With pp > 1 the first stage holds the embeddings and the last the LM head (a tied head
  // needs its own copy of the embeddings there).
  const double ends = d.pipeline_parallel > 1 ? std::max(embed, head) : embed + head;
  return (layers_bytes * stage_share + ends * other_bytes) / tp;
}

uint64_t kv_bytes_per_token_per_gpu(const LlmSpec& m, const Deployment& d) {
  const uint64_t all_layers =
      m.kv_bytes_per_token_per_gpu(d.kv_dtype, std::max<uint32_t>(1, d.tensor_parallel));
  return all_layers / m.num_layers * layers_per_stage(m, d);
}

}  // namespace kvsim
