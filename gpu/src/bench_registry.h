// The benchmark families of kvsim_gpu_bench. Each registers Google Benchmark runs whose names and
// counters `kvsim calibrate` recognises (models/src/perf/calibration.h):
//   gemm/<bf16|fp8>/m:M/n:N/k:K                 counters m, n, k
//   attention_decode/b:B/ctx:C/h:H/kvh:G/d:D    counter kv_bytes (KV bytes one layer reads)
//   attention_prefill/q:Q/ctx:C/h:H/kvh:G/d:D   counter flops
//   elementwise/<op>/tokens:T/width:W           counter bytes
//   memcpy/<d2d|h2d|d2h>/bytes:B                counter bytes
//   all_reduce/ranks:R/bytes:B                  counters bytes, ranks, ranks_per_node
// Every run times itself with CUDA events (manual time) and reports errors with SkipWithError.
#pragma once
#include <string>

namespace kvsim_gpu {

struct BenchOptions {
  std::string shapes_file;  // JSON [{"n":..,"k":..}] of GEMM weight shapes; "" = built-in list
  std::string m_list;       // comma-separated GEMM token counts; "" = built-in list
};

void register_gemm_benchmarks(const BenchOptions& options);
void register_attention_benchmarks(const BenchOptions& options);
void register_elementwise_benchmarks(const BenchOptions& options);
void register_memcpy_benchmarks(const BenchOptions& options);
void register_nccl_benchmarks(const BenchOptions& options);

}  // namespace kvsim_gpu
