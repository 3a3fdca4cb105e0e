// Mixture-of-experts layers priced as vLLM's FusedMoE runs them (perf/moe_routing.h): the router
// and the shared experts over every token, the routed experts as a grouped GEMM over the experts
// the tokens reach, on the busiest GPU; tensor-parallel slices versus expert parallelism.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/error.h"
#include "perf/calibrated_step_model.h"
#include "perf/moe_routing.h"
#include "perf/profile.h"
#include "perf/roofline.h"

using namespace kvsim;

namespace {

Catalog catalog() { return Catalog(std::string(KVSIM_SOURCE_DIR) + "/models"); }

Deployment deployment(uint32_t tp, bool expert_parallel, DType weights = DType::kBf16) {
  Deployment d;
  d.tensor_parallel = tp;
  d.expert_parallel = expert_parallel;
  d.weight_dtype = weights;
  return d;
}

BatchShape decode(uint32_t seqs, uint64_t context_each = 1000) {
  BatchShape b;
  b.num_decode_seqs = seqs;
  b.decode_context_tokens = seqs * context_each;
  b.num_sampled = seqs;
  return b;
}

// The routed GEMMs' HBM bytes the roofline charges per MoE layer, recovered from its memory term.
double routed_weight_bytes(const LlmSpec& m, uint32_t tp, bool ep, double active) {
  const double width = ep ? m.moe_intermediate_size : m.moe_intermediate_size / double(tp);
  return active * 3.0 * m.hidden_size * width * 2;  // bf16
}

// Monte-Carlo routing: each token picks k distinct experts uniformly; experts e live on GPU e / (E/G).
struct SimulatedLoad {
  double active_experts = 0, rows = 0, max_expert_rows = 0;
};

SimulatedLoad simulate(int experts, int k, int tokens, int groups, int trials) {
  std::mt19937_64 rng(12345);
  std::vector<int> ids(experts);
  SimulatedLoad mean;
  for (int t = 0; t < trials; ++t) {
    std::vector<int> rows(experts, 0);
    for (int i = 0; i < tokens; ++i) {
      for (int e = 0; e < experts; ++e) ids[e] = e;
      for (int j = 0; j < k; ++j) {  // partial Fisher-Yates: k distinct experts
        std::uniform_int_distribution<int> pick(j, experts - 1);
        std::swap(ids[j], ids[pick(rng)]);
        ++rows[ids[j]];
      }
    }
    const int per_group = experts / groups;
    double best_active = 0, best_rows = 0;
    for (int g = 0; g < groups; ++g) {
      double active = 0, r = 0;
      for (int e = g * per_group; e < (g + 1) * per_group; ++e) {
        active += rows[e] > 0;
        r += rows[e];
      }
      best_active = std::max(best_active, active);
      best_rows = std::max(best_rows, r);
    }
    mean.active_experts += best_active / trials;
    mean.rows += best_rows / trials;
    mean.max_expert_rows += *std::max_element(rows.begin(), rows.end()) / double(trials);
  }
  return mean;
}

}  // namespace

TEST_CASE("one token reaches exactly its k experts and many tokens reach them all") {
  CHECK(expected_active_experts(16, 1, 1) == Approx(1));
  CHECK(expected_active_experts(64, 6, 1) == Approx(6));
  CHECK(expected_active_experts(16, 1, 1000) == Approx(16));
  CHECK(expected_active_experts(64, 6, 0) == 0);
  const ExpertLoad one = ExpertRouting(16, 1, 1).load(1);
  CHECK(one.active_experts == Approx(1));
  CHECK(one.rows == Approx(1));
  CHECK(ExpertRouting(16, 1, 1).max_expert_rows(1) == Approx(1));
}

TEST_CASE("Blom's estimate of the largest of n normals is within 0.04 of the exact values") {
  // Exact expected maxima of n standard normals: the integral of x n phi(x) Phi(x)^(n-1), as
  // tabulated by Harter ("Expected values of normal order statistics", Biometrika 48, 1961).
  CHECK(expected_max_standard_normal(1) == 0);
  CHECK(expected_max_standard_normal(2) == Approx(0.5642).margin(0.04));
  CHECK(expected_max_standard_normal(4) == Approx(1.0294).margin(0.04));
  CHECK(expected_max_standard_normal(16) == Approx(1.7660).margin(0.04));
  CHECK(expected_max_standard_normal(64) == Approx(2.3437).margin(0.04));
}

TEST_CASE("the closed-form expert loads agree with simulated uniform routing within 12%") {
  struct Case {
    int experts, k, tokens, groups;
  };
  for (const Case c : {Case{16, 1, 8, 1}, Case{16, 1, 64, 1}, Case{16, 1, 512, 1}, Case{16, 1, 4, 2},
                       Case{16, 1, 64, 2}, Case{16, 1, 256, 4}, Case{64, 6, 16, 1}, Case{64, 6, 256, 8},
                       Case{128, 8, 32, 8}}) {
    CAPTURE(c.experts, c.k, c.tokens, c.groups);
    const SimulatedLoad sim = simulate(c.experts, c.k, c.tokens, c.groups, 400);
    const ExpertLoad est = ExpertRouting(c.experts, c.k, c.groups).load(c.tokens);
    CHECK(est.active_experts == Approx(sim.active_experts).epsilon(0.12));
    CHECK(est.rows == Approx(sim.rows).epsilon(0.12));
    CHECK(ExpertRouting(c.experts, c.k, c.groups).max_expert_rows(c.tokens) ==
          Approx(sim.max_expert_rows).epsilon(0.12));
  }
}

TEST_CASE("decoding one token reads one routed expert's weights, a large batch reads every expert") {
  const Catalog c = catalog();
  const LlmSpec m = c.llm("Llama-4-Scout-17B-16E");
  const GpuSpec gpu = c.gpu("H100-SXM");
  RooflineOptions o;
  o.min_kernel_s = 0;
  const RooflineStepModel r(m, gpu, deployment(1, false), o);
  const double bw = gpu.hbm_bytes_per_s * o.memory_efficiency;
  const double layers = m.num_layers;
  // At one token every MoE GEMM is memory bound: router + shared expert + one routed expert.
  const double router = double(m.hidden_size) * m.num_experts * 2;
  const double shared = 3.0 * m.hidden_size * m.moe_intermediate_size * 2;
  const double one = r.op_seconds(decode(1)).gate_up_proj + r.op_seconds(decode(1)).down_proj;
  const double expected_one = (router + shared + routed_weight_bytes(m, 1, false, 1)) / bw * layers;
  CHECK(one == Approx(expected_one).epsilon(0.01));
  // 512 decodes: all 16 experts are read (and still memory bound on H100 at this size).
  const OpSeconds many = r.op_seconds(decode(512));
  const double weights_all = (router + shared + routed_weight_bytes(m, 1, false, 16)) / bw * layers;
  CHECK(many.gate_up_proj + many.down_proj > 0.99 * weights_all);
  CHECK(many.gate_up_proj + many.down_proj > 8 * one);
}

TEST_CASE("the shared expert is charged at every batch size") {
  const Catalog c = catalog();
  LlmSpec with = c.llm("Llama-4-Scout-17B-16E");
  LlmSpec without = with;
  without.num_shared_experts = 0;
  const GpuSpec gpu = c.gpu("H100-SXM");
  for (uint32_t seqs : {1u, 64u, 2048u}) {
    CAPTURE(seqs);
    const RooflineStepModel a(with, gpu, deployment(2, false)), b(without, gpu, deployment(2, false));
    CHECK(a.op_seconds(decode(seqs)).gate_up_proj > b.op_seconds(decode(seqs)).gate_up_proj);
    CHECK(a.op_seconds(decode(seqs)).down_proj > b.op_seconds(decode(seqs)).down_proj);
  }
}

TEST_CASE("expert parallelism reads whole experts: slower than tensor slices for one token, equal when all are busy") {
  const Catalog c = catalog();
  const LlmSpec m = c.llm("Llama-4-Scout-17B-16E");
  const GpuSpec gpu = c.gpu("H100-SXM");
  const RooflineStepModel tp(m, gpu, deployment(2, false)), ep(m, gpu, deployment(2, true));
  // One token: its expert sits whole on one GPU (TP: half of it on each).
  const OpSeconds tp1 = tp.op_seconds(decode(1)), ep1 = ep.op_seconds(decode(1));
  CHECK(ep1.gate_up_proj + ep1.down_proj > 1.3 * (tp1.gate_up_proj + tp1.down_proj));
  // 4096 tokens: every expert busy on both GPUs, same bytes and FLOPs up to the imbalance.
  BatchShape big;
  big.num_prefill_seqs = 1;
  big.prefill_tokens = 4096;
  big.prefill_attn_pairs = 4096.0 * 4097 / 2;
  big.prefill_kv_tokens = 4096;
  big.num_sampled = 1;
  const OpSeconds tpb = tp.op_seconds(big), epb = ep.op_seconds(big);
  CHECK(epb.gate_up_proj == Approx(tpb.gate_up_proj).epsilon(0.05));
  // Attention and the dense parts are untouched by expert parallelism.
  CHECK(epb.attention_prefill == Approx(tpb.attention_prefill));
  CHECK(epb.qkv_proj == Approx(tpb.qkv_proj));
}

TEST_CASE("the calibrated model prices routed experts by the busiest GPU's active experts") {
  const Catalog c = catalog();
  const LlmSpec m = c.llm("Llama-4-Scout-17B-16E");
  const GpuSpec gpu = c.gpu("H100-SXM");
  auto profile = std::make_shared<const CalibrationProfile>(
      CalibrationProfile::load(std::string(KVSIM_SOURCE_DIR) + "/models/profiles/H100-SXM.json"));
  const CalibratedStepModel tp(profile, m, gpu, deployment(2, false, DType::kFp8));
  const CalibratedStepModel ep(profile, m, gpu, deployment(2, true, DType::kFp8));
  CHECK(tp.plan().layers.back().routed.groups == 1);
  CHECK(ep.plan().layers.back().routed.groups == 2);
  const auto gate_up = [](const CalibratedStepModel& s, uint32_t seqs) {
    return s.breakdown(decode(seqs)).layer_s[size_t(LayerOp::kGateUpProj)];
  };
  CHECK(gate_up(tp, 1) < gate_up(tp, 16));
  CHECK(gate_up(tp, 16) < gate_up(tp, 128));
  CHECK(gate_up(ep, 1) > gate_up(tp, 1));
  // fp8 weights (W8A8 on H100) cost less than bf16 at the same batch.
  const CalibratedStepModel bf16(profile, m, gpu, deployment(2, false));
  CHECK(gate_up(tp, 16) < gate_up(bf16, 16));
}

TEST_CASE("expert parallelism over a tensor-parallel size that does not divide the experts is an error") {
  const Catalog c = catalog();
  const LlmSpec m = c.llm("DeepSeek-V2-Lite");  // 64 experts, 16 heads
  const GpuSpec gpu = c.gpu("H100-SXM");
  CHECK_NOTHROW(RooflineStepModel(m, gpu, deployment(8, true)));
  LlmSpec odd = m;
  odd.num_experts = 60;
  CHECK_THROWS_WITH(RooflineStepModel(odd, gpu, deployment(8, true)),
                    Catch::Contains("expert_parallel") && Catch::Contains("divide"));
  // Dense models ignore the flag.
  CHECK_NOTHROW(RooflineStepModel(c.llm("Llama-3-8B"), gpu, deployment(2, true)));
}
