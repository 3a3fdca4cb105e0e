// Calibration: turning measurements into a CalibrationProfile. A ProfileBuilder collects raw
// samples (repeated, unordered, noisy) from any source -- our CUDA microbenchmarks' Google
// Benchmark JSON (gpu/), or Vidur's profiling CSVs (perf/vidur_import.h) -- and build() fits one
// monotone log-log curve per measured quantity (perf/profile_curve.h).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "perf/profile.h"

namespace kvsim {

class ProfileBuilder {
 public:
  // `reference` is the GPU's datasheet roofline and kernel floor.
  ProfileBuilder(std::string gpu, ProfileReference reference);

  // All times in seconds; sizes as the profile format names them (docs/calibration.md).
  void add_gemm(GemmKind kind, uint64_t n, uint64_t k, double m, double seconds);
  void add_elementwise(ElementwiseOp op, double bytes, double seconds);
  void add_attention_decode(double kv_bytes, double seconds);
  void add_attention_prefill(double flops, double seconds);
  void add_memcpy(MemcpyKind kind, double bytes, double seconds);
  void add_collective(CollectiveOp op, uint32_t ranks, uint32_t ranks_per_node, double bytes, double seconds);

  size_t num_samples() const { return samples_; }
  // The shortest GEMM added (0 if none): a launch plus the tail of a kernel that does almost
  // nothing, the natural floor of the roofline the curves are rescaled by.
  double shortest_gemm_s() const { return shortest_kernel_s_; }
  void set_kernel_floor_s(double seconds) { reference_.kernel_floor_s = seconds; }
  // `source` must hold a "description" string naming where the measurements come from.
  CalibrationProfile build(nlohmann::json source) const;

 private:
  using Samples = std::vector<std::pair<double, double>>;
  std::string gpu_;
  ProfileReference reference_;
  std::map<std::tuple<std::string, uint64_t, uint64_t>, Samples> gemm_;
  std::map<ElementwiseOp, Samples> elementwise_;
  Samples attention_decode_, attention_prefill_;
  std::map<MemcpyKind, Samples> memcpy_;
  std::map<std::tuple<CollectiveOp, uint32_t, uint32_t>, Samples> collectives_;
  double shortest_kernel_s_ = 0;
  size_t samples_ = 0;
};

// Adds the results of kvsim_gpu_bench (`--benchmark_format=json`) to `builder`. Benchmarks are
// recognised by name ("gemm/<kind>/...", "attention_decode/...", "attention_prefill/...",
// "memcpy/<d2d|h2d|d2h>/...", "elementwise/<op>/...", "all_reduce/...", "send_recv/...") and read
// their sizes from the counters (m, n, k; kv_bytes; flops; bytes; ranks, ranks_per_node). When a
// benchmark has aggregates, only its median is used. Returns the number of samples added; throws
// InputError naming `where` and the JSON pointer of a malformed entry.
size_t add_benchmark_results(ProfileBuilder& builder, const nlohmann::json& results, const std::string& where);

// The GPU name kvsim_gpu_bench recorded in the results' context ("" if none).
std::string benchmark_device_name(const nlohmann::json& results);

}  // namespace kvsim
