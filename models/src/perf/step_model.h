// StepModel: the time one engine step takes for a given batch. The scheduler describes the batch
// by a few sums (no per-sequence lists), so a prediction costs O(1) and allocates nothing.
// Implementations: the datasheet roofline (perf/roofline.h) and the calibrated model.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "catalog/llm_spec.h"

namespace kvsim {

struct BatchShape {
  // Prefill: sequences computing prompt tokens this step (a chunk of a chunked prefill counts).
  uint32_t num_prefill_seqs = 0;
  uint64_t prefill_tokens = 0;          // new prompt tokens computed this step
  // Sum over prefill sequences of the causal query-key pairs, q*c + q*(q+1)/2, where q is the
  // chunk's new tokens and c the context already in KV (cached prefix or earlier chunks).
  double prefill_attn_pairs = 0;
  uint64_t prefill_kv_tokens = 0;       // sum of c + q: KV tokens the prefill attention reads
  // Decode: sequences generating one token each.
  uint32_t num_decode_seqs = 0;
  uint64_t decode_context_tokens = 0;   // sum of the KV lengths the decodes attend over
  // Rows of the LM head: sequences that sample a token at the end of the step.
  uint32_t num_sampled = 0;

  uint64_t total_tokens() const { return prefill_tokens + num_decode_seqs; }
  bool empty() const { return total_tokens() == 0; }
};

// How a model is deployed on GPUs.
struct Deployment {
  uint32_t tensor_parallel = 1;
  uint32_t pipeline_parallel = 1;
  DType weight_dtype = DType::kBf16;
  DType kv_dtype = DType::kFp16;
  bool sparsity_2_4 = false;  // 2:4 structured sparsity on the linear layers
  // Mixture-of-experts models only: each GPU of the tensor-parallel group holds num_experts / tp
  // whole routed experts (vLLM --enable-expert-parallel) instead of a 1/tp slice of every expert
  // (vLLM's default). Attention and shared experts stay tensor-parallel. Ignored by dense models.
  bool expert_parallel = false;
};

class StepModel {
 public:
  virtual ~StepModel() = default;
  // Wall time of one engine step (all layers, all pipeline stages, sampling and the per-step
  // CPU overhead), in seconds.
  virtual double step_seconds(const BatchShape& batch) const = 0;
  // What the model is and where its numbers come from; recorded in summary.json.
  virtual nlohmann::json describe() const = 0;
};

}  // namespace kvsim
