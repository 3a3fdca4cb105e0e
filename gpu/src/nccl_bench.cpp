// NCCL all-reduce benchmarks: bf16 sums across 2, 4 and 8 GPUs of this machine (one process
// driving every GPU), message sizes 2 KiB to 256 MiB. Registered only when NCCL was found at build
// time and more than one GPU is present; otherwise there is nothing to measure.
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_registry.h"
#include "cuda_util.h"

#ifdef KVSIM_HAVE_NCCL
#include <nccl.h>
#endif

namespace kvsim_gpu {

#ifdef KVSIM_HAVE_NCCL
namespace {

void check_nccl(ncclResult_t r, const char* what) {
  if (r != ncclSuccess) throw CudaError(std::string(what) + ": " + ncclGetErrorString(r));
}

void all_reduce_benchmark(benchmark::State& state, int ranks, size_t bytes) {
  state.counters["bytes"] = double(bytes);
  state.counters["ranks"] = ranks;
  state.counters["ranks_per_node"] = ranks;
  std::vector<ncclComm_t> comms(ranks);
  std::vector<cudaStream_t> streams(ranks);
  std::vector<DeviceBuffer> buffers;
  try {
    std::vector<int> devs(ranks);
    for (int i = 0; i < ranks; ++i) devs[i] = i;
    check_nccl(ncclCommInitAll(comms.data(), ranks, devs.data()), "ncclCommInitAll");
    for (int i = 0; i < ranks; ++i) {
      check(cudaSetDevice(i), "cudaSetDevice");
      check(cudaStreamCreate(&streams[i]), "cudaStreamCreate");
      buffers.emplace_back(bytes);
      check(cudaMemset(buffers.back().get(), 0, bytes), "cudaMemset");
    }
    auto run = [&] {
      check_nccl(ncclGroupStart(), "ncclGroupStart");
      for (int i = 0; i < ranks; ++i)
        check_nccl(ncclAllReduce(buffers[i].get(), buffers[i].get(), bytes / 2, ncclBfloat16, ncclSum, comms[i],
                                 streams[i]),
                   "ncclAllReduce");
      check_nccl(ncclGroupEnd(), "ncclGroupEnd");
    };
    check(cudaSetDevice(0), "cudaSetDevice");
    EventTimer timer;  // on device 0: every rank finishes together, the collective synchronises them
    run();
    for (int i = 0; i < ranks; ++i) check(cudaStreamSynchronize(streams[i]), "cudaStreamSynchronize");
    for (auto _ : state) {
      timer.start(streams[0]);
      run();
      const double s = timer.stop_seconds(streams[0]);
      for (int i = 1; i < ranks; ++i) check(cudaStreamSynchronize(streams[i]), "cudaStreamSynchronize");
      state.SetIterationTime(s);
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
  for (int i = 0; i < ranks; ++i) {
    if (comms[i]) ncclCommDestroy(comms[i]);
    if (streams[i]) {
      cudaSetDevice(i);
      cudaStreamDestroy(streams[i]);
    }
  }
  buffers.clear();
  cudaSetDevice(0);
}

}  // namespace

void register_nccl_benchmarks(const BenchOptions&) {
  for (int ranks : {2, 4, 8}) {
    if (ranks > device().count) break;
    for (size_t bytes = 2048; bytes <= (size_t(256) << 20); bytes *= 4) {
      const std::string n = "all_reduce/ranks:" + std::to_string(ranks) + "/bytes:" + std::to_string(bytes);
      benchmark::RegisterBenchmark(n.c_str(), all_reduce_benchmark, ranks, bytes)
          ->UseManualTime()
          ->Unit(benchmark::kMicrosecond)
          ->MinTime(0.05);
    }
  }
}
#else
void register_nccl_benchmarks(const BenchOptions&) {}
#endif

}  // namespace kvsim_gpu
