// CalibratedStepModel: the time of one engine step from a CalibrationProfile (measured kernel
// times of one GPU) and the operators of the model as deployed (perf/calibrated_operators.h).
//
// Per step: every layer's GEMMs, norms, rotary, activation, residual add and all-reduces over all
// the step's tokens, plus its attention (prefill part by FLOPs, decode part by KV bytes read), for
// all layers of all pipeline stages; then the embedding, the LM head and sampling over the sampled
// rows, the pipeline hops, and the CPU overhead. Whatever the profile has not measured (attention
// in the Vidur-derived profiles, the CPU overhead) comes from the datasheet roofline
// (perf/roofline.h), and describe() says which part came from where.
//
// Speed: the token-dependent part (everything but attention) is tabulated once at construction
// on a grid of token counts (exact up to 32 tokens, steps of 8 up to 4096, then wider steps up to
// 262,144, linear in between, made non-decreasing), so step_seconds() is a few table reads and
// multiplications, allocates nothing, and costs well under a microsecond
// (tests/bench/bench_step_model.cpp).
#pragma once
#include <array>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/llm_spec.h"
#include "perf/calibrated_operators.h"
#include "perf/engine_overheads.h"
#include "perf/profile.h"
#include "perf/roofline.h"
#include "perf/step_model.h"

namespace kvsim {

// Per-operator seconds of one step, as `kvsim predict` prints them.
struct CalibratedBreakdown {
  // One layer on one GPU (for a MoE model, the mean over its dense and MoE layers).
  std::array<double, kNumLayerOps> layer_s{};
  std::array<Provenance, kNumLayerOps> layer_provenance{};
  double layer_total_s = 0;
  uint32_t num_layers = 0;
  // Once per step.
  double embedding_s = 0, lm_head_s = 0, sampling_s = 0, pipeline_send_recv_s = 0, overhead_s = 0;
  double step_s = 0;
};

class CalibratedStepModel : public StepModel {
 public:
  // `roofline_options` set the fallback for what the profile has not measured (attention without
  // attention curves, the per-step CPU overhead). With `custom_all_reduce` enabled, all-reduces it
  // covers are priced as vLLM's custom all-reduce (perf/engine_overheads.h) instead of the
  // profile's NCCL curve. Throws InputError for a deployment vLLM refuses.
  CalibratedStepModel(std::shared_ptr<const CalibrationProfile> profile, const LlmSpec& llm, const GpuSpec& gpu,
                      const Deployment& deployment, RooflineOptions roofline_options = {},
                      CustomAllReduceTerms custom_all_reduce = {.enabled = false});

  double step_seconds(const BatchShape& batch) const override;
  nlohmann::json describe() const override;

  // Every operator computed from the profile directly (no tables): for `kvsim predict`,
  // validation and tests. step_s agrees with step_seconds() to within the table's interpolation.
  CalibratedBreakdown breakdown(const BatchShape& batch) const;

  const CalibrationProfile& profile() const { return *profile_; }
  const ModelPlan& plan() const { return plan_; }

 private:
  // Seconds of every non-attention layer operator for `tokens` tokens, summed over all layers,
  // plus the embedding and the pipeline hops: the tabulated part.
  double token_dependent_s(double tokens) const;
  // LM head and sampling for `rows` sampled rows.
  double sampled_rows_s(double rows) const;
  // Attention of all layers, from the profile's curves or the roofline.
  double attention_s(const BatchShape& batch, double* prefill_s, double* decode_s, Provenance* prefill_how,
                     Provenance* decode_how) const;
  // Per-layer operator seconds of one layer kind, accumulated into `out` weighted by `weight`.
  void add_layer_ops(const LayerPlan& layer, double tokens, double weight, CalibratedBreakdown& out) const;

  static double table_lookup(const std::vector<double>& table, double tokens);
  std::vector<double> tabulate(double (CalibratedStepModel::*f)(double) const, double max_tokens) const;

  std::shared_ptr<const CalibrationProfile> profile_;
  LlmSpec llm_;
  GpuSpec gpu_;
  Deployment deployment_;
  RooflineOptions roofline_options_;
  CustomAllReduceTerms custom_all_reduce_;
  RooflineStepModel roofline_;
  ModelPlan plan_;
  std::vector<double> token_table_;    // token_dependent_s on the grid
  std::vector<double> sampled_table_;  // sampled_rows_s on the grid
};

}  // namespace kvsim
