// Elementwise benchmarks: each kernel over token counts 1..16384 at a few widths; the counter
// `bytes` is the traffic the calibrated model charges the same kernel (perf/calibrated_operators.h).
#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_registry.h"
#include "cuda_util.h"
#include "elementwise_kernels.h"

namespace kvsim_gpu {

namespace {

constexpr int kTokens[] = {1, 16, 64, 256, 1024, 4096, 16384};

// Times `launch` on buffers of `elements` bf16 values each (a, b, out).
void time_kernel(benchmark::State& state, double bytes, size_t elements_in, size_t elements_out,
                 const std::function<void(void*, void*, void*)>& launch) {
  state.counters["bytes"] = bytes;
  try {
    DeviceBuffer a(elements_in * 2), b(elements_in * 2), out(elements_out * 2);
    fill_bf16(a.get(), elements_in, 7, nullptr);
    fill_bf16(b.get(), elements_in, 8, nullptr);
    EventTimer timer;
    launch(a.get(), b.get(), out.get());
    for (auto _ : state) {
      timer.start(nullptr);
      launch(a.get(), b.get(), out.get());
      state.SetIterationTime(timer.stop_seconds(nullptr));
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

void add(const std::string& name, std::function<void(benchmark::State&)> fn) {
  benchmark::RegisterBenchmark(name.c_str(), std::move(fn))->UseManualTime()->Unit(benchmark::kMicrosecond)->MinTime(0.05);
}

using bf16 = __nv_bfloat16;

}  // namespace

void register_elementwise_benchmarks(const BenchOptions&) {
  for (int t : kTokens) {
    for (int width : {2560, 4096, 8192}) {
      const std::string suffix = "/tokens:" + std::to_string(t) + "/width:" + std::to_string(width);
      add("elementwise/rms_norm" + suffix, [=](benchmark::State& s) {
        time_kernel(s, 2.0 * t * width * 2, size_t(t) * width, size_t(t) * width, [=](void* a, void* b, void* o) {
          rms_norm(static_cast<bf16*>(a), static_cast<bf16*>(b), static_cast<bf16*>(o), t, width, nullptr);
        });
      });
      add("elementwise/residual_add" + suffix, [=](benchmark::State& s) {
        time_kernel(s, 3.0 * t * width * 2, size_t(t) * width, size_t(t) * width, [=](void* a, void* b, void* o) {
          residual_add(static_cast<bf16*>(a), static_cast<bf16*>(b), static_cast<bf16*>(o), int64_t(t) * width, nullptr);
        });
      });
      add("elementwise/embedding" + suffix, [=](benchmark::State& s) {
        // Every id is 0 (a memset), so each token gathers row 0: the writes dominate either way.
        DeviceBuffer ids;
        try {
          ids = DeviceBuffer(size_t(t) * 4);
          check(cudaMemset(ids.get(), 0, ids.bytes()), "cudaMemset");
        } catch (const std::exception& e) {
          s.SkipWithError(e.what());
          return;
        }
        time_kernel(s, 1.0 * t * width * 2, size_t(t) * width, size_t(t) * width, [&](void* a, void*, void* o) {
          embedding(ids.as<int32_t>(), static_cast<bf16*>(a), static_cast<bf16*>(o), t, width, nullptr);
        });
      });
    }
    for (int width : {2752, 7168, 14336}) {  // MLP widths per GPU
      const std::string suffix = "/tokens:" + std::to_string(t) + "/width:" + std::to_string(width);
      add("elementwise/silu_and_mul" + suffix, [=](benchmark::State& s) {
        time_kernel(s, 3.0 * t * width * 2, size_t(t) * width * 2, size_t(t) * width, [=](void* a, void*, void* o) {
          silu_and_mul(static_cast<bf16*>(a), static_cast<bf16*>(o), t, width, nullptr);
        });
      });
    }
    for (int heads : {8, 32, 64}) {  // query heads per GPU, a quarter as many kv heads, head_dim 128
      const int kv_heads = std::max(1, heads / 4), dim = 128;
      const std::string suffix = "/tokens:" + std::to_string(t) + "/width:" + std::to_string((heads + kv_heads) * dim);
      add("elementwise/rotary" + suffix, [=](benchmark::State& s) {
        time_kernel(s, 2.0 * t * (heads + kv_heads) * dim * 2, size_t(t) * heads * dim, 1, [=](void* a, void* b, void*) {
          rotary(static_cast<bf16*>(a), static_cast<bf16*>(b), t, heads, kv_heads, dim, nullptr);
        });
      });
    }
  }
}

}  // namespace kvsim_gpu
