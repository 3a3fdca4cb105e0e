// The engine terms around the kernels: CUDA-graph padding and launches, vLLM's custom all-reduce,
// the engine's CPU time with and without async scheduling, and the per-request frontend costs.
#include <catch2/catch.hpp>

#include <memory>

#include "catalog/catalog.h"
#include "perf/calibrated_step_model.h"
#include "perf/engine_step_model.h"
#include "perf/linear.h"
#include "perf/profile.h"
#include "perf/step_model_factory.h"
#include "run/simulation.h"
#include "scenario/scenario.h"

using namespace kvsim;

namespace {

BatchShape decodes(uint32_t n, uint64_t context_each) {
  BatchShape b;
  b.num_decode_seqs = n;
  b.decode_context_tokens = n * context_each;
  b.num_sampled = n;
  return b;
}

// An engine around a linear model that charges 1 ms per decode row: the padded row count shows.
EngineStepModel engine_over_linear(EngineOverheads o, uint32_t max_num_seqs = 128, uint32_t layers = 32) {
  LinearCoefficients c;
  c.per_decode_seq_s = 1e-3;
  c.per_prefill_token_s = 1e-3;
  return EngineStepModel(std::make_unique<LinearStepModel>(c), o, layers, 1, max_num_seqs);
}

EngineOverheads no_cpu() {
  EngineOverheads o;
  o.cpu.base_s = 0;
  o.cpu.per_seq_s = 0;
  return o;
}

}  // namespace

TEST_CASE("captured batch sizes follow vLLM: 1, 2, 4, every 8 to 248, every 16 from 256") {
  const CaptureSizes s(512);
  CHECK(s.padded_size(1) == 1);
  CHECK(s.padded_size(3) == 4);
  CHECK(s.padded_size(5) == 8);
  CHECK(s.padded_size(9) == 16);
  CHECK(s.padded_size(248) == 248);
  CHECK(s.padded_size(249) == 256);
  CHECK(s.padded_size(257) == 272);
  CHECK(s.padded_size(512) == 512);
  CHECK(s.padded_size(513) == 0);
  CHECK(default_max_capture_size(128) == 256);
  CHECK(default_max_capture_size(1024) == 512);
  // A limit between captured sizes: the largest captured size below it is the real limit.
  const CaptureSizes odd(250);
  CHECK(odd.max_size() == 248);
  CHECK(odd.padded_size(249) == 0);
  CHECK(CaptureSizes(0).padded_size(1) == 0);
}

TEST_CASE("a decode batch within the captured sizes is priced at its padded size, a larger one eagerly") {
  const EngineStepModel m = engine_over_linear(no_cpu());
  const EngineStepExplain small = m.explain(decodes(5, 100));
  CHECK(std::string(small.graph) == "full");
  CHECK(small.padded_tokens == 8);
  CHECK(small.kernels_s == Approx(8e-3));
  const EngineStepExplain large = m.explain(decodes(300, 100));  // above 2 x 128
  CHECK(std::string(large.graph) == "eager");
  CHECK(large.padded_tokens == 300);
  CHECK(large.kernels_s == Approx(0.3));
}

TEST_CASE("a mixed batch within the captured sizes replays piecewise graphs and launches attention eagerly") {
  EngineOverheads o = no_cpu();
  const EngineStepModel m = engine_over_linear(o, 128, 32);
  BatchShape b = decodes(3, 100);
  b.num_prefill_seqs = 1;
  b.prefill_tokens = 10;
  const EngineStepExplain e = m.explain(b);
  CHECK(std::string(e.graph) == "piecewise");
  CHECK(e.padded_tokens == 16);
  CHECK(e.launch_s == Approx(33 * o.cuda_graphs.graph_launch_s + 32 * o.cuda_graphs.kernel_launch_s));
}

TEST_CASE("without CUDA graphs tiny kernels leave the GPU waiting for the CPU's launches") {
  EngineOverheads o = no_cpu();
  o.cuda_graphs.mode = CudaGraphMode::kNone;
  LinearCoefficients c;
  c.per_decode_seq_s = 1e-7;  // kernels far faster than their launches
  const EngineStepModel m(std::make_unique<LinearStepModel>(c), o, 32, 2, 128);
  const EngineStepExplain e = m.explain(decodes(1, 10));
  CHECK(std::string(e.graph) == "eager");
  CHECK(e.launch_s == Approx(32 * 12 * o.cuda_graphs.kernel_launch_s));  // 10 kernels + 2 all-reduces a layer
  CHECK(e.step_s == Approx(e.launch_s));
}

TEST_CASE("async scheduling overlaps the engine's CPU time with the GPU; without it they add up") {
  EngineOverheads o;
  o.cpu.base_s = 3e-3;
  o.cpu.per_seq_s = 1e-4;
  const EngineStepExplain overlapped = engine_over_linear(o).explain(decodes(8, 10));  // GPU 8 ms, CPU 3.8 ms
  CHECK(overlapped.cpu_s == Approx(3.8e-3));
  CHECK(overlapped.step_s == Approx(8e-3));
  o.cpu.async_scheduling = false;
  CHECK(engine_over_linear(o).explain(decodes(8, 10)).step_s == Approx(8e-3 + 3.8e-3));
  o.cpu.async_scheduling = true;
  o.cpu.base_s = 20e-3;  // a CPU-bound engine: the CPU sets the pace
  CHECK(engine_over_linear(o).explain(decodes(8, 10)).step_s == Approx(20.8e-3));
}

TEST_CASE("vLLM's custom all-reduce: one-shot for small messages, two-shot above the thresholds") {
  CustomAllReduceTerms t;
  const double link = 450e9;
  const double bw = link * t.link_efficiency;
  // Two ranks: always one-shot.
  CHECK(custom_all_reduce_seconds(t, 4e6, 2, link) == Approx(t.one_shot_latency_s + 4e6 / bw));
  // Four ranks: one-shot below 512 KiB (each rank reads 3 peers), two-shot above.
  CHECK(custom_all_reduce_seconds(t, 256e3, 4, link) == Approx(t.one_shot_latency_s + 3 * 256e3 / bw));
  CHECK(custom_all_reduce_seconds(t, 1e6, 4, link) == Approx(t.two_shot_latency_s + 1.5 * 1e6 / bw));
  // Eight ranks: the one-shot limit is 256 KiB.
  CHECK(custom_all_reduce_seconds(t, 300e3, 8, link) == Approx(t.two_shot_latency_s + 2 * 7.0 / 8 * 300e3 / bw));
  CHECK(uses_custom_all_reduce(t, 1e6, 4, link));
  CHECK_FALSE(uses_custom_all_reduce(t, 1e6, 4, 0));          // no NVLink: NCCL
  CHECK_FALSE(uses_custom_all_reduce(t, 1e6, 16, link));      // beyond one node
  CHECK_FALSE(uses_custom_all_reduce(t, t.max_bytes + 1, 4, link));
  t.enabled = false;
  CHECK_FALSE(uses_custom_all_reduce(t, 1e3, 4, link));
}

TEST_CASE("with tensor parallelism a decode step's all-reduces cost less under the custom all-reduce than NCCL") {
  const Catalog c = Catalog::open_default();
  auto profile = std::make_shared<CalibrationProfile>(
      CalibrationProfile::load(default_profile_path(c.models_dir(), c.gpu("H100-SXM"))));
  Deployment d;
  d.tensor_parallel = 4;
  CustomAllReduceTerms on;
  CustomAllReduceTerms off;
  off.enabled = false;
  const CalibratedStepModel nccl(profile, c.llm("Llama-3-70B"), c.gpu("H100-SXM"), d, {}, off);
  const CalibratedStepModel custom(profile, c.llm("Llama-3-70B"), c.gpu("H100-SXM"), d, {}, on);
  const BatchShape b = decodes(32, 1000);
  const double ar_nccl = nccl.breakdown(b).layer_s[static_cast<size_t>(LayerOp::kAllReduce)];
  const double ar_custom = custom.breakdown(b).layer_s[static_cast<size_t>(LayerOp::kAllReduce)];
  CHECK(ar_custom < ar_nccl);
  // 32 tokens x 8192 x 2 bytes = 512 KiB exactly: not below the one-shot limit, so two-shot.
  CHECK(ar_custom == Approx(2 * custom_all_reduce_seconds(on, 32 * 8192 * 2, 4, c.gpu("H100-SXM").nvlink_bytes_per_s)));
  // Everything else is the same kernel model.
  CHECK(custom.step_seconds(b) - nccl.step_seconds(b) == Approx(80 * (ar_custom - ar_nccl)).epsilon(0.02));
}

TEST_CASE("the frontend's per-request costs add to TTFT and E2E but not to the time per output token") {
  auto run = [](double arrival_s, double per_token_s, double output_s) {
    nlohmann::json j = nlohmann::json::parse(R"({
      "name": "frontend", "model": "Llama-3-8B", "gpu": "H100-SXM",
      "engine": {"num_gpu_blocks_override": 2000},
      "workload": {"synthetic": {"seed": 1, "num_requests": 1, "arrivals": {"rate": 1},
                                 "prompt_tokens": 500, "output_tokens": 20}}
    })");
    j["perf_model"] = {{"kind", "calibrated"},
                       {"engine",
                        {{"frontend", {{"arrival_s", arrival_s}, {"per_prompt_token_s", per_token_s}, {"output_s", output_s}}}}}};
    const Scenario sc = parse_scenario(j, ".", Catalog::open_default());
    return run_scenario(sc, RunOptions{}).summary;
  };
  const RunSummary base = run(0, 0, 0);
  const RunSummary with = run(0.01, 2e-5, 0.004);
  const double added = 0.01 + 2e-5 * 500 + 0.004;
  CHECK(with.ttft_s.mean - base.ttft_s.mean == Approx(added).margin(1e-8));
  CHECK(with.e2e_s.mean - base.e2e_s.mean == Approx(added).margin(1e-8));
  CHECK(with.tpot_s.mean == Approx(base.tpot_s.mean).margin(1e-9));
}
