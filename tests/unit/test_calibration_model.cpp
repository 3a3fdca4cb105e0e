// CalibratedStepModel on the shipped profiles: tabulation, monotonicity, mixed batches, tensor
// parallelism, model variants, and what describe() records.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "catalog/catalog.h"
#include "perf/calibrated_step_model.h"
#include "perf/step_model_factory.h"

using namespace kvsim;

namespace {

const Catalog& catalog() {
  static const Catalog c = Catalog::open_default();
  return c;
}

std::shared_ptr<const CalibrationProfile> shipped(const std::string& gpu) {
  return std::make_shared<const CalibrationProfile>(
      CalibrationProfile::load(default_profile_path(catalog().models_dir(), catalog().gpu(gpu))));
}

CalibratedStepModel make(const std::string& model, const std::string& gpu, Deployment d = {}) {
  return CalibratedStepModel(shipped(gpu), catalog().llm(model), catalog().gpu(gpu), d);
}

BatchShape prefill(uint64_t tokens, uint64_t cached = 0) {
  BatchShape b;
  b.num_prefill_seqs = 1;
  b.prefill_tokens = tokens;
  b.prefill_attn_pairs = double(tokens) * cached + tokens * (tokens + 1.0) / 2;
  b.prefill_kv_tokens = cached + tokens;
  b.num_sampled = 1;
  return b;
}

BatchShape decode(uint32_t seqs, uint64_t context) {
  BatchShape b;
  b.num_decode_seqs = seqs;
  b.decode_context_tokens = seqs * context;
  b.num_sampled = seqs;
  return b;
}

BatchShape operator+(BatchShape a, const BatchShape& b) {
  a.num_prefill_seqs += b.num_prefill_seqs;
  a.prefill_tokens += b.prefill_tokens;
  a.prefill_attn_pairs += b.prefill_attn_pairs;
  a.prefill_kv_tokens += b.prefill_kv_tokens;
  a.num_decode_seqs += b.num_decode_seqs;
  a.decode_context_tokens += b.decode_context_tokens;
  a.num_sampled += b.num_sampled;
  return a;
}

}  // namespace

TEST_CASE("the tabulated step time agrees with the operator-by-operator computation") {
  const CalibratedStepModel m = make("Llama-2-7B", "H100-SXM");
  for (uint64_t t : {1, 7, 33, 100, 777, 2048, 5000, 12000, 100000})
    CHECK(m.step_seconds(prefill(t)) == Approx(m.breakdown(prefill(t)).step_s).epsilon(0.01));
  for (uint32_t b : {1, 3, 64, 255}) CHECK(m.step_seconds(decode(b, 1500)) == Approx(m.breakdown(decode(b, 1500)).step_s).epsilon(0.01));
  CHECK(m.step_seconds(BatchShape{}) == 0);
}

TEST_CASE("a step never gets faster when it computes more tokens") {
  const CalibratedStepModel m = make("Llama-3-8B", "A100-80GB", Deployment{2});
  double last = 0;
  for (uint64_t t = 1; t <= 40000; t += (t < 64 ? 1 : t / 16)) {
    const double s = m.step_seconds(prefill(t));
    CHECK(s >= last);
    last = s;
  }
}

TEST_CASE("a mixed batch runs its linear layers once over all its tokens") {
  const CalibratedStepModel m = make("Llama-2-7B", "H100-SXM");
  const BatchShape chunk = prefill(512, 1024), decodes = decode(32, 2000);
  const double mixed = m.step_seconds(chunk + decodes);
  CHECK(mixed < m.step_seconds(chunk) + m.step_seconds(decodes));
  CHECK(mixed > m.step_seconds(chunk));
  const CalibratedBreakdown b = m.breakdown(chunk + decodes);
  CHECK(b.layer_s[size_t(LayerOp::kAttentionPrefill)] > 0);
  CHECK(b.layer_s[size_t(LayerOp::kAttentionDecode)] > 0);
}

TEST_CASE("tensor parallelism shrinks the GEMMs and adds two measured all-reduces per layer") {
  const CalibratedStepModel tp1 = make("Llama-2-13B", "H100-SXM");
  Deployment d;
  d.tensor_parallel = 4;
  const CalibratedStepModel tp4 = make("Llama-2-13B", "H100-SXM", d);
  const CalibratedBreakdown a = tp1.breakdown(prefill(2048)), b = tp4.breakdown(prefill(2048));
  CHECK(a.layer_s[size_t(LayerOp::kAllReduce)] == 0);
  CHECK(b.layer_s[size_t(LayerOp::kAllReduce)] > 0);
  CHECK(b.layer_provenance[size_t(LayerOp::kAllReduce)] == Provenance::kMeasured);
  CHECK(b.layer_s[size_t(LayerOp::kGateUpProj)] < 0.4 * a.layer_s[size_t(LayerOp::kGateUpProj)]);
  CHECK(b.step_s < a.step_s);
}

TEST_CASE("a model never calibrated is predicted from its GPU's profile") {
  // Llama-3-70B is in no profiling file; its GEMM shapes are interpolated between measured ones.
  Deployment d;
  d.tensor_parallel = 8;
  const CalibratedStepModel m = make("Llama-3-70B", "H100-SXM", d);
  const CalibratedBreakdown b = m.breakdown(prefill(1024));
  CHECK(b.layer_s[size_t(LayerOp::kQkvProj)] > 0);
  CHECK(b.layer_provenance[size_t(LayerOp::kQkvProj)] != Provenance::kRoofline);
  CHECK(b.step_s > 0.01);
  CHECK(b.step_s < 1.0);
}

TEST_CASE("weight quantisation makes small-batch decode faster through the profile") {
  const CalibratedStepModel bf16 = make("Llama-3-8B", "H100-SXM");
  Deployment q;
  q.weight_dtype = DType::kInt4;
  const CalibratedStepModel int4 = make("Llama-3-8B", "H100-SXM", q);
  q.weight_dtype = DType::kFp8;
  const CalibratedStepModel fp8 = make("Llama-3-8B", "H100-SXM", q);
  const BatchShape b = decode(8, 1000);
  CHECK(int4.step_seconds(b) < fp8.step_seconds(b));
  CHECK(fp8.step_seconds(b) < bf16.step_seconds(b));
  const CalibratedBreakdown x = int4.breakdown(b);
  CHECK(x.layer_provenance[size_t(LayerOp::kQkvProj)] == Provenance::kTransferred);
}

TEST_CASE("mixture-of-experts and latent-attention models are planned operator by operator") {
  const CalibratedStepModel m = make("DeepSeek-V2-Lite", "H100-SXM");
  const CalibratedBreakdown small = m.breakdown(decode(1, 1000)), big = m.breakdown(decode(256, 1000));
  CHECK(small.step_s > 0);
  CHECK(big.layer_s[size_t(LayerOp::kGateUpProj)] > small.layer_s[size_t(LayerOp::kGateUpProj)]);
  // MLA caches one latent per token: decode attention reads far less than MHA would.
  CHECK(m.plan().attention.kv_bytes_per_token == Approx((512 + 64) * 2));
}

TEST_CASE("describe names the profile file, its source and what came from the roofline") {
  const CalibratedStepModel m = make("Llama-2-7B", "H100-SXM");
  const nlohmann::json d = m.describe();
  CHECK(d["kind"] == "calibrated");
  CHECK(d["profile"]["path"].get<std::string>().find("profiles/H100-SXM.json") != std::string::npos);
  CHECK(d["profile"]["source"]["origin"].get<std::string>().find("microsoft/vidur") != std::string::npos);
  const std::string roofline = d["from_roofline"].dump();
  CHECK(roofline.find("attention_prefill") != std::string::npos);
  CHECK(roofline.find("step_overhead") != std::string::npos);
  CHECK(d["from_profile"].dump().find("linear layers") != std::string::npos);
}
