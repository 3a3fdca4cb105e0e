// How one replica's weights and KV cache spread over its GPUs: tensor parallelism shards every
// linear layer, the embeddings and the LM head across `tp` GPUs (vLLM's column/row-parallel and
// vocab-parallel layers); pipeline parallelism gives each of `pp` stages ceil(layers/pp) layers,
// the first stage the embeddings and the last the LM head. Figures are for the busiest GPU, the
// one that limits the KV cache.
#pragma once
#include <cstdint>

#include "catalog/llm_spec.h"
#include "perf/step_model.h"

namespace kvsim {

// Throws InputError when vLLM would refuse the deployment: heads not divisible by tp, kv heads
// neither a multiple nor a divisor of tp, more stages than layers, 2:4 sparsity on a GPU without
// sparse tensor cores, expert parallelism over a tp that does not divide the routed experts.
void validate_deployment(const LlmSpec& model, const GpuSpec& gpu, const Deployment& d);

// Bytes per weight of the block linear layers as deployed: the dtype's width, plus for int4 one
// fp16 scale per kInt4GroupSize weights; with 2:4 sparsity half the values plus a 2-bit index per
// kept value (NVIDIA A100 Tensor Core GPU Architecture whitepaper, "Fine-Grained Structured
// Sparsity"; Mishra et al., "Accelerating Sparse Deep Neural Networks", arXiv:2104.08378).
double linear_weight_bytes_per_param(DType weight_dtype, bool sparsity_2_4);

uint32_t layers_per_stage(const LlmSpec& model, const Deployment& d);  // ceil(layers / pp)

// Weight bytes on the busiest GPU. Embeddings, LM head, norms and biases stay 16-bit.
double weight_bytes_per_gpu(const LlmSpec& model, const Deployment& d);

// KV bytes one token occupies on the busiest GPU (its stage's layers, its share of kv heads).
uint64_t kv_bytes_per_token_per_gpu(const LlmSpec& model, const Deployment& d);

}  // namespace kvsim
