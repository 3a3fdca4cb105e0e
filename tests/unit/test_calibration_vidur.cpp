// The Vidur importer and the accuracy of the calibrated model on the committed excerpt of Vidur's
// real GPU measurements (tests/data/profiling, see tests/data/README.md).
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>

#include "core/error.h"
#include "perf/calibration_validation.h"
#include "perf/vidur_import.h"

using namespace kvsim;

namespace {
const std::string kData = std::string(KVSIM_TEST_DATA) + "/profiling";

std::string temp_file(const std::string& name, const std::string& text) {
  const std::string path = std::string(KVSIM_BINARY_DIR) + "/" + name;
  std::ofstream(path) << text;
  return path;
}
}  // namespace

TEST_CASE("the Vidur importer reads each operator's median and the model's shape") {
  const auto rows = read_vidur_mlp_csv(kData + "/h100/phi-2_mlp.csv");
  REQUIRE(rows.size() == 19);
  const VidurMlpRow& r = rows.front();
  CHECK(r.model == "phi-2");
  CHECK(r.num_tokens == 4096);
  CHECK(r.n_embd == 2560);
  CHECK_FALSE(r.gated_mlp);
  CHECK_FALSE(r.has_post_attention_layernorm);
  CHECK(*r.median_ms[size_t(VidurOp::kAttnPreProj)] == Approx(0.209));
  CHECK_FALSE(r.median_ms[size_t(VidurOp::kPostAttentionLayernorm)]);
  CHECK(r.layer_ms() == Approx(0.021 + 0.209 + 0.066 + 0.0845 + 0.295 + 0.068 + 0.3345 + 0.04));
  const auto net = read_vidur_collective_csv(kData + "/network/h100_dgx_all_reduce.csv");
  REQUIRE_FALSE(net.empty());
  CHECK(net.front().ranks == 8);
  CHECK(net.front().bytes == 2048);
}

TEST_CASE("a malformed Vidur file is refused with its path and line") {
  const std::string path = temp_file("bad_mlp.csv",
                                     "time_stats.add.median,n_head,n_kv_head,n_embd,n_expanded_embd,vocab_size,"
                                     "use_gated_mlp,num_tokens,num_tensor_parallel_workers\n"
                                     "0.1,32,32,4096,11008,32000,True,16,1\n"
                                     "0.1,32,32,4096,11008,32000,maybe,16,1\n");
  try {
    read_vidur_mlp_csv(path);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("bad_mlp.csv:3") != std::string::npos);
    CHECK(msg.find("use_gated_mlp") != std::string::npos);
  }
  std::remove(path.c_str());
}

TEST_CASE("a Vidur model whose shape contradicts its catalog entry is refused") {
  auto rows = read_vidur_mlp_csv(kData + "/h100/Llama-2-7b-hf_mlp.csv");
  rows.front().n_expanded_embd = 12000;
  const Catalog catalog = Catalog::open_default();
  CHECK_THROWS_WITH(vidur_model_spec(rows.front(), &catalog),
                    Catch::Contains("intermediate_size 11008 but the CSV's n_expanded_embd is 12000"));
}

TEST_CASE("leave-one-model-out on real H100 and A100 measurements meets the accuracy goal") {
  // For each model: calibrate on the other models of the same GPU, predict this one at every token
  // count and TP degree of the excerpt. Goal (docs/validation.md): median <= 5%, P90 <= 15%.
  const Catalog catalog = Catalog::open_default();
  ValidationReport report;
  for (const char* gpu : {"h100", "a100"})
    validate_vidur(read_vidur_gpu_data(kData, gpu, "dgx", catalog), &catalog, true, "dgx", report);
  REQUIRE(report.points.size() > 400);
  for (const auto& gpu : report.gpus()) {
    const ErrorStats all = report.layer_stats(gpu, "");
    INFO(gpu << ": median " << all.median << ", P90 " << all.p90);
    CHECK(all.median <= 0.05);
    CHECK(all.p90 <= 0.15);
    for (const auto& model : report.models(gpu)) {
      const ErrorStats s = report.layer_stats(gpu, model);
      INFO(gpu << " " << model << ": median " << s.median << ", P90 " << s.p90);
      CHECK(s.median <= 0.06);
      CHECK(s.p90 <= 0.15);
    }
  }
  // Collective curves interpolate held-out message sizes closely in the median.
  for (const auto& c : report.collectives) CHECK(c.stats.median <= 0.05);
}

TEST_CASE("the shipped profiles reproduce the real measurements they were calibrated on") {
  const Catalog catalog = Catalog::open_default();
  ValidationReport report;
  for (const char* gpu : {"h100", "a100"}) {
    const VidurGpuData data = read_vidur_gpu_data(kData, gpu, "dgx", catalog);
    const auto profile = std::make_shared<const CalibrationProfile>(CalibrationProfile::load(
        catalog.models_dir() + "/profiles/" + data.gpu.name + ".json"));
    predict_vidur_rows(profile, data, "", &catalog, report);
  }
  REQUIRE(report.gpus().size() == 2);
  for (const auto& gpu : report.gpus()) {
    const ErrorStats s = report.layer_stats(gpu, "");
    INFO(gpu << " in-sample: median " << s.median << ", P90 " << s.p90);
    CHECK(s.median <= 0.02);
    CHECK(s.p90 <= 0.06);
  }
}
