// The engine terms around the kernels: CUDA-graph padding and launches, vLLM's custom all-reduce,
// the engine's CPU time with and without async scheduling, and the per-request frontend costs.
#include <catch2/catch.hpp>

#include <memory>

#include "catalog/catalog.h"
#include "core/error.h"
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

TEST_CASE("the sampler: top-k/top-p costs a fixed part plus a sort over every sampled row's vocabulary; penalties add theirs") {
  EngineOverheads o = no_cpu();
  o.sampler.top_k_top_p_s = 4e-4;
  o.sampler.sort_s_per_element = 1e-10;
  o.sampler.penalties_s = 3e-4;  // not the default: the test sets every term
  auto engine = [&](const SamplingParams& s) {
    LinearCoefficients c;
    c.per_decode_seq_s = 1e-3;
    return EngineStepModel(std::make_unique<LinearStepModel>(c), o, 32, 1, 128, s, 100000);
  };
  const BatchShape b = decodes(8, 100);
  const double plain = engine(SamplingParams{}).step_seconds(b);
  SamplingParams top_p;
  top_p.top_p = 0.9;
  CHECK(engine(top_p).explain(b).sampler_s == Approx(4e-4 + 8 * 100000 * 1e-10));
  CHECK(engine(top_p).step_seconds(b) - plain == Approx(4e-4 + 8e-5));
  SamplingParams top_k = SamplingParams{};
  top_k.top_k = 20;
  CHECK(engine(top_k).explain(b).sampler_s == Approx(4e-4 + 8e-5));
  SamplingParams penalised = top_p;
  penalised.repetition_penalty = 1.05;
  CHECK(engine(penalised).explain(b).sampler_s == Approx(4e-4 + 8e-5 + 3e-4));
  // Greedy requests take the argmax: no filter, whatever top_p says.
  SamplingParams greedy = top_p;
  greedy.temperature = 0;
  CHECK(engine(greedy).explain(b).sampler_s == 0);
  // A step that samples nothing (a prefill chunk that does not finish its prompt) pays nothing.
  BatchShape chunk;
  chunk.num_prefill_seqs = 1;
  chunk.prefill_tokens = 512;
  chunk.prefill_attn_pairs = 512.0 * 513 / 2;
  chunk.prefill_kv_tokens = 512;
  CHECK(engine(penalised).explain(chunk).sampler_s == 0);
}

TEST_CASE("a scenario samples with its checkpoint's generation_config unless told otherwise") {
  const Catalog catalog = Catalog::open_default();
  auto parse = [&](const std::string& model, const nlohmann::json& engine) {
    nlohmann::json j = nlohmann::json::parse(R"({
      "name": "sampling", "gpu": "H100-SXM",
      "workload": {"synthetic": {"seed": 1, "num_requests": 1, "arrivals": {"rate": 1},
                                 "prompt_tokens": 50, "output_tokens": 5}}
    })");
    j["model"] = model;
    j["engine"] = engine;
    j["engine"]["num_gpu_blocks_override"] = 1000;
    return parse_scenario(j, ".", catalog);
  };
  // The instruct checkpoint carries Qwen's defaults; the base model of the same architecture does not.
  const Scenario instruct = parse("Qwen/Qwen2.5-7B-Instruct", nlohmann::json::object());
  CHECK(instruct.sampling.top_p == 0.8);
  CHECK(instruct.sampling.top_k == 20);
  CHECK(instruct.sampling.repetition_penalty == 1.05);
  CHECK(instruct.sampling.temperature == 0.7);
  const Scenario base = parse("Qwen2.5-7B", nlohmann::json::object());
  CHECK_FALSE(base.sampling.filters());
  CHECK_FALSE(base.sampling.penalties());
  // A request's own parameters override the defaults field by field; "vllm" ignores the model's.
  const Scenario greedy = parse("Qwen2.5-7B-Instruct", {{"sampling", {{"temperature", 0}}}});
  CHECK(greedy.sampling.temperature == 0);
  CHECK(greedy.sampling.top_k == 20);
  CHECK_FALSE(greedy.sampling.filters());
  const Scenario vllm = parse("Qwen/Qwen2.5-7B-Instruct", {{"generation_config", "vllm"}});
  CHECK_FALSE(vllm.sampling.filters());
  // The step model prices what the scenario samples with.
  BatchShape b = decodes(16, 500);
  CHECK(instruct.step_model->step_seconds(b) > base.step_model->step_seconds(b));
  CHECK(greedy.step_model->step_seconds(b) < instruct.step_model->step_seconds(b));
  // Bad values name their pointer.
  try {
    parse("Qwen2.5-7B", {{"sampling", {{"top_p", 1.5}, {"top_q", 1}}}});
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    const std::string what = e.what();
    CHECK(what.find("/engine/sampling/top_p") != std::string::npos);
    CHECK(what.find("/engine/sampling/top_q") != std::string::npos);
  }
}

TEST_CASE("a catalog model's generation_configs are checked and matched by checkpoint name") {
  const LlmSpec qwen = Catalog::open_default().llm("Qwen2.5-7B");
  REQUIRE(find_generation_config(qwen, "Qwen2.5-7B-Instruct") != nullptr);
  CHECK(find_generation_config(qwen, "qwen/qwen2.5-7b-instruct") == find_generation_config(qwen, "Qwen2.5-7B-Instruct"));
  CHECK(find_generation_config(qwen, "Qwen/Qwen2.5-7B") == nullptr);
  nlohmann::json j = nlohmann::json::parse(R"({
    "num_layers": 2, "hidden_size": 64, "num_attention_heads": 4, "num_kv_heads": 4, "intermediate_size": 128,
    "vocab_size": 1000, "max_position_embeddings": 512, "source": {"config": "test"},
    "generation_configs": [{"checkpoints": [], "top_p": 2}]
  })");
  try {
    parse_llm_spec(j, "tiny", "tiny.json");
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    const std::string what = e.what();
    CHECK(what.find("/generation_configs/0/checkpoints") != std::string::npos);
    CHECK(what.find("/generation_configs/0/source") != std::string::npos);
    CHECK(what.find("/generation_configs/0/top_p") != std::string::npos);
  }
}
