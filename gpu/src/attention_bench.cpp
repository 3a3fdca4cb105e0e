// Attention benchmarks: the paged decode kernel over batch x context, and the prefill kernel over
// new tokens x cached context, for an MHA and a GQA head layout with head_dim 128. Each kernel is
// first checked against a CPU reference; if it disagrees its benchmarks report an error instead
// of a time, so a wrong kernel never reaches a profile.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "attention_kernels.h"
#include "bench_registry.h"
#include "cuda_util.h"

namespace kvsim_gpu {

namespace {

struct Heads {
  int heads, kv_heads, head_dim;
};
constexpr Heads kLayouts[] = {{32, 8, 128}, {32, 32, 128}};  // Llama-3-8B-like GQA, Llama-2-7B-like MHA
constexpr size_t kMaxKvBytes = size_t(4) << 30;              // per benchmark, K and V together

void decode_benchmark(benchmark::State& state, Heads h, int batch, int context, const std::string& kernel_error) {
  const size_t kv_token_bytes = size_t(2) * h.kv_heads * h.head_dim * 2;
  state.counters["kv_bytes"] = double(batch) * context * double(kv_token_bytes) + double(batch) * h.heads * h.head_dim * 4;
  if (!kernel_error.empty()) {
    state.SkipWithError(kernel_error.c_str());
    return;
  }
  try {
    const int block_size = 16, blocks_per_seq = (context + block_size - 1) / block_size;
    const size_t num_blocks = size_t(batch) * blocks_per_seq;
    DeviceBuffer q(size_t(batch) * h.heads * h.head_dim * 2), out(q.bytes());
    DeviceBuffer k(num_blocks * block_size * kv_token_bytes / 2), v(k.bytes());
    fill_bf16(q.get(), q.bytes() / 2, 1, nullptr);
    fill_bf16(k.get(), k.bytes() / 2, 2, nullptr);
    fill_bf16(v.get(), v.bytes() / 2, 3, nullptr);
    // Blocks scattered through the pool, as a long-running cache leaves them.
    std::vector<int32_t> tables(num_blocks), lens(batch, context);
    for (size_t i = 0; i < num_blocks; ++i) tables[i] = int32_t((i * 7919) % num_blocks);
    DeviceBuffer d_tables(tables.size() * 4), d_lens(lens.size() * 4);
    check(cudaMemcpy(d_tables.get(), tables.data(), d_tables.bytes(), cudaMemcpyHostToDevice), "cudaMemcpy");
    check(cudaMemcpy(d_lens.get(), lens.data(), d_lens.bytes(), cudaMemcpyHostToDevice), "cudaMemcpy");
    const int parts = decode_partitions(context);
    DeviceBuffer pm(size_t(batch) * h.heads * parts * 4), ps(pm.bytes()), po(pm.bytes() * h.head_dim);
    DecodeArgs a;
    a.q = q.as<__nv_bfloat16>();
    a.k_cache = k.as<__nv_bfloat16>();
    a.v_cache = v.as<__nv_bfloat16>();
    a.block_tables = d_tables.as<int32_t>();
    a.context_lens = d_lens.as<int32_t>();
    a.out = out.as<__nv_bfloat16>();
    a.partial_max = pm.as<float>();
    a.partial_sum = ps.as<float>();
    a.partial_out = po.as<float>();
    a.num_seqs = batch, a.num_heads = h.heads, a.num_kv_heads = h.kv_heads, a.head_dim = h.head_dim;
    a.block_size = block_size, a.max_blocks_per_seq = blocks_per_seq, a.max_context = context;
    EventTimer timer;
    paged_attention_decode(a, nullptr);
    for (auto _ : state) {
      timer.start(nullptr);
      paged_attention_decode(a, nullptr);
      state.SetIterationTime(timer.stop_seconds(nullptr));
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

void prefill_benchmark(benchmark::State& state, Heads h, int q_len, int context, const std::string& kernel_error) {
  const double pairs = double(q_len) * context + double(q_len) * (q_len + 1) / 2;
  state.counters["flops"] = 4 * pairs * h.heads * h.head_dim;
  if (!kernel_error.empty()) {
    state.SkipWithError(kernel_error.c_str());
    return;
  }
  try {
    const int kv_len = context + q_len;
    DeviceBuffer q(size_t(q_len) * h.heads * h.head_dim * 2), out(q.bytes());
    DeviceBuffer k(size_t(kv_len) * h.kv_heads * h.head_dim * 2), v(k.bytes());
    fill_bf16(q.get(), q.bytes() / 2, 4, nullptr);
    fill_bf16(k.get(), k.bytes() / 2, 5, nullptr);
    fill_bf16(v.get(), v.bytes() / 2, 6, nullptr);
    PrefillArgs a;
    a.q = q.as<__nv_bfloat16>();
    a.k = k.as<__nv_bfloat16>();
    a.v = v.as<__nv_bfloat16>();
    a.out = out.as<__nv_bfloat16>();
    a.batch = 1, a.q_len = q_len, a.context = context;
    a.num_heads = h.heads, a.num_kv_heads = h.kv_heads, a.head_dim = h.head_dim;
    EventTimer timer;
    flash_attention_prefill(a, nullptr);
    for (auto _ : state) {
      timer.start(nullptr);
      flash_attention_prefill(a, nullptr);
      state.SetIterationTime(timer.stop_seconds(nullptr));
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

std::string layout_name(const Heads& h) {
  return "h:" + std::to_string(h.heads) + "/kvh:" + std::to_string(h.kv_heads) + "/d:" + std::to_string(h.head_dim);
}

}  // namespace

void register_attention_benchmarks(const BenchOptions&) {
  char report[256] = "";
  std::string decode_error, prefill_error;
  try {
    if (!check_decode_kernel(report, sizeof report)) decode_error = report;
  } catch (const std::exception& e) {
    decode_error = std::string("decode kernel check failed: ") + e.what();
  }
  try {
    if (!check_prefill_kernel(report, sizeof report)) prefill_error = report;
  } catch (const std::exception& e) {
    prefill_error = std::string("prefill kernel check failed: ") + e.what();
  }
  for (const Heads& h : kLayouts) {
    const size_t kv_token_bytes = size_t(2) * h.kv_heads * h.head_dim * 2;
    for (int batch : {1, 4, 16, 64, 256})
      for (int context : {128, 512, 2048, 8192, 32768}) {
        if (size_t(batch) * context * kv_token_bytes > kMaxKvBytes) continue;
        const std::string name = "attention_decode/b:" + std::to_string(batch) + "/ctx:" + std::to_string(context) +
                                 "/" + layout_name(h);
        benchmark::RegisterBenchmark(name.c_str(), decode_benchmark, h, batch, context, decode_error)
            ->UseManualTime()
            ->Unit(benchmark::kMicrosecond)
            ->MinTime(0.05);
      }
    for (int q_len : {16, 128, 512, 2048, 8192})
      for (int context : {0, 2048, 16384}) {
        const std::string name = "attention_prefill/q:" + std::to_string(q_len) + "/ctx:" + std::to_string(context) +
                                 "/" + layout_name(h);
        benchmark::RegisterBenchmark(name.c_str(), prefill_benchmark, h, q_len, context, prefill_error)
            ->UseManualTime()
            ->Unit(benchmark::kMicrosecond)
            ->MinTime(0.05);
      }
  }
}

}  // namespace kvsim_gpu
