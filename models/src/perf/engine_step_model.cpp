#include "perf/engine_step_model.h"

#include <algorithm>

namespace kvsim {

namespace {

// Kernels one transformer layer launches in eager mode, as vLLM's model code issues them: fused
// add + RMSNorm twice, fused QKV GEMM, rotary, attention (and its KV-cache write), O GEMM, fused
// gate/up GEMM, SiLU-and-mul, down GEMM; plus two all-reduces with tensor parallelism.
constexpr double kKernelsPerLayer = 10;
constexpr double kAllReducesPerLayer = 2;

}  // namespace

EngineStepModel::EngineStepModel(std::unique_ptr<StepModel> kernels, const EngineOverheads& overheads,
                                 uint32_t num_layers, uint32_t tp, uint32_t max_num_seqs,
                                 const SamplingParams& sampling, uint32_t vocab_size)
    : kernels_(std::move(kernels)),
      overheads_(overheads),
      capture_(overheads.cuda_graphs.mode == CudaGraphMode::kNone ? 0
               : overheads.cuda_graphs.max_capture_size > 0   ? overheads.cuda_graphs.max_capture_size
                                                              : default_max_capture_size(max_num_seqs)),
      num_layers_(num_layers),
      kernels_per_layer_(kKernelsPerLayer + (tp > 1 ? kAllReducesPerLayer : 0)),
      sampling_(sampling) {
  const SamplerTerms& t = overheads_.sampler;
  if (sampling.filters()) {
    sampler_fixed_s_ += t.top_k_top_p_s;
    sampler_per_row_s_ += t.sort_s_per_element * vocab_size;
  }
  if (sampling.penalties()) sampler_fixed_s_ += t.penalties_s;
}

EngineStepExplain EngineStepModel::explain(const BatchShape& batch) const {
  EngineStepExplain e;
  if (batch.empty()) return e;
  const CudaGraphTerms& g = overheads_.cuda_graphs;
  e.tokens = e.padded_tokens = batch.total_tokens();
  const uint32_t padded = capture_.padded_size(e.tokens);
  BatchShape padded_batch = batch;
  if (padded > 0) {
    const bool decode_only = batch.prefill_tokens == 0;
    const bool full = decode_only && g.mode == CudaGraphMode::kFullAndPiecewise;
    e.graph = full ? "full" : "piecewise";
    e.padded_tokens = padded;
    // Padding rows are dummy decode tokens: they widen the GEMMs, attend over nothing.
    padded_batch.num_decode_seqs += static_cast<uint32_t>(padded - e.tokens);
    e.launch_s = full ? g.graph_launch_s : (num_layers_ + 1) * g.graph_launch_s + num_layers_ * g.kernel_launch_s;
  } else {
    e.launch_s = num_layers_ * kernels_per_layer_ * g.kernel_launch_s;
  }
  e.kernels_s = kernels_->step_seconds(padded_batch);
  if (batch.num_sampled > 0) e.sampler_s = sampler_fixed_s_ + sampler_per_row_s_ * batch.num_sampled;
  // The sampler's eager kernels queue behind the forward pass on the GPU.
  const double gpu = std::max(e.kernels_s, e.launch_s) + e.sampler_s;
  const double seqs = static_cast<double>(batch.num_prefill_seqs) + batch.num_decode_seqs;
  e.cpu_s = overheads_.cpu.base_s + overheads_.cpu.per_seq_s * seqs;
  e.step_s = overheads_.cpu.async_scheduling ? std::max(gpu, e.cpu_s) : gpu + e.cpu_s;
  return e;
}

nlohmann::json EngineStepModel::describe() const {
  nlohmann::json d = kernels_->describe();
  d["engine"] = overheads_.to_json();
  d["engine"]["cuda_graphs"]["captured_up_to"] = capture_.max_size();
  d["engine"]["sampling"] = sampling_.to_json();
  return d;
}

}  // namespace kvsim
