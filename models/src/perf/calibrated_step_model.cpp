#include "perf/calibrated_step_model.h"

#include <algorithm>
#include <cmath>

namespace kvsim {

namespace {

// The token grid of the tables: exact counts up to 32, then steps of 8 tokens (the spacing of
// Vidur's measurements, so a step in a cuBLAS curve is not smoothed over) up to 4096, then steps of
// 64 and 512 up to 262,144. Each segment ends where the next begins; positions are continuous.
struct Segment {
  double start, step, first_position;
};
constexpr Segment kSegments[] = {{0, 1, 0}, {32, 8, 32}, {4096, 64, 540}, {32768, 512, 988}};
constexpr int kNumSegments = 4;
constexpr double kGridMaxTokens = 262144;
constexpr size_t kGridPoints = 1437;  // position of kGridMaxTokens is 1436

double grid_position(double tokens) {
  for (int i = kNumSegments - 1; i >= 0; --i)
    if (tokens >= kSegments[i].start)
      return kSegments[i].first_position + (tokens - kSegments[i].start) / kSegments[i].step;
  return 0;
}

double grid_tokens(size_t position) {
  for (int i = kNumSegments - 1; i >= 0; --i)
    if (static_cast<double>(position) >= kSegments[i].first_position)
      return kSegments[i].start + (static_cast<double>(position) - kSegments[i].first_position) * kSegments[i].step;
  return 0;
}

constexpr double kActivationBytes = 2;
constexpr double kLogitBytes = 4;  // the sampler works on fp32 logits

}  // namespace

CalibratedStepModel::CalibratedStepModel(std::shared_ptr<const CalibrationProfile> profile, const LlmSpec& llm,
                                         const GpuSpec& gpu, const Deployment& deployment,
                                         RooflineOptions roofline_options, CustomAllReduceTerms custom_all_reduce)
    : profile_(std::move(profile)),
      llm_(llm),
      gpu_(gpu),
      deployment_(deployment),
      roofline_options_(roofline_options),
      custom_all_reduce_(custom_all_reduce),
      roofline_(llm, gpu, deployment, roofline_options),
      plan_(plan_model(llm, gpu, deployment)) {
  token_table_ = tabulate(&CalibratedStepModel::token_dependent_s, kGridMaxTokens);
  sampled_table_ = tabulate(&CalibratedStepModel::sampled_rows_s, kGridMaxTokens);
}

std::vector<double> CalibratedStepModel::tabulate(double (CalibratedStepModel::*f)(double) const,
                                                  double max_tokens) const {
  std::vector<double> table(kGridPoints, 0.0);
  for (size_t i = 1; i < kGridPoints && grid_tokens(i) <= max_tokens; ++i)
    table[i] = std::max(table[i - 1], (this->*f)(grid_tokens(i)));
  return table;
}

double CalibratedStepModel::table_lookup(const std::vector<double>& table, double tokens) {
  const double pos = grid_position(tokens);
  const size_t i = static_cast<size_t>(pos);
  if (i + 1 >= table.size()) return -1;  // past the grid: the caller computes directly
  const double frac = pos - static_cast<double>(i);
  return table[i] + frac * (table[i + 1] - table[i]);
}

void CalibratedStepModel::add_layer_ops(const LayerPlan& layer, double tokens, double weight,
                                        CalibratedBreakdown& out) const {
  const CalibrationProfile& p = *profile_;
  auto add = [&](LayerOp op, double seconds, Provenance how) {
    const size_t i = static_cast<size_t>(op);
    out.layer_s[i] += weight * seconds;
    // Report the weakest source that contributed.
    out.layer_provenance[i] = std::max(out.layer_provenance[i], how);
  };
  if (tokens <= 0) return;
  for (const LinearOp& g : layer.linears) {
    Provenance how;
    const double s = p.gemm_seconds(tokens, static_cast<double>(g.n), static_cast<double>(g.k), plan_.kind, &how);
    add(g.op, s, how);
  }
  if (layer.routed.experts > 0) {
    // The routed experts run as one grouped kernel per projection (vLLM fused_moe) on the GPU that
    // finishes last: each of its active experts a GEMM over the mean rows, one launch floor for the
    // group, and never faster than the most-loaded expert's GEMM alone (perf/moe_routing.h).
    const RoutedExperts& r = layer.routed;
    const ExpertLoad load = r.routing.load(tokens);
    const double rows = std::max(1.0, load.rows_per_active());
    const double longest_rows = r.routing.max_expert_rows(tokens);
    const double floor_s = p.reference.kernel_floor_s;
    for (const LinearOp& g : r.linears) {
      Provenance how;
      const double n = static_cast<double>(g.n), k = static_cast<double>(g.k);
      const double each = p.gemm_seconds(rows, n, k, plan_.kind, &how);
      const double longest = p.gemm_seconds(longest_rows, n, k, plan_.kind);
      add(g.op, std::max(load.active_experts * std::max(0.0, each - floor_s) + floor_s, longest),
          std::max(how, Provenance::kTransferred));
    }
  }
  for (const ElementwiseTerm& e : layer.elementwise) {
    Provenance how;
    const double s = p.elementwise_seconds(e.kernel, tokens * e.bytes_per_token, &how);
    add(e.op, s, how);
  }
  if (layer.all_reduces > 0) {
    const double bytes = tokens * layer.all_reduce_bytes_per_token;
    if (uses_custom_all_reduce(custom_all_reduce_, bytes, plan_.tp, gpu_.nvlink_bytes_per_s)) {
      const double s = custom_all_reduce_seconds(custom_all_reduce_, bytes, plan_.tp, gpu_.nvlink_bytes_per_s);
      add(LayerOp::kAllReduce, layer.all_reduces * s, Provenance::kRoofline);
    } else {
      Provenance how;
      const double s = p.collective_seconds(CollectiveOp::kAllReduce, bytes, plan_.tp, plan_.tp, &how);
      add(LayerOp::kAllReduce, layer.all_reduces * s, how);
    }
  }
}

double CalibratedStepModel::token_dependent_s(double tokens) const {
  if (tokens <= 0) return 0;
  CalibratedBreakdown b;
  double total = 0;
  for (const LayerPlan& layer : plan_.layers) {
    b.layer_s.fill(0);
    add_layer_ops(layer, tokens, 1.0, b);
    for (size_t i = 0; i < kNumLayerOps; ++i) total += layer.count * b.layer_s[i];
  }
  const double hidden_bytes = tokens * static_cast<double>(plan_.hidden) * kActivationBytes;
  total += profile_->elementwise_seconds(ElementwiseOp::kEmbedding, hidden_bytes);
  if (plan_.pp > 1)
    total += (plan_.pp - 1) * profile_->collective_seconds(CollectiveOp::kSendRecv, hidden_bytes, 2, 2);
  return total;
}

double CalibratedStepModel::sampled_rows_s(double rows) const {
  if (rows <= 0) return 0;
  // The LM head stays 16-bit whatever the block weights are (vLLM quantises the block linears).
  const double head = profile_->gemm_seconds(rows, static_cast<double>(plan_.vocab_per_gpu),
                                             static_cast<double>(plan_.hidden), GemmKind{});
  const double logits = rows * static_cast<double>(llm_.vocab_size) * kLogitBytes;
  return head + profile_->elementwise_seconds(ElementwiseOp::kSampling, logits);
}

double CalibratedStepModel::attention_s(const BatchShape& batch, double* prefill_s, double* decode_s,
                                        Provenance* prefill_how, Provenance* decode_how) const {
  const AttentionPlan& a = plan_.attention;
  const double layers = llm_.num_layers;
  const bool measured_prefill = !profile_->attention_prefill.empty();
  const bool measured_decode = !profile_->attention_decode.empty();
  double prefill = 0, decode = 0;
  if (!measured_prefill || !measured_decode) {
    const OpSeconds r = roofline_.op_seconds(batch);
    prefill = r.attention_prefill;
    decode = r.attention_decode;
  }
  if (measured_prefill) {
    const double flops = batch.prefill_attn_pairs * a.prefill_flops_per_pair;
    prefill = flops > 0 ? layers * profile_->attention_prefill.at_or_proportional(flops) : 0;
  }
  if (measured_decode) {
    const double bytes = static_cast<double>(batch.decode_context_tokens) * a.kv_bytes_per_token +
                         batch.num_decode_seqs * a.query_bytes_per_token;
    decode = bytes > 0 ? layers * profile_->attention_decode.at_or_proportional(bytes) : 0;
  }
  if (prefill_s) *prefill_s = prefill;
  if (decode_s) *decode_s = decode;
  if (prefill_how) *prefill_how = measured_prefill ? Provenance::kMeasured : Provenance::kRoofline;
  if (decode_how) *decode_how = measured_decode ? Provenance::kMeasured : Provenance::kRoofline;
  return prefill + decode;
}

double CalibratedStepModel::step_seconds(const BatchShape& batch) const {
  if (batch.empty()) return 0;
  const double tokens = static_cast<double>(batch.total_tokens());
  double dense = table_lookup(token_table_, tokens);
  if (dense < 0) dense = token_dependent_s(tokens);
  double sampled = table_lookup(sampled_table_, batch.num_sampled);
  if (sampled < 0) sampled = sampled_rows_s(batch.num_sampled);
  return dense + sampled + attention_s(batch, nullptr, nullptr, nullptr, nullptr) +
         roofline_options_.step_overhead_s;
}

CalibratedBreakdown CalibratedStepModel::breakdown(const BatchShape& batch) const {
  CalibratedBreakdown b;
  b.num_layers = llm_.num_layers;
  const double tokens = static_cast<double>(batch.total_tokens());
  for (const LayerPlan& layer : plan_.layers)
    add_layer_ops(layer, tokens, static_cast<double>(layer.count) / llm_.num_layers, b);
  double prefill = 0, decode = 0;
  Provenance prefill_how, decode_how;
  attention_s(batch, &prefill, &decode, &prefill_how, &decode_how);
  b.layer_s[static_cast<size_t>(LayerOp::kAttentionPrefill)] = prefill / llm_.num_layers;
  b.layer_s[static_cast<size_t>(LayerOp::kAttentionDecode)] = decode / llm_.num_layers;
  b.layer_provenance[static_cast<size_t>(LayerOp::kAttentionPrefill)] = prefill_how;
  b.layer_provenance[static_cast<size_t>(LayerOp::kAttentionDecode)] = decode_how;
  for (double s : b.layer_s) b.layer_total_s += s;

  const double hidden_bytes = tokens * static_cast<double>(plan_.hidden) * kActivationBytes;
  b.embedding_s = tokens > 0 ? profile_->elementwise_seconds(ElementwiseOp::kEmbedding, hidden_bytes) : 0;
  if (batch.num_sampled > 0) {
    b.lm_head_s = profile_->gemm_seconds(batch.num_sampled, static_cast<double>(plan_.vocab_per_gpu),
                                         static_cast<double>(plan_.hidden), GemmKind{});
    b.sampling_s = sampled_rows_s(batch.num_sampled) - b.lm_head_s;
  }
  if (plan_.pp > 1 && tokens > 0)
    b.pipeline_send_recv_s =
        (plan_.pp - 1) * profile_->collective_seconds(CollectiveOp::kSendRecv, hidden_bytes, 2, 2);
  b.overhead_s = batch.empty() ? 0 : roofline_options_.step_overhead_s;
  b.step_s = batch.empty() ? 0
                           : b.layer_total_s * llm_.num_layers + b.embedding_s + b.lm_head_s + b.sampling_s +
                                 b.pipeline_send_recv_s + b.overhead_s;
  return b;
}

nlohmann::json CalibratedStepModel::describe() const {
  nlohmann::json d;
  d["kind"] = "calibrated";
  d["model"] = llm_.name;
  d["gpu"] = gpu_.name;
  d["deployment"] = {{"tensor_parallel", deployment_.tensor_parallel},
                     {"pipeline_parallel", deployment_.pipeline_parallel},
                     {"weight_dtype", dtype_name(deployment_.weight_dtype)},
                     {"kv_dtype", dtype_name(deployment_.kv_dtype)},
                     {"sparsity_2_4", deployment_.sparsity_2_4},
                     {"expert_parallel", deployment_.expert_parallel}};
  d["profile"] = profile_->describe();
  const bool gemm_kind_measured = profile_->has_gemm_kind(plan_.kind);
  d["from_profile"] = nlohmann::json::array();
  d["from_roofline"] = nlohmann::json::array();
  auto put = [&](const char* what, bool measured) { d[measured ? "from_profile" : "from_roofline"].push_back(what); };
  put("linear layers", profile_->has_gemm_kind(GemmKind{}));
  put("attention_prefill", !profile_->attention_prefill.empty());
  put("attention_decode", !profile_->attention_decode.empty());
  put("all_reduce", plan_.tp == 1 || std::any_of(profile_->collectives.begin(), profile_->collectives.end(),
                                                  [&](const CollectiveCurve& c) {
                                                    return c.op == CollectiveOp::kAllReduce && c.ranks == plan_.tp;
                                                  }));
  put("step_overhead", false);
  if (!gemm_kind_measured && profile_->has_gemm_kind(GemmKind{}))
    d["note"] = gemm_kind_name(plan_.kind) +
                " GEMMs were not measured: the bf16 curves are rescaled by the ratio of the two rooflines";
  d["roofline_options"] = to_json(roofline_options_);
  return d;
}

}  // namespace kvsim
