// RooflineStepModel: the time of one engine step from the GPU's datasheet and the model's shapes,
// with no measurement. Each operator of each layer takes
//     max(FLOPs / (peak x compute_efficiency), bytes / (HBM bandwidth x memory_efficiency),
//         kernels x min_kernel_s)
// for the per-GPU share of the work under tensor parallelism:
//   qkv_proj, o_proj, gate_up_proj, down_proj  GEMMs over the step's tokens (2 x M x N x K FLOPs;
//       bytes = weights in the deployed dtype + activations in and out); MoE layers run the
//       router and the shared experts over every token and the routed experts as a grouped GEMM
//       that reads the experts the step's tokens are expected to touch, on the busiest GPU
//       (perf/moe_routing.h; expert parallelism holds whole experts per GPU);
//   attention_prefill  causal pairs (BatchShape::prefill_attn_pairs) x 4 x head_dim FLOPs per
//       head at the FlashAttention-3 efficiency of RooflineOptions (a function of head dim and
//       sequence length), reading prefill_kv_tokens of KV; attention_decode reads
//       decode_context_tokens of KV; both plus the kernel that writes the step's new K and V into
//       the paged cache (vLLM's reshape_and_cache_flash), memory bound;
//   norms_elementwise  RMSNorm/LayerNorm, rotary, activation, residual, embedding: memory bound;
//   lm_head  num_sampled rows x vocab;
//   all_reduce  two per layer when tp > 1: ring, 2(tp-1)/tp x bytes / link + collective_latency_s;
//   pipeline_send_recv  (pp - 1) hops of the hidden state and residual;
//   overhead  step_overhead_s of CPU work per step.
// The step is the sum (pipeline stages run one after another for one batch). fp8 weights use the
// GPU's fp8 peak and int8 weights its int8 peak where the GPU has them (else weight-only
// quantisation at the bf16 peak); int4 weights run at the bf16 peak and read a quarter of the
// bytes plus group scales. 2:4 sparsity halves the GEMM FLOPs (the dense-equivalent work runs at
// twice the dense peak, NVIDIA's "with sparsity" datasheet figures; A100 architecture whitepaper)
// and stores half the weights plus 2-bit indices. step_seconds is O(1) and allocates nothing.
#pragma once
#include <cstdint>

#include <nlohmann/json.hpp>

#include "catalog/llm_spec.h"
#include "core/json_reader.h"
#include "perf/moe_routing.h"
#include "perf/step_model.h"

namespace kvsim {

struct RooflineOptions {
  // Fraction of the datasheet tensor peak GEMMs and attention reach. 0.75: Vidur's H100 timings of
  // Llama-2-7B's GEMMs at 4096 tokens reach 0.71-0.85 of 989.5 TFLOP/s (docs/models.md).
  double compute_efficiency = 0.75;
  // Fraction of the datasheet HBM bandwidth memory-bound kernels reach. 0.8: the same timings at
  // one token read the weights at 0.63-0.84 of 3.35 TB/s.
  double memory_efficiency = 0.8;
  // CPU work per step (scheduling, input preparation, sampling bookkeeping). An assumption of the
  // right order for vLLM's V1 engine; a calibration profile replaces it.
  double step_overhead_s = 1e-3;
  // Fixed cost of one collective (all-reduce, send/recv). Vidur's H100 NVLink all-reduce timings
  // for messages under 128 KiB lie between 7 and 40 us.
  double collective_latency_s = 10e-6;
  // The shortest a kernel takes, however little it does (Vidur's H100 RMSNorm and rotary kernels
  // at one token: 4 us).
  double min_kernel_s = 4e-6;
  // Prefill attention (a causal FlashAttention forward) reaches the bf16 tensor peak times
  //     head_dim / (head_dim + attention_softmax_head_dim) x L / (L + attention_half_length)
  // where L = 2 x query-key pairs / query tokens (the sequence length of a plain causal prefill).
  // The first factor is the softmax and rescaling work per score, priced as that many extra
  // head-dim elements of matmul; the second the diagonal tiles a causal mask half-wastes and the
  // per-tile prologue, amortised over the keys. Both fitted (log least squares, 12 points, within
  // 11%) to FlashAttention-3's forward BF16 causal figures on H100 SXM5 at head dim 64 and 128,
  // sequence 512..16k (Shah et al., arXiv:2407.08608, Figure 5); docs/attention.md.
  double attention_softmax_head_dim = 65.5;
  double attention_half_length = 685;
};

// The fraction of the bf16 peak a causal prefill attention reaches (the formula above).
double prefill_attention_efficiency(const RooflineOptions& o, double head_dim, double sequence_length);

// Reads the options from `r` (keys as the field names); the caller rejects unknown keys.
RooflineOptions read_roofline_options(JsonReader& r);
nlohmann::json to_json(const RooflineOptions& o);

// Seconds per operator for one step; the names are shared with the calibrated model and
// `kvsim predict`.
struct OpSeconds {
  double qkv_proj = 0, o_proj = 0, gate_up_proj = 0, down_proj = 0;
  double attention_prefill = 0, attention_decode = 0;
  double norms_elementwise = 0, lm_head = 0, all_reduce = 0, pipeline_send_recv = 0, overhead = 0;
  // Of the GEMMs and attention: the compute-roofline and memory-roofline terms, summed.
  double compute_bound_s = 0, memory_bound_s = 0;
  double total() const {
    return qkv_proj + o_proj + gate_up_proj + down_proj + attention_prefill + attention_decode +
           norms_elementwise + lm_head + all_reduce + pipeline_send_recv + overhead;
  }
};

class RooflineStepModel : public StepModel {
 public:
  // Throws InputError for a deployment vLLM would refuse (perf/deployment_layout.h).
  RooflineStepModel(LlmSpec model, GpuSpec gpu, Deployment deployment, RooflineOptions options = {});

  double step_seconds(const BatchShape& batch) const override;
  nlohmann::json describe() const override;

  OpSeconds op_seconds(const BatchShape& batch) const;
  // {"seconds": {operator: s, ...}, "total_seconds": s, "bound": "compute" | "memory"}, where
  // bound compares the summed compute and memory roofline terms of the GEMMs and attention.
  nlohmann::json breakdown(const BatchShape& batch) const;

  const LlmSpec& model() const { return model_; }
  const GpuSpec& gpu() const { return gpu_; }
  const Deployment& deployment() const { return deployment_; }
  const RooflineOptions& options() const { return options_; }

 private:
  // One GEMM of one layer on one GPU.
  struct Gemm {
    double flops_per_token = 0;
    double weight_bytes = 0;
    double act_bytes_per_token = 0;
  };
  void precompute();
  // Seconds of `layers` copies of `g` over `tokens` tokens, accumulating the roofline terms.
  double gemm_seconds(const Gemm& g, double tokens, double layers, OpSeconds& out) const;
  // One grouped routed-expert GEMM over the MoE layers on the busiest GPU (perf/moe_routing.h).
  double moe_seconds(const ExpertLoad& load, double weight_bytes_per_expert, double flops_per_row,
                     double act_bytes_per_row, OpSeconds& out) const;

  LlmSpec model_;
  GpuSpec gpu_;
  Deployment deployment_;
  RooflineOptions options_;

  // Rates (effective).
  double gemm_flops_per_s_ = 0, attn_flops_per_s_ = 0, bytes_per_s_ = 0, link_bytes_per_s_ = 0;
  // Per layer, per GPU.
  Gemm qkv_, o_, gate_up_, down_, lm_head_;
  double mla_kv_b_flops_per_token_ = 0;  // MLA: kv_b over decode tokens and prefill KV tokens
  double dense_mlp_layers_ = 0, moe_layers_ = 0, layers_ = 0;
  // MoE: what one GPU holds of one routed expert (a 1/tp slice, or a whole expert with expert
  // parallelism), the shared experts as dense GEMMs over every token, and the router.
  double expert_width_ = 0;
  double expert_gate_up_bytes_ = 0, expert_down_bytes_ = 0;  // one expert, one GPU
  double expert_gate_up_flops_ = 0, expert_down_flops_ = 0;  // per row
  double shared_experts_ = 0;
  ExpertRouting routing_;
  Gemm shared_gate_up_, shared_down_, router_;
  double attn_prefill_flops_per_pair_ = 0, attn_decode_flops_per_token_ = 0;
  double attn_head_dim_ = 0;  // the q.k head dimension prefill attention runs at
  double kv_bytes_per_token_layer_ = 0;
  double q_o_bytes_per_token_ = 0;  // the attention kernel's own traffic: Q read, O written
  // The cache-write kernel: new K and V (MLA: the latent) read, then written into the cache.
  double cache_write_input_bytes_per_token_ = 0, cache_write_bytes_per_token_ = 0;
  double elementwise_bytes_per_token_dense_ = 0, elementwise_bytes_per_token_moe_ = 0;
  double elementwise_bytes_per_token_step_ = 0;
  double elementwise_kernels_per_layer_ = 0;
  double hidden_bytes_per_token_ = 0;
};

}  // namespace kvsim
