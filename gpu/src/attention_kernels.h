// Attention kernels written here for the microbenchmarks, bf16 in and out, fp32 accumulation:
//
// paged_attention_decode: one query token per sequence against its KV cache, stored in blocks of
//   `block_size` tokens found through a block table (vLLM's PagedAttention layout:
//   k_cache/v_cache [num_blocks, block_size, num_kv_heads, head_dim]); grouped-query attention
//   (num_heads a multiple of num_kv_heads). Long contexts are split into partitions of 512 tokens
//   run in parallel and merged by a second kernel (the flash-decoding split), so a few long
//   sequences still fill the GPU.
//
// flash_attention_prefill: causal attention of `q_len` new tokens per sequence that sit after
//   `context` cached tokens (a chunked prefill or a prefix-cache hit: the query at position i sees
//   keys 0..context+i). Tiles of 64 queries x 64 keys with WMMA bf16 tensor-core products and an
//   online softmax, as FlashAttention-2 does (Dao, arXiv:2307.08691). Q [batch, q_len, heads, d],
//   K/V [batch, context + q_len, kv_heads, d], O like Q. head_dim 64 or 128.
#pragma once
#include <cstdint>

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace kvsim_gpu {

struct DecodeArgs {
  const __nv_bfloat16* q = nullptr;        // [num_seqs, num_heads, head_dim]
  const __nv_bfloat16* k_cache = nullptr;  // [num_blocks, block_size, num_kv_heads, head_dim]
  const __nv_bfloat16* v_cache = nullptr;
  const int32_t* block_tables = nullptr;   // [num_seqs, max_blocks_per_seq]
  const int32_t* context_lens = nullptr;   // [num_seqs]
  __nv_bfloat16* out = nullptr;            // [num_seqs, num_heads, head_dim]
  float* partial_max = nullptr;            // [num_seqs, num_heads, max_partitions]
  float* partial_sum = nullptr;
  float* partial_out = nullptr;            // [num_seqs, num_heads, max_partitions, head_dim]
  int num_seqs = 0, num_heads = 0, num_kv_heads = 0, head_dim = 128;
  int block_size = 16, max_blocks_per_seq = 0, max_context = 0;
};
constexpr int kDecodePartition = 512;
inline int decode_partitions(int max_context) { return (max_context + kDecodePartition - 1) / kDecodePartition; }
// head_dim 64 or 128, num_heads / num_kv_heads at most 8. Throws CudaError otherwise.
void paged_attention_decode(const DecodeArgs& a, cudaStream_t stream);

struct PrefillArgs {
  const __nv_bfloat16* q = nullptr;
  const __nv_bfloat16* k = nullptr;
  const __nv_bfloat16* v = nullptr;
  __nv_bfloat16* out = nullptr;
  int batch = 1, q_len = 0, context = 0, num_heads = 0, num_kv_heads = 0, head_dim = 128;
};
void flash_attention_prefill(const PrefillArgs& a, cudaStream_t stream);

// CPU references on small inputs: true when the kernels match them within bf16 rounding.
// `report` receives a sentence describing a mismatch.
bool check_decode_kernel(char* report, int report_size);
bool check_prefill_kernel(char* report, int report_size);

}  // namespace kvsim_gpu
