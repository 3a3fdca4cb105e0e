// The memory-bound kernels of a transformer layer, written plainly (one pass, vectorless): RMSNorm,
// SiLU-and-multiply, residual add, NeoX rotary embedding, embedding gather, and a pattern fill.
#pragma once
#include <cstdint>

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace kvsim_gpu {

void rms_norm(const __nv_bfloat16* x, const __nv_bfloat16* weight, __nv_bfloat16* y, int tokens, int width,
              cudaStream_t stream);
// y[t, i] = silu(gate_up[t, i]) * gate_up[t, width + i]
void silu_and_mul(const __nv_bfloat16* gate_up, __nv_bfloat16* y, int tokens, int width, cudaStream_t stream);
void residual_add(const __nv_bfloat16* a, const __nv_bfloat16* b, __nv_bfloat16* out, int64_t elements,
                  cudaStream_t stream);
// In place on q [tokens, heads, dim] and k [tokens, kv_heads, dim], position = token index.
void rotary(__nv_bfloat16* q, __nv_bfloat16* k, int tokens, int heads, int kv_heads, int dim, cudaStream_t stream);
void embedding(const int32_t* ids, const __nv_bfloat16* table, __nv_bfloat16* out, int tokens, int width,
               cudaStream_t stream);

}  // namespace kvsim_gpu
