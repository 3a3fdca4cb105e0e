// EngineStepModel: a step as a serving engine runs it, around a model of its kernels.
//
// The inner model prices the kernels of a batch (perf/calibrated_step_model.h or the roofline).
// Around it (perf/engine_overheads.h):
//   1. CUDA graphs: a batch of at most max_capture_size tokens is padded to the next captured
//      size, so its linear layers and elementwise kernels run over the padded rows (attention
//      only over the real sequences); larger batches run eagerly.
//   2. Launch cost: the CPU must issue the step's work: one graph replay (decode-only batch, full
//      graph), num_layers + 1 piecewise graphs plus one eager attention launch per layer (other
//      batches within the captured sizes), or every kernel eagerly. The GPU cannot finish before
//      the CPU has issued its last piece: gpu = max(kernels, launches).
//   3. The sampler (SamplerTerms): eager GPU work after the forward pass, for the sampled rows,
//      when the requests' sampling parameters filter (top-k/top-p) or carry penalties.
//   4. Engine CPU time: base_s + per_seq_s x scheduled sequences. With async scheduling the CPU
//      prepares step n+1 while the GPU runs step n, so a step takes max(gpu, cpu); without it,
//      gpu + cpu.
// The per-request frontend terms are applied by the simulator (arrival delay before the scheduler,
// output lag after each token), not here. step_seconds is O(1) and allocates nothing.
#pragma once
#include <memory>

#include <nlohmann/json.hpp>

#include "catalog/sampling.h"
#include "perf/engine_overheads.h"
#include "perf/step_model.h"

namespace kvsim {

// How one step was priced, for `kvsim predict` and tests.
struct EngineStepExplain {
  const char* graph = "eager";  // "full", "piecewise", "eager"
  uint64_t tokens = 0, padded_tokens = 0;
  double kernels_s = 0;   // inner model over the padded batch
  double launch_s = 0;    // CPU time to issue the step's kernels or graphs
  double sampler_s = 0;   // eager sampler work after the forward pass
  double cpu_s = 0;       // engine CPU time of the step
  double step_s = 0;
};

class EngineStepModel : public StepModel {
 public:
  // `max_num_seqs` sets vLLM's default capture size when the terms leave it at 0; `tp` decides
  // whether the layer has all-reduce kernels to launch; `sampling` (the parameters the requests
  // run with) and `vocab_size` price the sampler.
  EngineStepModel(std::unique_ptr<StepModel> kernels, const EngineOverheads& overheads, uint32_t num_layers,
                  uint32_t tp, uint32_t max_num_seqs, const SamplingParams& sampling = {}, uint32_t vocab_size = 0);

  double step_seconds(const BatchShape& batch) const override { return explain(batch).step_s; }
  nlohmann::json describe() const override;
  EngineStepExplain explain(const BatchShape& batch) const;

  const StepModel& kernels() const { return *kernels_; }
  const EngineOverheads& overheads() const { return overheads_; }

 private:
  std::unique_ptr<StepModel> kernels_;
  EngineOverheads overheads_;
  CaptureSizes capture_;
  double num_layers_ = 0;
  double kernels_per_layer_ = 0;
  SamplingParams sampling_;
  double sampler_fixed_s_ = 0;    // per step with sampled rows
  double sampler_per_row_s_ = 0;  // per sampled row
};

}  // namespace kvsim
