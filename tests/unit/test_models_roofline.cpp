// The datasheet roofline step model and the linear toy model.
#include <catch2/catch.hpp>

#include <string>

#include "catalog/catalog.h"
#include "core/error.h"
#include "perf/linear.h"
#include "perf/roofline.h"

using namespace kvsim;

namespace {

Catalog catalog() {
  return Catalog(std::string(KVSIM_SOURCE_DIR) + "/models");
}

RooflineStepModel roofline(const std::string& model, const std::string& gpu, uint32_t tp = 1,
                           DType weights = DType::kBf16, RooflineOptions o = {}) {
  const Catalog c = catalog();
  Deployment d;
  d.tensor_parallel = tp;
  d.weight_dtype = weights;
  return RooflineStepModel(c.llm(model), c.gpu(gpu), d, o);
}

BatchShape prefill(uint64_t tokens, uint64_t cached = 0) {
  BatchShape b;
  b.num_prefill_seqs = 1;
  b.prefill_tokens = tokens;
  const double q = static_cast<double>(tokens), ctx = static_cast<double>(cached);
  b.prefill_attn_pairs = q * ctx + q * (q + 1) / 2;
  b.prefill_kv_tokens = cached + tokens;
  b.num_sampled = 1;
  return b;
}

BatchShape decode(uint32_t seqs, uint64_t context_each) {
  BatchShape b;
  b.num_decode_seqs = seqs;
  b.decode_context_tokens = uint64_t{seqs} * context_each;
  b.num_sampled = seqs;
  return b;
}

double gemms(const OpSeconds& s) {
  return s.qkv_proj + s.o_proj + s.gate_up_proj + s.down_proj;
}

}  // namespace

TEST_CASE("more tokens never make a step faster") {
  for (const char* model : {"Llama-3-8B", "Llama-2-7B", "DeepSeek-V2-Lite", "phi-2"}) {
    INFO(model);
    const RooflineStepModel r = roofline(model, "H100-SXM");
    double last = 0;
    for (uint64_t t = 1; t <= 16384; t += 7) {
      const double s = r.step_seconds(prefill(t));
      CHECK(s >= last);
      last = s;
    }
    last = 0;
    for (uint32_t n = 1; n <= 1024; ++n) {
      const double s = r.step_seconds(decode(n, 512));
      CHECK(s >= last);
      last = s;
    }
  }
}

TEST_CASE("decode time grows with the context it attends over") {
  const RooflineStepModel r = roofline("Llama-3-8B", "H100-SXM");
  double last = 0;
  for (uint64_t ctx = 128; ctx <= 131072; ctx *= 2) {
    const OpSeconds s = r.op_seconds(decode(64, ctx));
    CHECK(s.attention_decode > last);
    last = s.attention_decode;
  }
  // Decode attention reads the KV: 64 x 131072 tokens x 131072 bytes at 0.8 x 3.35 TB/s.
  CHECK(last == Approx(64.0 * 131072 * 131072 / (0.8 * 3.35e12)).epsilon(0.001));
}

TEST_CASE("a prefill-dominated step is compute bound and a small decode step memory bound") {
  const RooflineStepModel r = roofline("Llama-3-8B", "H100-SXM");
  CHECK(r.breakdown(prefill(4096))["bound"] == "compute");
  CHECK(r.breakdown(decode(8, 1024))["bound"] == "memory");
  // The same GEMMs cross the ridge between the two.
  CHECK(r.op_seconds(prefill(4096)).compute_bound_s > r.op_seconds(prefill(4096)).memory_bound_s);
  CHECK(r.op_seconds(decode(8, 1024)).memory_bound_s > 10 * r.op_seconds(decode(8, 1024)).compute_bound_s);
}

TEST_CASE("a one-token decode reads every weight once: the GEMM time is bytes over bandwidth") {
  const RooflineStepModel r = roofline("Llama-2-7B", "H100-SXM");
  const OpSeconds s = r.op_seconds(decode(1, 100));
  const double bw = 0.8 * 3.35e12;
  // Per layer: weights 4096 x 12288 x 2 bytes, activations in and out (4096 + 12288) x 2 bytes.
  CHECK(s.qkv_proj == Approx(32 * (4096.0 * 12288 * 2 + (4096 + 12288) * 2) / bw));
  CHECK(s.gate_up_proj == Approx(32 * (4096.0 * 22016 * 2 + (4096 + 22016) * 2) / bw));
  CHECK(s.lm_head == Approx((4096.0 * 32000 * 2 + 4096 * 2 + 32000 * 4) / bw));
  CHECK(s.overhead == RooflineOptions{}.step_overhead_s);
}

TEST_CASE("a large prefill's GEMM time is FLOPs over the efficient tensor peak") {
  const RooflineStepModel r = roofline("Llama-2-7B", "H100-SXM");
  const OpSeconds s = r.op_seconds(prefill(4096));
  const double peak = 0.75 * 989.5e12;
  CHECK(s.qkv_proj == Approx(32 * 2.0 * 4096 * 4096 * 12288 / peak));
  CHECK(s.down_proj == Approx(32 * 2.0 * 4096 * 11008 * 4096 / peak));
  // Causal attention: q(q+1)/2 pairs x 4 x head_dim x heads FLOPs per layer at FlashAttention-3's
  // efficiency for head dim 128 and 4097-token sequences (docs/attention.md), plus the kernel
  // writing the new K and V into the cache (read and write 4096 x 2 x 4096 x 2 bytes).
  const double attention_rate = 989.5e12 * 128 / (128 + 65.5) * 4097 / (4097 + 685);
  const double cache_write = 4096.0 * 2 * (2 * 4096 * 2) / (0.8 * 3350e9);
  CHECK(s.attention_prefill == Approx(32 * ((4096.0 * 4097 / 2) * 4 * 128 * 32 / attention_rate + cache_write)));
}

TEST_CASE("tensor parallelism halves the GEMM time of a compute-bound step but adds all-reduce") {
  const RooflineStepModel tp2 = roofline("Llama-3-70B", "H100-SXM", 2);
  const RooflineStepModel tp4 = roofline("Llama-3-70B", "H100-SXM", 4);
  const OpSeconds a = tp2.op_seconds(prefill(8192));
  const OpSeconds b = tp4.op_seconds(prefill(8192));
  CHECK(gemms(b) == Approx(gemms(a) / 2));
  CHECK(b.all_reduce > 0);
  // Two ring all-reduces per layer of 8192 x 8192 x 2 bytes over 450 GB/s NVLink.
  const double message = 8192.0 * 8192 * 2;
  CHECK(b.all_reduce == Approx(2 * 80 * (10e-6 + 2 * 3.0 / 4 * message / 450e9)));
  const OpSeconds one = roofline("Llama-3-8B", "H100-SXM", 1).op_seconds(prefill(8192));
  CHECK(one.all_reduce == 0);
}

TEST_CASE("pipeline parallelism adds send/recv between stages and nothing else") {
  const Catalog c = catalog();
  Deployment d;
  d.tensor_parallel = 2;
  const RooflineStepModel flat(c.llm("Llama-3-70B"), c.gpu("H100-SXM"), d);
  d.pipeline_parallel = 2;
  const RooflineStepModel piped(c.llm("Llama-3-70B"), c.gpu("H100-SXM"), d);
  const OpSeconds a = flat.op_seconds(prefill(1024));
  const OpSeconds b = piped.op_seconds(prefill(1024));
  CHECK(a.pipeline_send_recv == 0);
  CHECK(b.pipeline_send_recv == Approx(10e-6 + 2 * 1024.0 * 8192 * 2 / 450e9));
  CHECK(b.total() - b.pipeline_send_recv == Approx(a.total()));
}

TEST_CASE("fp8 weights use the fp8 peak where the GPU has one and read half the weight bytes") {
  const OpSeconds h_bf16 = roofline("Llama-3-8B", "H100-SXM").op_seconds(prefill(8192));
  const OpSeconds h_fp8 = roofline("Llama-3-8B", "H100-SXM", 1, DType::kFp8).op_seconds(prefill(8192));
  CHECK(gemms(h_fp8) == Approx(gemms(h_bf16) / 2));
  // A100 has no fp8 tensor cores: weight-only fp8 computes at the bf16 peak.
  const OpSeconds a_bf16 = roofline("Llama-3-8B", "A100-80GB").op_seconds(prefill(8192));
  const OpSeconds a_fp8 = roofline("Llama-3-8B", "A100-80GB", 1, DType::kFp8).op_seconds(prefill(8192));
  CHECK(gemms(a_fp8) == Approx(gemms(a_bf16)));
  // Memory bound: about half the bytes (the activations are still 16-bit).
  const OpSeconds d_bf16 = roofline("Llama-3-8B", "A100-80GB").op_seconds(decode(1, 10));
  const OpSeconds d_fp8 = roofline("Llama-3-8B", "A100-80GB", 1, DType::kFp8).op_seconds(decode(1, 10));
  CHECK(gemms(d_fp8) == Approx(gemms(d_bf16) / 2).epsilon(0.001));
}

TEST_CASE("int4 weights read a quarter of the bytes plus group scales") {
  RooflineOptions no_floor;
  no_floor.min_kernel_s = 0;  // small int4 GEMMs would otherwise hit the per-kernel floor
  const OpSeconds bf16 =
      roofline("Llama-3-70B", "H100-SXM", 4, DType::kBf16, no_floor).op_seconds(decode(1, 10));
  const OpSeconds int4 =
      roofline("Llama-3-70B", "H100-SXM", 4, DType::kInt4, no_floor).op_seconds(decode(1, 10));
  CHECK(gemms(int4) == Approx(gemms(bf16) * (0.5 + 2.0 / 128) / 2).epsilon(0.001));
}

TEST_CASE("2:4 sparsity halves the time of compute-bound GEMMs") {
  const Catalog c = catalog();
  Deployment d;
  const RooflineStepModel dense(c.llm("Llama-3-8B"), c.gpu("A100-80GB"), d);
  d.sparsity_2_4 = true;
  const RooflineStepModel sparse(c.llm("Llama-3-8B"), c.gpu("A100-80GB"), d);
  CHECK(gemms(sparse.op_seconds(prefill(8192))) == Approx(gemms(dense.op_seconds(prefill(8192))) / 2));
  // Memory bound: half the values plus 2-bit indices, 1.125 of 2 bytes.
  CHECK(gemms(sparse.op_seconds(decode(1, 10))) ==
        Approx(gemms(dense.op_seconds(decode(1, 10))) * 1.125 / 2).epsilon(0.001));
}

TEST_CASE("fp8 KV halves the bytes decode attention reads") {
  const Catalog c = catalog();
  Deployment d;
  const RooflineStepModel fp16(c.llm("Llama-3-8B"), c.gpu("H100-SXM"), d);
  d.kv_dtype = DType::kFp8;
  const RooflineStepModel fp8(c.llm("Llama-3-8B"), c.gpu("H100-SXM"), d);
  const BatchShape b = decode(256, 4096);
  CHECK(fp8.op_seconds(b).attention_decode == Approx(fp16.op_seconds(b).attention_decode / 2).epsilon(0.01));
}

TEST_CASE("MLA decode reads the latent and MoE decode only the experts its tokens touch") {
  const RooflineStepModel r = roofline("DeepSeek-V2-Lite", "H100-SXM");
  const OpSeconds one = r.op_seconds(decode(1, 4096));
  const OpSeconds many = r.op_seconds(decode(256, 4096));
  CHECK(many.gate_up_proj > 5 * one.gate_up_proj);  // 8 experts vs nearly all 66 read
  // The latent: 4096 tokens x 576 x 2 bytes per layer.
  CHECK(one.attention_decode >= 27 * 4096.0 * 576 * 2 / (0.8 * 3.35e12));
}

TEST_CASE("the breakdown names every operator and sums to step_seconds") {
  const RooflineStepModel r = roofline("Llama-3-70B", "H100-SXM", 4);
  BatchShape b = prefill(512, 1024);
  b.num_decode_seqs = 32;
  b.decode_context_tokens = 32 * 2000;
  b.num_sampled = 33;
  const nlohmann::json j = r.breakdown(b);
  double sum = 0;
  for (const char* op : {"qkv_proj", "o_proj", "gate_up_proj", "down_proj", "attention_prefill",
                         "attention_decode", "norms_elementwise", "lm_head", "all_reduce", "overhead"}) {
    INFO(op);
    REQUIRE(j["seconds"].contains(op));
    CHECK(j["seconds"][op].get<double>() > 0);
    sum += j["seconds"][op].get<double>();
  }
  sum += j["seconds"]["pipeline_send_recv"].get<double>();
  CHECK(sum == Approx(r.step_seconds(b)));
  CHECK(j["total_seconds"].get<double>() == Approx(r.step_seconds(b)));
}

TEST_CASE("an empty batch takes no time") {
  CHECK(roofline("Llama-3-8B", "H100-SXM").step_seconds(BatchShape{}) == 0);
  CHECK(LinearStepModel(LinearCoefficients{1, 1, 1, 1}).step_seconds(BatchShape{}) == 0);
}

TEST_CASE("describe names the kind, the model, the GPU, the deployment and the options") {
  RooflineOptions o;
  o.compute_efficiency = 0.6;
  const nlohmann::json d = roofline("Llama-3-8B", "H100", 2, DType::kFp8, o).describe();
  CHECK(d["kind"] == "roofline");
  CHECK(d["model"] == "Llama-3-8B");
  CHECK(d["gpu"] == "H100-SXM");
  CHECK(d["deployment"]["tensor_parallel"] == 2);
  CHECK(d["deployment"]["weight_dtype"] == "fp8");
  CHECK(d["options"]["compute_efficiency"] == 0.6);
  CHECK(d["peaks"]["gemm_flops_per_s"].get<double>() == Approx(1979e12));
}

TEST_CASE("roofline options are read from JSON; bad values name their pointer") {
  nlohmann::json j = {{"compute_efficiency", 0.5}, {"step_overhead_s", 0.002}, {"memory_efficiency", 2}};
  ErrorList errors;
  JsonReader r(j, "/step_model/roofline", errors);
  const RooflineOptions o = read_roofline_options(r);
  r.reject_unknown_keys();
  CHECK(o.compute_efficiency == 0.5);
  CHECK(o.step_overhead_s == 0.002);
  REQUIRE(errors.errors().size() == 1);
  CHECK_THAT(errors.errors()[0], Catch::Contains("/step_model/roofline/memory_efficiency"));
}

TEST_CASE("a roofline for a deployment vLLM would refuse is an error") {
  CHECK_THROWS_AS(roofline("Llama-3-8B", "H100-SXM", 3), InputError);
}

TEST_CASE("the linear model adds its four terms") {
  const LinearStepModel m(LinearCoefficients{0.01, 1e-4, 2e-4, 1e-6});
  BatchShape b;
  b.prefill_tokens = 100;
  b.num_decode_seqs = 10;
  b.decode_context_tokens = 5000;
  CHECK(m.step_seconds(b) == Approx(0.01 + 100 * 1e-4 + 10 * 2e-4 + 5000 * 1e-6));
  CHECK(m.describe()["kind"] == "linear");
}

TEST_CASE("the linear model is built from JSON; unknown keys and negative values are errors") {
  const LinearStepModel m =
      LinearStepModel::from_json({{"base_s", 0.005}, {"per_decode_seq_s", 0.001}}, "test");
  BatchShape b;
  b.num_decode_seqs = 3;
  CHECK(m.step_seconds(b) == Approx(0.008));
  try {
    LinearStepModel::from_json({{"base_s", -1}, {"per_token_s", 1}}, "scenario.json");
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    const std::string what = e.what();
    CHECK_THAT(what, Catch::Contains("scenario.json"));
    CHECK_THAT(what, Catch::Contains("/base_s: expected a number >= 0"));
    CHECK_THAT(what, Catch::Contains("/per_token_s: unknown field"));
  }
}
