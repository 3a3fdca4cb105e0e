// kvsim_gpu_bench: CUDA microbenchmarks for calibration profiles. Run on a GPU machine:
//   kvsim_gpu_bench --benchmark_format=json --benchmark_out=h100.json [--kvsim_shapes=shapes.json]
//   kvsim calibrate --gpu H100-SXM --benchmark-json h100.json --out models/profiles/H100-SXM.json
// Without a usable GPU it prints one sentence and exits with status 1.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_registry.h"
#include "cuda_util.h"

namespace kvsim_gpu {

namespace {
DeviceInfo g_device;
}  // namespace

const DeviceInfo& device() { return g_device; }
void set_device(const DeviceInfo& info) { g_device = info; }

}  // namespace kvsim_gpu

int main(int argc, char** argv) {
  using namespace kvsim_gpu;
  // Our own flags first; Google Benchmark rejects what it does not know.
  BenchOptions options;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--kvsim_shapes=", 0) == 0) options.shapes_file = a.substr(15);
    else if (a.rfind("--kvsim_m=", 0) == 0) options.m_list = a.substr(10);
    else if (a == "--help" || a == "-h") {
      std::printf(
          "kvsim_gpu_bench: CUDA microbenchmarks whose JSON output `kvsim calibrate --benchmark-json` reads.\n"
          "  --kvsim_shapes=FILE  GEMM weight shapes [{\"n\":..,\"k\":..},...] (from `kvsim calibrate --print-shapes`)\n"
          "  --kvsim_m=1,2,4,...  GEMM token counts\n"
          "  plus Google Benchmark's flags, e.g. --benchmark_format=json --benchmark_out=FILE\n"
          "  --benchmark_filter=REGEX --benchmark_repetitions=N --benchmark_report_aggregates_only=true\n");
      return 0;
    } else rest.push_back(argv[i]);
  }
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess || count == 0) {
    std::fprintf(stderr, "kvsim_gpu_bench: no usable CUDA GPU on this machine (%s), so there is nothing to measure.\n",
                 e != cudaSuccess ? cudaGetErrorString(e) : "no devices");
    return 1;
  }
  try {
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    check(cudaSetDevice(0), "cudaSetDevice");
    DeviceInfo d;
    d.index = 0;
    d.count = count;
    d.major = prop.major;
    d.minor = prop.minor;
    d.name = prop.name;
    d.memory_bytes = prop.totalGlobalMem;
    set_device(d);
    if (prop.major < 8) {
      std::fprintf(stderr, "kvsim_gpu_bench: %s (compute capability %d.%d) predates the bf16 tensor cores these "
                           "kernels need (8.0 or later).\n", prop.name, prop.major, prop.minor);
      return 1;
    }
    benchmark::AddCustomContext("kvsim_device", d.name);
    benchmark::AddCustomContext("kvsim_compute_capability", std::to_string(d.major) + "." + std::to_string(d.minor));
    benchmark::AddCustomContext("kvsim_device_count", std::to_string(count));
    register_gemm_benchmarks(options);
    register_attention_benchmarks(options);
    register_elementwise_benchmarks(options);
    register_memcpy_benchmarks(options);
    register_nccl_benchmarks(options);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "kvsim_gpu_bench: %s\n", ex.what());
    return 1;
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
