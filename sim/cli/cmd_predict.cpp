// kvsim predict: the step-latency model's answer for one batch, operator by operator, as JSON.
#include <iostream>
#include <memory>

#include "catalog/catalog.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "core/json_reader.h"
#include "perf/calibrated_step_model.h"
#include "perf/deployment_layout.h"
#include "perf/engine_step_model.h"
#include "perf/roofline.h"
#include "perf/step_model_factory.h"

namespace kvsim {

namespace {

const char* kPredictAbout =
    "Prints JSON: the milliseconds of each operator of one layer on one GPU (input_norm, qkv_proj,\n"
    "rotary, attention, o_proj, post_attention_norm, gate_up_proj, activation, down_proj,\n"
    "residual_add, all_reduce), layer_ms, the once-per-step operators (embedding, lm_head, sampling,\n"
    "pipeline_send_recv, overhead) and step_ms, with where each number came from; for the calibrated\n"
    "model also \"engine\": the step as the engine runs it (CUDA-graph padding, launches, CPU time;\n"
    "docs/calibration.md section 9). --tokens and --batch together make a mixed batch (chunked\n"
    "prefill plus decodes).";

double ms(double seconds) { return seconds * 1e3; }

nlohmann::json calibrated_json(const CalibratedStepModel& m, const BatchShape& b) {
  const CalibratedBreakdown x = m.breakdown(b);
  nlohmann::json j;
  nlohmann::json sources;
  auto layer = [&](LayerOp op) { return x.layer_s[static_cast<size_t>(op)]; };
  for (size_t i = 0; i < kNumLayerOps; ++i) {
    const auto op = static_cast<LayerOp>(i);
    if (op == LayerOp::kAttentionPrefill || op == LayerOp::kAttentionDecode) continue;
    j[layer_op_name(op)] = ms(x.layer_s[i]);
    sources[layer_op_name(op)] = provenance_name(x.layer_provenance[i]);
  }
  j["attention"] = ms(layer(LayerOp::kAttentionPrefill) + layer(LayerOp::kAttentionDecode));
  j["attention_split"] = {{"prefill", ms(layer(LayerOp::kAttentionPrefill))},
                          {"decode", ms(layer(LayerOp::kAttentionDecode))}};
  sources["attention_prefill"] = provenance_name(x.layer_provenance[static_cast<size_t>(LayerOp::kAttentionPrefill)]);
  sources["attention_decode"] = provenance_name(x.layer_provenance[static_cast<size_t>(LayerOp::kAttentionDecode)]);
  sources["overhead"] = "roofline option step_overhead_s (not measured)";
  j["layer_ms"] = ms(x.layer_total_s);
  j["num_layers"] = x.num_layers;
  j["step"] = {{"embedding", ms(x.embedding_s)},
               {"lm_head", ms(x.lm_head_s)},
               {"sampling", ms(x.sampling_s)},
               {"pipeline_send_recv", ms(x.pipeline_send_recv_s)},
               {"overhead", ms(x.overhead_s)}};
  j["step_ms"] = ms(x.step_s);
  j["step_ms_tabulated"] = ms(m.step_seconds(b));
  j["sources"] = sources;
  return j;
}

nlohmann::json roofline_json(const RooflineStepModel& m, const BatchShape& b, uint32_t layers) {
  const OpSeconds s = m.op_seconds(b);
  const double per_layer = 1.0 / layers;
  nlohmann::json j;
  j["qkv_proj"] = ms(s.qkv_proj * per_layer);
  j["o_proj"] = ms(s.o_proj * per_layer);
  j["gate_up_proj"] = ms(s.gate_up_proj * per_layer);
  j["down_proj"] = ms(s.down_proj * per_layer);
  j["attention"] = ms((s.attention_prefill + s.attention_decode) * per_layer);
  j["attention_split"] = {{"prefill", ms(s.attention_prefill * per_layer)},
                          {"decode", ms(s.attention_decode * per_layer)}};
  j["norms_elementwise"] = ms(s.norms_elementwise * per_layer);
  j["all_reduce"] = ms(s.all_reduce * per_layer);
  j["layer_ms"] = ms((s.qkv_proj + s.o_proj + s.gate_up_proj + s.down_proj + s.attention_prefill +
                      s.attention_decode + s.norms_elementwise + s.all_reduce) *
                     per_layer);
  j["num_layers"] = layers;
  j["step"] = {{"lm_head", ms(s.lm_head)}, {"pipeline_send_recv", ms(s.pipeline_send_recv)}, {"overhead", ms(s.overhead)}};
  j["step_ms"] = ms(s.total());
  j["note"] = "roofline: norms_elementwise includes the embedding, summed over the step";
  return j;
}

}  // namespace

int cmd_predict(const Args& args) {
  std::string model_name, gpu_name, perf_model = "calibrated", profile;
  Deployment d;
  uint64_t tp = d.tensor_parallel, pp = d.pipeline_parallel, tokens = 0, prefix = 0, batch = 0, context = 0;
  const auto dtype = [](DType& target) {
    return [&target](const std::string&, const std::string& v) { target = parse_dtype(v); };
  };
  constexpr uint64_t kMaxTokens = uint64_t{1} << 40, kMaxParallel = 1 << 16;
  CommandLine cl("predict",
                 {"--model M --gpu G [--tp N] [--pp N] [--tokens T [--prefix C]]",
                  "              [--batch B --context C] [--weight-dtype bf16|fp8|int8|int4]",
                  "              [--kv-dtype fp16|fp8|int4] [--sparsity-2-4] [--expert-parallel]",
                  "              [--perf-model calibrated|roofline] [--profile PATH]"},
                 kPredictAbout);
  cl.text("model", model_name, "M", "the catalog model")
      .text("gpu", gpu_name, "G", "the catalog GPU")
      .integer("tp", tp, 1, kMaxParallel, "N", "tensor-parallel degree (default 1)")
      .integer("pp", pp, 1, kMaxParallel, "N", "pipeline-parallel degree (default 1)")
      .integer("tokens", tokens, 1, kMaxTokens, "T", "a prefill of T new prompt tokens (one sequence)")
      .integer("prefix", prefix, 0, kMaxTokens, "C", "... whose first C tokens are already cached (attention reads them)")
      .integer("batch", batch, 1, UINT32_MAX, "B", "B decoding sequences ...")
      .integer("context", context, 0, kMaxTokens, "C", "... each attending over C cached tokens")
      .custom("weight-dtype", "DTYPE", "weights' data type (default bf16)", dtype(d.weight_dtype))
      .custom("kv-dtype", "DTYPE", "the KV cache's data type (default fp16)", dtype(d.kv_dtype))
      .flag("sparsity-2-4", d.sparsity_2_4, "2:4 structured sparsity of the weights")
      .flag("expert-parallel", d.expert_parallel,
            "MoE: each GPU holds num_experts/tp whole experts (vLLM --enable-expert-parallel) instead of a 1/tp "
            "slice of every expert")
      .text("perf-model", perf_model, "KIND", "calibrated (default) or roofline")
      .text("profile", profile, "PATH", "a calibration profile (default: models/profiles/<gpu>.json)");
  if (const auto rc = cl.parse(args)) return *rc;
  d.tensor_parallel = static_cast<uint32_t>(tp);
  d.pipeline_parallel = static_cast<uint32_t>(pp);
  const bool have_context = cl.given("context");
  if (model_name.empty() || gpu_name.empty()) throw InputError("--model and --gpu are required (see kvsim predict --help)");
  if (tokens == 0 && batch == 0) throw InputError("give --tokens T (a prefill), --batch B --context C (decodes), or both");
  if (batch > 0 && !have_context) throw InputError("--batch needs --context C (the KV tokens each sequence attends over)");
  if (prefix > 0 && tokens == 0) throw InputError("--prefix needs --tokens (the new tokens computed after the prefix)");
  if (perf_model != "calibrated" && perf_model != "roofline")
    throw InputError("--perf-model: expected calibrated or roofline, found \"" + perf_model + "\"");

  const Catalog catalog = Catalog::open_default();
  const LlmSpec llm = catalog.llm(model_name);
  const GpuSpec gpu = catalog.gpu(gpu_name);

  BatchShape b;
  if (tokens > 0) {
    const double q = static_cast<double>(tokens), c = static_cast<double>(prefix);
    b.num_prefill_seqs = 1;
    b.prefill_tokens = tokens;
    b.prefill_attn_pairs = q * c + q * (q + 1) / 2;
    b.prefill_kv_tokens = prefix + tokens;
    b.num_sampled += 1;
  }
  if (batch > 0) {
    b.num_decode_seqs = static_cast<uint32_t>(batch);
    b.decode_context_tokens = batch * context;
    b.num_sampled += static_cast<uint32_t>(batch);
  }

  validate_deployment(llm, gpu, d);  // a clear message before any model is built
  nlohmann::json section = {{"kind", perf_model}};
  if (!profile.empty()) section["profile"] = profile;
  ErrorList errors;
  // The sampler is priced with the named checkpoint's generation_config defaults, as a vLLM server
  // applies them to requests that set no sampling parameters.
  const GenerationConfig* generation = find_generation_config(llm, model_name);
  const SamplingParams sampling = generation ? generation->sampling : SamplingParams{};
  std::unique_ptr<StepModel> model = make_step_model(section, llm, gpu, d, errors, "--perf-model", 256, nullptr, sampling);
  errors.throw_if_any("the performance model");

  nlohmann::json out;
  // The calibrated kind runs inside the engine model (padding, launches, CPU); predict prints the kernels.
  const StepModel* kernels = model.get();
  if (const auto* e = dynamic_cast<const EngineStepModel*>(kernels)) kernels = &e->kernels();
  if (const auto* c = dynamic_cast<const CalibratedStepModel*>(kernels)) out = calibrated_json(*c, b);
  else out = roofline_json(RooflineStepModel(llm, gpu, d), b, llm.num_layers);
  if (const auto* e = dynamic_cast<const EngineStepModel*>(model.get())) {
    // The step as the engine runs it (docs/calibration.md section 9), next to the kernels' step_ms.
    const EngineStepExplain x = e->explain(b);
    out["engine"] = {{"graph", x.graph},
                     {"padded_tokens", x.padded_tokens},
                     {"kernels_ms", x.kernels_s * 1e3},
                     {"launch_ms", x.launch_s * 1e3},
                     {"sampler_ms", x.sampler_s * 1e3},
                     {"sampling", sampling.to_json()},
                     {"cpu_ms", x.cpu_s * 1e3},
                     {"step_ms", x.step_s * 1e3}};
  }
  out["input"] = {{"model", llm.name},
                  {"gpu", gpu.name},
                  {"tensor_parallel", d.tensor_parallel},
                  {"pipeline_parallel", d.pipeline_parallel},
                  {"weight_dtype", dtype_name(d.weight_dtype)},
                  {"kv_dtype", dtype_name(d.kv_dtype)},
                  {"sparsity_2_4", d.sparsity_2_4},
                  {"expert_parallel", d.expert_parallel},
                  {"batch",
                   {{"num_prefill_seqs", b.num_prefill_seqs},
                    {"prefill_tokens", b.prefill_tokens},
                    {"prefill_attn_pairs", b.prefill_attn_pairs},
                    {"prefill_kv_tokens", b.prefill_kv_tokens},
                    {"num_decode_seqs", b.num_decode_seqs},
                    {"decode_context_tokens", b.decode_context_tokens},
                    {"num_sampled", b.num_sampled}}}};
  out["perf_model"] = model->describe();
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace kvsim
