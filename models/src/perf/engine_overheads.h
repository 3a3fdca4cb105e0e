// EngineOverheads: what a real serving engine's step and request cost beyond the operators the
// kernel profile measures. Each term is named after the vLLM (v0.15) mechanism it models, has a
// default with its source, and can be set in a calibration profile's "engine" section (where
// `kvsim fit` writes fitted values) and overridden in a scenario's perf_model.engine.
//
//   cuda_graphs        vLLM captures CUDA graphs for batch sizes up to max_capture_size and pads a
//                      batch to the next captured size: decode-only batches replay one full graph,
//                      other batches up to that size replay piecewise graphs (attention launched
//                      eagerly between them), larger batches run eagerly, one launch per kernel.
//   custom_all_reduce  vLLM's own all-reduce over NVLink (one-shot or two-shot) below its size
//                      limit; NCCL (the profile's measured curve) above it.
//   cpu                per-step engine CPU time (scheduling, input preparation, sampling and output
//                      bookkeeping), overlapped with the GPU under async scheduling.
//   sampler            vLLM v0.15's sampler, run eagerly on the GPU after the forward pass: the
//                      PyTorch-native top-k/top-p path (a sort of each sampled row's logits) when
//                      the requests' sampling parameters filter, and the penalty bookkeeping when
//                      they carry repetition/frequency/presence penalties (catalog/sampling.h).
//   frontend           per-request costs outside the engine step: the API server and tokenisation
//                      before the request reaches the scheduler, detokenisation and streaming after
//                      each token. They add to TTFT and E2E, never occupy the GPU.
// Sources and the reasoning behind each default: docs/calibration.md §6 (engine overheads).
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/json_reader.h"

namespace kvsim {

enum class CudaGraphMode { kNone, kPiecewise, kFullAndPiecewise };
const char* cuda_graph_mode_name(CudaGraphMode m);  // "none", "piecewise", "full_and_piecewise"

struct CudaGraphTerms {
  CudaGraphMode mode = CudaGraphMode::kFullAndPiecewise;  // vLLM >= 0.11 default cudagraph_mode
  // Largest captured batch (tokens); 0 = vLLM's default, min(2 x max_num_seqs, 512).
  uint32_t max_capture_size = 0;
  double graph_launch_s = 10e-6;   // CPU time to replay one captured graph
  double kernel_launch_s = 5e-6;   // CPU time to launch one kernel eagerly (PyTorch dispatch + launch)
};

struct CustomAllReduceTerms {
  bool enabled = true;                      // vLLM's default on fully NVLink-connected GPUs
  double max_bytes = 8.0 * 1024 * 1024;     // vLLM CustomAllreduce max_size (8 MiB)
  double one_shot_latency_s = 6e-6;         // barrier + one kernel, small messages
  double two_shot_latency_s = 9e-6;         // two barriers (reduce-scatter then all-gather)
  double link_efficiency = 0.7;             // fraction of the NVLink per-direction bandwidth reached
};

struct CpuStepTerms {
  bool async_scheduling = true;  // vLLM >= 0.14 default: CPU work of step n+1 overlaps GPU step n
  double base_s = 1.0e-3;        // per step
  double per_seq_s = 10e-6;      // per scheduled sequence
};

struct SamplerTerms {
  // Per step in which any sampled row uses top-k or top-p: the eager ops of vLLM's PyTorch-native
  // path around the sort (gather, masks, softmax, cumsum, scatter back), fitted by `kvsim fit`.
  double top_k_top_p_s = 0.5e-3;
  // GPU time of the sort per logit element (sampled rows x vocabulary): 0.13 ns, the PyTorch-native
  // column of vLLM PR #40376's sampler benchmark (2.32 ms for 128 x 131,072, 0.63 ms for 128 x 32,768).
  double sort_s_per_element = 0.13e-9;
  // Per step in which any row has a penalty: vLLM pads the requests' output token ids into a tensor,
  // copies it to the GPU and scatters prompt and output token counts over the vocabulary: about 15
  // small eager kernels at ~5 us each plus their traffic, an estimate (no measurement is shared).
  double penalties_s = 0.1e-3;
};

struct FrontendTerms {
  double arrival_s = 2e-3;            // API server: HTTP handling, request validation, queueing to the engine
  double per_prompt_token_s = 1e-6;   // tokenisation
  double output_s = 1e-3;             // detokenisation and streaming of one output, client-visible lag
};

struct EngineOverheads {
  CudaGraphTerms cuda_graphs;
  CustomAllReduceTerms custom_all_reduce;
  CpuStepTerms cpu;
  SamplerTerms sampler;
  FrontendTerms frontend;

  // Reads the fields present in `r` on top of the current values (so a scenario overrides only
  // what it names); the caller rejects unknown keys of `r`.
  void read(JsonReader& r);
  nlohmann::json to_json() const;

  // Client-visible delay a request's arrival adds before the scheduler sees it, in seconds.
  double arrival_delay_s(uint32_t prompt_tokens) const {
    return frontend.arrival_s + frontend.per_prompt_token_s * prompt_tokens;
  }
};

// The batch sizes vLLM captures graphs for, as vLLM computes them: 1, 2, 4, then every 8 to 248,
// then every 16 from 256, up to `max_size`; `padded_size` is the smallest captured size >= n, or 0
// when n is larger than every captured size.
class CaptureSizes {
 public:
  explicit CaptureSizes(uint32_t max_size = 512);
  uint32_t max_size() const { return max_; }
  uint32_t padded_size(uint64_t n) const { return n <= max_ ? pad_[n] : 0; }

 private:
  uint32_t max_ = 0;
  std::array<uint32_t, 513> pad_{};  // max_size is capped at 512 (vLLM's own cap)
};

// vLLM's default max_cudagraph_capture_size for a max_num_seqs: min(2 x max_num_seqs, 512).
uint32_t default_max_capture_size(uint32_t max_num_seqs);

// Seconds of one all-reduce of `bytes` (per GPU) across `ranks` GPUs by vLLM's custom all-reduce,
// over `link_bytes_per_s` (NVLink, one direction, per GPU). One-shot (every rank reads every peer's
// buffer: (ranks-1) x bytes in) when ranks == 2, or below 512 KiB at <= 4 ranks, or below 256 KiB at
// <= 8 ranks; two-shot (reduce-scatter, all-gather: 2 (ranks-1)/ranks x bytes) otherwise; the
// thresholds are those of vLLM's csrc/custom_all_reduce.cuh.
double custom_all_reduce_seconds(const CustomAllReduceTerms& t, double bytes, uint32_t ranks,
                                 double link_bytes_per_s);
// Whether vLLM would use its custom all-reduce for this message: enabled, 2..8 ranks, NVLink,
// and below the size limit.
bool uses_custom_all_reduce(const CustomAllReduceTerms& t, double bytes, uint32_t ranks, double nvlink_bytes_per_s);

}  // namespace kvsim
