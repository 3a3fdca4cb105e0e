// The KV-cache memory plan: vLLM's block count arithmetic, the activation model, and the errors.
#include <catch2/catch.hpp>

#include <string>

#include "catalog/catalog.h"
#include "core/error.h"
#include "perf/deployment_layout.h"
#include "perf/memory_plan.h"

using namespace kvsim;

namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

Catalog catalog() {
  return Catalog(std::string(KVSIM_SOURCE_DIR) + "/models");
}

Deployment tp(uint32_t n) {
  Deployment d;
  d.tensor_parallel = n;
  return d;
}

std::string plan_error(const LlmSpec& m, const GpuSpec& g, const Deployment& d, const MemoryOptions& o) {
  try {
    plan_memory(m, g, d, o);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the memory plan of Llama-3-8B on one H100 matches docs/models.md") {
  const Catalog c = catalog();
  const MemoryPlan p = plan_memory(c.llm("Llama-3-8B"), c.gpu("H100-SXM"), tp(1), MemoryOptions{});
  CHECK(p.usable_bytes == Approx(79.22 * kGiB * 0.9));
  CHECK(p.weight_bytes_per_gpu == 16060522496.0);  // 8,030,261,248 parameters x 2 bytes
  // Sampler peak: 256 x 128256 x 4 bytes x 10 copies + 256 x 4096 x 2; above the forward pass's
  // 2 x 8192 x 4096 x 2 + 8192 x 3 x 14336 x 2 = 838,860,800.
  CHECK(p.activation_reserve_bytes == 1315438592.0);
  CHECK(p.non_torch_bytes == Approx(0.68 * kGiB));
  CHECK(p.kv_bytes_per_block_per_gpu == 16.0 * 131072);
  CHECK(p.num_gpu_blocks == 27870);
  CHECK(p.kv_capacity_tokens == 27870u * 16);
}

TEST_CASE("with vLLM 0.6's non-torch figure the plan reproduces its profile of Llama-3-8B within 1%") {
  // vllm-project/vllm PR #10511 (H100, 2024-12-13): 79.22 GiB x 0.90 = 71.29 GiB usable; weights
  // 14.96 GiB; non-torch 1.79 GiB; activation peak 1.26 GiB; available KV cache 53.29 GiB.
  const Catalog c = catalog();
  MemoryOptions v06;
  v06.non_torch_bytes = 1.79 * kGiB;  // vLLM 0.6 counted the CUDA context (and NCCL at TP > 1)
  const MemoryPlan p = plan_memory(c.llm("Llama-3-8B"), c.gpu("H100-SXM"), tp(1), v06);
  CHECK(p.weight_bytes_per_gpu / kGiB == Approx(14.96).epsilon(0.01));
  CHECK(p.activation_reserve_bytes / kGiB == Approx(1.26).epsilon(0.03));
  CHECK(p.kv_cache_bytes_per_gpu / kGiB == Approx(53.29).epsilon(0.01));
}

TEST_CASE("the memory plan of Llama-3-70B at tensor parallel 4 on H100 matches docs/models.md") {
  const Catalog c = catalog();
  const MemoryPlan p = plan_memory(c.llm("Llama-3-70B"), c.gpu("H100-SXM"), tp(4), MemoryOptions{});
  CHECK(p.num_gpus == 4);
  CHECK(p.weight_bytes_per_gpu == 35276853248.0);  // 70,553,706,496 x 2 / 4
  CHECK(p.non_torch_bytes == Approx(0.68 * kGiB));  // no extra for NCCL (vLLM V1 accounting)
  CHECK(p.kv_bytes_per_token_per_gpu == 81920);  // 2 of the 8 kv heads per GPU
  CHECK(p.num_gpu_blocks == 29930);
}

TEST_CASE("an explicit activation reserve replaces the modelled peak") {
  const Catalog c = catalog();
  MemoryOptions o;
  o.activation_reserve_bytes = 4 * kGiB;
  const MemoryPlan p = plan_memory(c.llm("Llama-3-8B"), c.gpu("H100-SXM"), tp(1), o);
  CHECK(p.activation_reserve_bytes == 4 * kGiB);
  const MemoryPlan modelled = plan_memory(c.llm("Llama-3-8B"), c.gpu("H100-SXM"), tp(1), MemoryOptions{});
  CHECK(p.num_gpu_blocks < modelled.num_gpu_blocks);
}

TEST_CASE("the activation peak grows with max_num_batched_tokens once the forward pass dominates") {
  const LlmSpec m = catalog().llm("Llama-3-8B");
  MemoryOptions o;
  o.max_num_batched_tokens = 65536;
  const double big = activation_peak_bytes(m, tp(1), o);
  // Forward pass: 2 x 65536 x 4096 x 2 (hidden, residual) + 65536 x 3 x 14336 x 2 (MLP).
  CHECK(big == 2.0 * 65536 * 4096 * 2 + 65536.0 * 3 * 14336 * 2);
  o.max_num_batched_tokens = 131072;
  CHECK(activation_peak_bytes(m, tp(1), o) == Approx(2 * big));
}

TEST_CASE("smaller weights leave more KV blocks: int4 > fp8 > bf16") {
  const Catalog c = catalog();
  const LlmSpec m = c.llm("Llama-3-70B");
  const GpuSpec g = c.gpu("H100-SXM");
  Deployment d = tp(2);
  d.weight_dtype = DType::kBf16;
  const uint64_t bf16 = plan_memory(m, g, d, MemoryOptions{}).num_gpu_blocks;
  d.weight_dtype = DType::kFp8;
  const uint64_t fp8 = plan_memory(m, g, d, MemoryOptions{}).num_gpu_blocks;
  d.weight_dtype = DType::kInt4;
  const uint64_t int4 = plan_memory(m, g, d, MemoryOptions{}).num_gpu_blocks;
  CHECK(fp8 > bf16);
  CHECK(int4 > fp8);
}

TEST_CASE("fp8 KV halves the bytes of a block and about doubles the blocks") {
  const Catalog c = catalog();
  Deployment d = tp(1);
  const MemoryPlan a = plan_memory(c.llm("Llama-3-8B"), c.gpu("H100-SXM"), d, MemoryOptions{});
  d.kv_dtype = DType::kFp8;
  const MemoryPlan b = plan_memory(c.llm("Llama-3-8B"), c.gpu("H100-SXM"), d, MemoryOptions{});
  CHECK(b.kv_bytes_per_block_per_gpu == a.kv_bytes_per_block_per_gpu / 2);
  CHECK((b.num_gpu_blocks == 2 * a.num_gpu_blocks || b.num_gpu_blocks == 2 * a.num_gpu_blocks + 1));
}

TEST_CASE("pipeline parallelism gives each GPU its stage's layers of weights and KV") {
  const Catalog c = catalog();
  const LlmSpec m = c.llm("Llama-3-70B");
  Deployment d = tp(2);
  d.pipeline_parallel = 2;
  CHECK(layers_per_stage(m, d) == 40);
  CHECK(kv_bytes_per_token_per_gpu(m, d) == 327680u / 2 / 2);
  const MemoryPlan p = plan_memory(m, c.gpu("H100-SXM"), d, MemoryOptions{});
  CHECK(p.num_gpus == 4);
  // Half the layers over two ranks plus one end (embeddings or LM head) over two ranks.
  const double embed = 128256.0 * 8192;
  const double layers = static_cast<double>(m.num_parameters()) - 2 * embed;
  CHECK(p.weight_bytes_per_gpu == Approx((layers / 2 + embed) * 2 / 2));
}

TEST_CASE("2:4 sparsity stores half the weights plus a 2-bit index per kept value") {
  CHECK(linear_weight_bytes_per_param(DType::kBf16, true) == 1.0 + 0.125);
  CHECK(linear_weight_bytes_per_param(DType::kFp8, true) == 0.5 + 0.125);
  CHECK(linear_weight_bytes_per_param(DType::kInt4, false) == 0.5 + 2.0 / 128);
  const Catalog c = catalog();
  Deployment d = tp(1);
  d.sparsity_2_4 = true;
  CHECK_THROWS_WITH(plan_memory(c.llm("Llama-2-7B"), c.gpu("V100-32GB"), d, MemoryOptions{}),
                    Catch::Contains("sparse tensor cores"));
}

TEST_CASE("a plan with no room for KV says how much is missing and suggests TP or quantisation") {
  const Catalog c = catalog();
  const std::string e = plan_error(c.llm("Llama-3-70B"), c.gpu("H100-SXM"), tp(1), MemoryOptions{});
  CHECK_THAT(e, Catch::Contains("Llama-3-70B"));
  CHECK_THAT(e, Catch::Contains("H100-SXM"));
  CHECK_THAT(e, Catch::Contains("weights 131.42 GiB"));
  CHECK_THAT(e, Catch::Contains("62.37 GiB missing"));
  CHECK_THAT(e, Catch::Contains("tensor_parallel 2"));
  CHECK_THAT(e, Catch::Contains("weight_dtype fp8"));
}

TEST_CASE("a max_model_len the cache cannot hold once is an error") {
  const Catalog c = catalog();
  MemoryOptions o;
  o.max_model_len = 32768;  // 2048 blocks; TP 2 leaves room for about 1500
  const std::string e = plan_error(c.llm("Llama-3-70B"), c.gpu("H100-SXM"), tp(2), o);
  CHECK_THAT(e, Catch::Contains("32768-token sequence"));
  CHECK_THAT(e, Catch::Contains("missing"));
  const MemoryPlan p = plan_memory(c.llm("Llama-3-70B"), c.gpu("H100-SXM"), tp(4), o);
  CHECK(p.max_concurrency == Approx(p.kv_capacity_tokens / 32768.0));
}

TEST_CASE("a deployment vLLM would refuse is an error before any arithmetic") {
  const Catalog c = catalog();
  CHECK_THROWS_WITH(plan_memory(c.llm("Llama-3-8B"), c.gpu("H100-SXM"), tp(3), MemoryOptions{}),
                    Catch::Contains("not divisible by tensor_parallel (3)"));
  Deployment d = tp(1);
  d.pipeline_parallel = 81;
  CHECK_THROWS_WITH(plan_memory(c.llm("Llama-3-70B"), c.gpu("H100-SXM"), d, MemoryOptions{}),
                    Catch::Contains("exceeds the number of layers"));
}

TEST_CASE("memory options are read from JSON with ranges and defaults") {
  nlohmann::json j = {{"gpu_memory_utilization", 0.95}, {"block_size", 32}, {"max_num_seqs", 512}};
  ErrorList errors;
  JsonReader r(j, "/memory", errors);
  const MemoryOptions o = read_memory_options(r);
  r.reject_unknown_keys();
  CHECK(errors.empty());
  CHECK(o.gpu_memory_utilization == 0.95);
  CHECK(o.block_size == 32);
  CHECK(o.max_num_seqs == 512);
  CHECK(o.max_num_batched_tokens == 8192);

  nlohmann::json bad = {{"gpu_memory_utilization", 1.5}};
  ErrorList e2;
  JsonReader r2(bad, "/memory", e2);
  read_memory_options(r2);
  REQUIRE(e2.errors().size() == 1);
  CHECK_THAT(e2.errors()[0], Catch::Contains("/memory/gpu_memory_utilization"));
}

TEST_CASE("the plan's JSON carries every figure of the arithmetic") {
  const Catalog c = catalog();
  const nlohmann::json j =
      plan_memory(c.llm("Llama-3-8B"), c.gpu("H100-SXM"), tp(1), MemoryOptions{}).to_json();
  for (const char* key :
       {"gpu_memory_bytes", "usable_bytes", "weight_bytes_per_gpu", "activation_reserve_bytes",
        "non_torch_bytes", "kv_cache_bytes_per_gpu", "kv_bytes_per_block_per_gpu", "num_gpu_blocks",
        "kv_capacity_tokens", "block_size"}) {
    INFO(key);
    CHECK(j.contains(key));
  }
  CHECK(j["num_gpu_blocks"] == 27870);
}
