// MemoryPlan: how many KV-cache blocks fit on each GPU of a replica, computed the way vLLM sizes
// its cache after the profiling run (vllm/v1/worker/gpu_worker.py determine_available_memory):
//
//   usable   = gpu_memory_bytes x gpu_memory_utilization
//   kv_bytes = usable - weights per GPU - activation peak - non-torch memory (CUDA context, NCCL)
//   num_gpu_blocks = floor(kv_bytes / (block_size x KV bytes per token per GPU))
//
// The activation peak is modelled from the shapes (or set explicitly): the larger of the forward
// pass over max_num_batched_tokens and the sampler over max_num_seqs rows of fp32 logits. The
// formulas and a worked example are in docs/models.md. A plan that leaves no room for one block
// (or for max_model_len tokens, when given) is an InputError saying how much memory is missing
// and which tensor-parallel degree or weight dtype would fit.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "catalog/llm_spec.h"
#include "core/json_reader.h"
#include "perf/step_model.h"

namespace kvsim {

struct MemoryOptions {
  double gpu_memory_utilization = 0.9;  // vLLM's default
  uint32_t block_size = 16;             // tokens per KV block (vLLM's default on CUDA)
  uint32_t max_num_batched_tokens = 8192;
  uint32_t max_num_seqs = 256;
  // Tokens one sequence must be able to hold (vLLM's max_model_len check); 0 skips the check.
  uint32_t max_model_len = 0;
  // Bytes reserved for activations; < 0 models the peak from the shapes.
  double activation_reserve_bytes = -1;
  // Memory outside PyTorch's allocator that grows during vLLM's profiling run (cuBLAS and
  // attention workspaces). vLLM's V1 worker snapshots memory after the CUDA context and NCCL are
  // initialised (vllm/v1/worker/gpu_worker.py init_device, "Initialize the distributed
  // environment BEFORE taking memory snapshot"), so neither counts, and a multi-GPU replica adds
  // nothing. 0.68 GiB: the median of what vLLM 0.15.1 left unexplained by weights, KV and the
  // modelled activation peak in 8 dense H100 deployments of 5 models at TP 1-4 (range 0.28-0.89
  // GiB; docs/models.md §3). vLLM 0.6 (PR #10511) counted more: 1.79 GiB, +1.79 GiB with NCCL.
  double non_torch_bytes = 0.68 * 1024 * 1024 * 1024;
  double multi_gpu_extra_bytes = 0;
  // fp32 [max_num_seqs, vocab] buffers alive at the sampler's peak (logits, probabilities, log
  // probabilities, sorted logits, int64 sort indices counting twice, ...).
  double sampler_logit_copies = 10;
};

// Reads the options from `r` (keys as the field names); the caller rejects unknown keys.
MemoryOptions read_memory_options(JsonReader& r);

struct MemoryPlan {
  double gpu_memory_bytes = 0;  // per GPU, as the driver reports it
  double usable_bytes = 0;      // gpu_memory_bytes x gpu_memory_utilization
  double weight_bytes_per_gpu = 0;
  double activation_reserve_bytes = 0;  // per GPU
  double non_torch_bytes = 0;           // per GPU
  double kv_cache_bytes_per_gpu = 0;    // usable - weights - activations - non-torch
  double kv_bytes_per_token_per_gpu = 0;
  double kv_bytes_per_block_per_gpu = 0;
  uint32_t block_size = 0;
  uint32_t num_gpus = 0;  // tensor_parallel x pipeline_parallel
  uint64_t num_gpu_blocks = 0;
  uint64_t kv_capacity_tokens = 0;  // num_gpu_blocks x block_size
  // Sequences of max_model_len tokens the cache holds at once (0 when max_model_len is 0).
  double max_concurrency = 0;

  nlohmann::json to_json() const;
};

MemoryPlan plan_memory(const LlmSpec& model, const GpuSpec& gpu, const Deployment& deployment,
                       const MemoryOptions& options);

// The modelled activation peak on one GPU (bytes), as plan_memory uses it.
double activation_peak_bytes(const LlmSpec& model, const Deployment& deployment,
                             const MemoryOptions& options);

}  // namespace kvsim
