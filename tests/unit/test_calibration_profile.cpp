// CalibrationProfile: the file format, its validation, and how queries interpolate, transfer
// between weight formats and fall back to the roofline.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "core/error.h"
#include "perf/calibration.h"
#include "perf/profile.h"

using namespace kvsim;

namespace {

ProfileReference h100_like() {
  ProfileReference r;
  r.peak_bf16_flops = 989.5e12;
  r.peak_fp8_flops = 1979e12;
  r.peak_int8_ops = 1979e12;
  r.hbm_bytes_per_s = 3.35e12;
  r.interconnect_bytes_per_s = 450e9;
  r.pcie_bytes_per_s = 64e9;
  r.sparsity_2_4 = true;
  r.kernel_floor_s = 4e-6;
  return r;
}

// Synthetic measurements that follow the reference roofline at a fixed 80% efficiency.
CalibrationProfile synthetic_profile(ProfileReference ref = h100_like()) {
  ProfileBuilder b("H100-SXM", ref);
  for (auto [n, k] : {std::pair<uint64_t, uint64_t>{4096, 4096}, {12288, 4096}, {4096, 11008}, {22016, 4096}})
    for (double m : {1.0, 16.0, 64.0, 256.0, 1024.0, 4096.0})
      b.add_gemm(GemmKind{}, n, k, m, ref.gemm_roofline_s(m, n, k, GemmKind{}) / 0.8);
  for (double bytes : {1e4, 1e6, 1e8}) b.add_elementwise(ElementwiseOp::kRmsNorm, bytes, 4e-6 + bytes / 3e12);
  for (double bytes : {2048.0, 1e6, 64e6}) b.add_collective(CollectiveOp::kAllReduce, 2, 2, bytes, 8e-6 + bytes / 300e9);
  return b.build({{"description", "synthetic measurements for a unit test"}});
}

}  // namespace

TEST_CASE("a profile survives a trip through its JSON file format") {
  const CalibrationProfile p = synthetic_profile();
  const CalibrationProfile q = CalibrationProfile::from_json(nlohmann::json::parse(p.to_text()), "test");
  CHECK(q.gpu == "H100-SXM");
  CHECK(q.source["description"] == "synthetic measurements for a unit test");
  REQUIRE(q.gemms.size() == p.gemms.size());
  CHECK(q.reference.peak_fp8_flops == Approx(p.reference.peak_fp8_flops));
  for (double m : {1.0, 100.0, 3000.0, 9000.0})
    CHECK(q.gemm_seconds(m, 8192, 4096, GemmKind{}) == Approx(p.gemm_seconds(m, 8192, 4096, GemmKind{})).epsilon(1e-5));
  CHECK(q.elementwise_seconds(ElementwiseOp::kRmsNorm, 5e6) ==
        Approx(p.elementwise_seconds(ElementwiseOp::kRmsNorm, 5e6)).epsilon(1e-5));
}

TEST_CASE("a malformed profile is refused with the JSON pointer of every problem") {
  nlohmann::json j = synthetic_profile().to_json();
  j["gemm"][0]["ms"][3] = 1e-9;  // a dip: times must not decrease with M
  j["gemm"][1]["kind"] = "fp7";
  j["elementwise"]["rms_norm"]["bytes"] = "many";
  j["collectives"][0]["ranks"] = 1;
  j["colour"] = "blue";
  j.erase("gpu");
  try {
    CalibrationProfile::from_json(j, "profile.json");
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("profile.json") != std::string::npos);
    CHECK(msg.find("/gemm/0/ms/3") != std::string::npos);
    CHECK(msg.find("/gemm/1/kind") != std::string::npos);
    CHECK(msg.find("/elementwise/rms_norm/bytes") != std::string::npos);
    CHECK(msg.find("/collectives/0/ranks") != std::string::npos);
    CHECK(msg.find("/colour") != std::string::npos);
    CHECK(msg.find("/gpu") != std::string::npos);
  }
}

TEST_CASE("a GEMM of a measured shape is answered by its own measurements") {
  const CalibrationProfile p = synthetic_profile();
  const ProfileReference ref = h100_like();
  Provenance how;
  for (double m : {1.0, 64.0, 4096.0}) {
    CHECK(p.gemm_seconds(m, 12288, 4096, GemmKind{}, &how) == Approx(ref.gemm_roofline_s(m, 12288, 4096, GemmKind{}) / 0.8));
    CHECK(how == Provenance::kMeasured);
  }
}

TEST_CASE("an unmeasured GEMM shape is predicted from neighbouring shapes rescaled by the roofline") {
  const CalibrationProfile p = synthetic_profile();
  const ProfileReference ref = h100_like();
  // Every measurement is at 80% of the roofline, so any shape must come out at 80% too.
  for (double m : {1.0, 16.0, 256.0, 4096.0})
    CHECK(p.gemm_seconds(m, 5120, 5120, GemmKind{}) == Approx(ref.gemm_roofline_s(m, 5120, 5120, GemmKind{}) / 0.8).epsilon(1e-9));
}

TEST_CASE("beyond the largest measured token count a GEMM follows the roofline from its last measurement") {
  const CalibrationProfile p = synthetic_profile();
  const ProfileReference ref = h100_like();
  Provenance how;
  const double beyond = p.gemm_seconds(65536, 4096, 4096, GemmKind{}, &how);
  CHECK(how == Provenance::kTransferred);
  CHECK(beyond == Approx(ref.gemm_roofline_s(65536, 4096, 4096, GemmKind{}) / 0.8));
  CHECK(beyond > 15 * p.gemm_seconds(4096, 4096, 4096, GemmKind{}));  // compute bound: ~16x the time
}

TEST_CASE("quantised and sparse weights change GEMM time through the roofline, not a constant factor") {
  const CalibrationProfile p = synthetic_profile();
  const double bf16_decode = p.gemm_seconds(1, 22016, 4096, GemmKind{});
  const double bf16_prefill = p.gemm_seconds(4096, 22016, 4096, GemmKind{});
  Provenance how;
  // fp8 on a GPU with fp8 tensor cores: half the weight bytes and twice the math rate.
  const double fp8_decode = p.gemm_seconds(1, 22016, 4096, GemmKind{DType::kFp8}, &how);
  CHECK(how == Provenance::kTransferred);
  CHECK(fp8_decode / bf16_decode == Approx(0.5).margin(0.08));
  CHECK(p.gemm_seconds(4096, 22016, 4096, GemmKind{DType::kFp8}) / bf16_prefill == Approx(0.5).margin(0.05));
  // int4 (W4A16): a quarter of the bytes when memory bound, the bf16 math rate when compute bound.
  CHECK(p.gemm_seconds(1, 22016, 4096, GemmKind{DType::kInt4}) / bf16_decode < 0.4);
  CHECK(p.gemm_seconds(4096, 22016, 4096, GemmKind{DType::kInt4}) == Approx(bf16_prefill).epsilon(0.01));
  // 2:4 sparsity: twice the math rate, a little over half the bytes.
  CHECK(p.gemm_seconds(4096, 22016, 4096, GemmKind{DType::kBf16, true}) / bf16_prefill == Approx(0.5).margin(0.05));

  // Without fp8 tensor cores (A100) fp8 weights are weight-only: compute-bound time is unchanged.
  ProfileReference a100 = h100_like();
  a100.peak_fp8_flops = 0;
  const CalibrationProfile q = synthetic_profile(a100);
  CHECK(q.gemm_seconds(4096, 22016, 4096, GemmKind{DType::kFp8}) ==
        Approx(q.gemm_seconds(4096, 22016, 4096, GemmKind{})).epsilon(0.01));
}

TEST_CASE("queries the profile has no measurements for fall back to the roofline and say so") {
  const CalibrationProfile p = synthetic_profile();
  Provenance how;
  const double ar8 = p.collective_seconds(CollectiveOp::kAllReduce, 64e6, 8, 8, &how);
  CHECK(how == Provenance::kRoofline);
  CHECK(ar8 == Approx(2.0 * 7 / 8 * 64e6 / 450e9 + 4e-6));
  CHECK(p.collective_seconds(CollectiveOp::kAllReduce, 1e6, 2, 2, &how) == Approx(8e-6 + 1e6 / 300e9).epsilon(1e-3));
  CHECK(how == Provenance::kMeasured);
  CHECK(p.collective_seconds(CollectiveOp::kAllReduce, 1e6, 1, 1) == 0);
  CHECK(p.memcpy_seconds(MemcpyKind::kHostToDevice, 64e9, &how) == Approx(1.0 + 4e-6));
  CHECK(how == Provenance::kRoofline);
  // LayerNorm was not measured but RMSNorm was: the sibling kernel answers.
  CHECK(p.elementwise_seconds(ElementwiseOp::kLayerNorm, 1e6, &how) == Approx(p.elementwise_seconds(ElementwiseOp::kRmsNorm, 1e6)));
  CHECK(how == Provenance::kTransferred);
  CHECK(p.elementwise_seconds(ElementwiseOp::kRotary, 3.35e9, &how) == Approx(1e-3 + 4e-6));
  CHECK(how == Provenance::kRoofline);
}

TEST_CASE("Google Benchmark results of kvsim_gpu_bench become profile curves, medians preferred") {
  const nlohmann::json results = nlohmann::json::parse(R"({
    "context": {"kvsim_device": "NVIDIA H100 80GB HBM3"},
    "benchmarks": [
      {"name": "gemm/bf16/m:64/n:4096/k:4096/manual_time", "run_name": "gemm/bf16/m:64/n:4096/k:4096/manual_time",
       "run_type": "iteration", "real_time": 99.0, "time_unit": "us", "m": 64, "n": 4096, "k": 4096},
      {"name": "gemm/bf16/m:64/n:4096/k:4096/manual_time_median", "run_name": "gemm/bf16/m:64/n:4096/k:4096/manual_time",
       "run_type": "aggregate", "aggregate_name": "median", "real_time": 16.0, "time_unit": "us", "m": 64, "n": 4096, "k": 4096},
      {"name": "gemm/bf16/m:64/n:4096/k:4096/manual_time_mean", "run_name": "gemm/bf16/m:64/n:4096/k:4096/manual_time",
       "run_type": "aggregate", "aggregate_name": "mean", "real_time": 50.0, "time_unit": "us", "m": 64, "n": 4096, "k": 4096},
      {"name": "gemm/fp8/m:64/n:4096/k:4096/manual_time", "run_type": "iteration", "error_occurred": true,
       "error_message": "no fp8 tensor cores"},
      {"name": "attention_decode/b:8/ctx:1024/manual_time", "run_type": "iteration", "real_time": 0.02, "time_unit": "ms",
       "kv_bytes": 33554432},
      {"name": "memcpy/h2d/bytes:1048576/manual_time", "run_type": "iteration", "real_time": 40000, "time_unit": "ns",
       "bytes": 1048576},
      {"name": "all_reduce/ranks:2/bytes:1048576/manual_time", "run_type": "iteration", "real_time": 20, "time_unit": "us",
       "bytes": 1048576, "ranks": 2}
    ]})");
  ProfileBuilder b("H100-SXM", h100_like());
  CHECK(benchmark_device_name(results) == "NVIDIA H100 80GB HBM3");
  CHECK(add_benchmark_results(b, results, "bench.json") == 4);
  const CalibrationProfile p = b.build({{"description", "kvsim_gpu_bench"}});
  REQUIRE(p.gemms.size() == 1);
  CHECK(p.gemm_seconds(64, 4096, 4096, GemmKind{}) == Approx(16e-6));
  CHECK(p.attention_decode.at(33554432) == Approx(20e-6));
  CHECK(p.memcpy_seconds(MemcpyKind::kHostToDevice, 1048576) == Approx(40e-6));
  CHECK(p.collective_seconds(CollectiveOp::kAllReduce, 1048576, 2, 2) == Approx(20e-6));
  CHECK(b.shortest_gemm_s() == Approx(16e-6));

  const nlohmann::json bad = nlohmann::json::parse(R"({"benchmarks": [{"name": "gemm/bf16/x", "real_time": 1, "time_unit": "us", "m": 1}]})");
  try {
    add_benchmark_results(b, bad, "bench.json");
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("/benchmarks/0/n") != std::string::npos);
  }
}
