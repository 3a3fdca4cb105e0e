// Step-latency prediction speed: a simulation asks the step model once per engine step, so its
// cost bounds the simulator's speed. The calibrated model tabulates its token-dependent part at
// construction (perf/calibrated_step_model.h); these benchmarks show a prediction costs well under
// a microsecond, and what construction (loading a profile, tabulating) costs once per run.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "catalog/catalog.h"
#include "perf/calibrated_step_model.h"
#include "perf/roofline.h"
#include "perf/step_model_factory.h"

namespace {

using namespace kvsim;

// A spread of batches like a run's: decode-only steps of various sizes and contexts, chunked
// prefills with cached prefixes, and mixes of the two.
std::vector<BatchShape> batches() {
  std::vector<BatchShape> out;
  uint64_t seed = 12345;
  auto next = [&](uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % n;
  };
  for (int i = 0; i < 1024; ++i) {
    BatchShape b;
    if (i % 3 != 0) {
      b.num_decode_seqs = static_cast<uint32_t>(1 + next(256));
      b.decode_context_tokens = b.num_decode_seqs * (64 + next(4000));
      b.num_sampled = b.num_decode_seqs;
    }
    if (i % 3 != 1) {
      const double q = static_cast<double>(1 + next(2048)), c = static_cast<double>(next(4096));
      b.num_prefill_seqs = 1;
      b.prefill_tokens = static_cast<uint64_t>(q);
      b.prefill_attn_pairs = q * c + q * (q + 1) / 2;
      b.prefill_kv_tokens = static_cast<uint64_t>(q + c);
      b.num_sampled += 1;
    }
    out.push_back(b);
  }
  return out;
}

std::shared_ptr<const CalibrationProfile> h100_profile() {
  static const auto p = std::make_shared<const CalibrationProfile>(CalibrationProfile::load(
      default_profile_path(Catalog::open_default().models_dir(), Catalog::open_default().gpu("H100-SXM"))));
  return p;
}

void run_predictions(benchmark::State& state, const StepModel& model) {
  const std::vector<BatchShape> shapes = batches();
  size_t i = 0;
  double sum = 0;
  for (auto _ : state) {
    sum += model.step_seconds(shapes[i]);
    i = (i + 1) & 1023;
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}

void BM_CalibratedStepSeconds(benchmark::State& state) {
  const Catalog c = Catalog::open_default();
  Deployment d;
  d.tensor_parallel = static_cast<uint32_t>(state.range(0));
  const CalibratedStepModel model(h100_profile(), c.llm("Llama-3-70B"), c.gpu("H100-SXM"), d);
  run_predictions(state, model);
}
BENCHMARK(BM_CalibratedStepSeconds)->Arg(4)->Arg(8);

void BM_RooflineStepSeconds(benchmark::State& state) {
  const Catalog c = Catalog::open_default();
  Deployment d;
  d.tensor_parallel = 4;
  const RooflineStepModel model(c.llm("Llama-3-70B"), c.gpu("H100-SXM"), d);
  run_predictions(state, model);
}
BENCHMARK(BM_RooflineStepSeconds);

// Once per run: load the profile from disk and tabulate for one deployment.
void BM_CalibratedModelConstruction(benchmark::State& state) {
  const Catalog c = Catalog::open_default();
  const LlmSpec llm = c.llm("Llama-3-8B");
  const GpuSpec gpu = c.gpu("H100-SXM");
  for (auto _ : state) {
    ErrorList errors;
    auto model = make_step_model(nullptr, llm, gpu, Deployment{}, errors, "/perf_model");
    benchmark::DoNotOptimize(model);
  }
}
BENCHMARK(BM_CalibratedModelConstruction)->Unit(benchmark::kMillisecond);

}  // namespace
