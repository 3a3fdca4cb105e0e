// Memory-copy benchmarks: device-to-device, and pinned host-to-device and device-to-host, from
// 4 KiB to 1 GiB: the transfers of KV-cache swapping and CPU offload.
#include <string>

#include <benchmark/benchmark.h>

#include "bench_registry.h"
#include "cuda_util.h"

namespace kvsim_gpu {

namespace {

void memcpy_benchmark(benchmark::State& state, cudaMemcpyKind kind, size_t bytes) {
  state.counters["bytes"] = double(bytes);
  try {
    DeviceBuffer dev_a(bytes), dev_b(kind == cudaMemcpyDeviceToDevice ? bytes : 0);
    PinnedBuffer host(kind == cudaMemcpyDeviceToDevice ? 0 : bytes);
    void* dst = kind == cudaMemcpyHostToDevice ? dev_a.get() : kind == cudaMemcpyDeviceToHost ? host.get() : dev_b.get();
    const void* src = kind == cudaMemcpyHostToDevice ? host.get() : dev_a.get();
    EventTimer timer;
    check(cudaMemcpyAsync(dst, src, bytes, kind, nullptr), "cudaMemcpyAsync");
    for (auto _ : state) {
      timer.start(nullptr);
      check(cudaMemcpyAsync(dst, src, bytes, kind, nullptr), "cudaMemcpyAsync");
      state.SetIterationTime(timer.stop_seconds(nullptr));
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

}  // namespace

void register_memcpy_benchmarks(const BenchOptions&) {
  const std::pair<const char*, cudaMemcpyKind> kinds[] = {
      {"d2d", cudaMemcpyDeviceToDevice}, {"h2d", cudaMemcpyHostToDevice}, {"d2h", cudaMemcpyDeviceToHost}};
  for (const auto& [name, kind] : kinds)
    for (size_t bytes = 4096; bytes <= (size_t(1) << 30); bytes *= 4) {
      const std::string n = std::string("memcpy/") + name + "/bytes:" + std::to_string(bytes);
      benchmark::RegisterBenchmark(n.c_str(), memcpy_benchmark, kind, bytes)
          ->UseManualTime()
          ->Unit(benchmark::kMicrosecond)
          ->MinTime(0.05);
    }
}

}  // namespace kvsim_gpu
