#include "elementwise_kernels.h"

#include <algorithm>

#include "cuda_util.h"

namespace kvsim_gpu {

namespace {

__global__ void fill_kernel(__nv_bfloat16* p, size_t n, unsigned seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    uint32_t s = static_cast<uint32_t>(i) * 2654435761u + seed * 40503u;
    s ^= s >> 13;
    s *= 0x5bd1e995u;
    p[i] = __float2bfloat16(static_cast<float>(s >> 8) / 16777216.0f * 2.f - 1.f);
  }
}

// One block per token; the block reduces the sum of squares, then scales.
__global__ void rms_norm_kernel(const __nv_bfloat16* x, const __nv_bfloat16* w, __nv_bfloat16* y, int width) {
  __shared__ float partial[32];
  const __nv_bfloat16* row = x + size_t(blockIdx.x) * width;
  float ss = 0.f;
  for (int i = threadIdx.x; i < width; i += blockDim.x) {
    const float v = __bfloat162float(row[i]);
    ss += v * v;
  }
  for (int o = 16; o > 0; o >>= 1) ss += __shfl_xor_sync(0xffffffffu, ss, o);
  if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = ss;
  __syncthreads();
  if (threadIdx.x < 32) {
    float v = threadIdx.x < blockDim.x / 32 ? partial[threadIdx.x] : 0.f;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    if (threadIdx.x == 0) partial[0] = rsqrtf(v / width + 1e-6f);
  }
  __syncthreads();
  const float inv = partial[0];
  for (int i = threadIdx.x; i < width; i += blockDim.x)
    y[size_t(blockIdx.x) * width + i] = __float2bfloat16(__bfloat162float(row[i]) * inv * __bfloat162float(w[i]));
}

__global__ void silu_and_mul_kernel(const __nv_bfloat16* gu, __nv_bfloat16* y, int width, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t t = i / width, c = i % width;
    const float g = __bfloat162float(gu[t * 2 * width + c]), u = __bfloat162float(gu[t * 2 * width + width + c]);
    y[i] = __float2bfloat16(g / (1.f + __expf(-g)) * u);
  }
}

__global__ void add_kernel(const __nv_bfloat16* a, const __nv_bfloat16* b, __nv_bfloat16* out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    out[i] = __float2bfloat16(__bfloat162float(a[i]) + __bfloat162float(b[i]));
}

// NeoX style: dimension i pairs with i + dim/2.
__global__ void rotary_kernel(__nv_bfloat16* x, int heads, int dim, int64_t pairs) {
  const int half = dim / 2;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < pairs; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t row = i / half;  // token * heads + head
    const int j = static_cast<int>(i % half);
    const int64_t token = row / heads;
    const float inv_freq = __powf(10000.f, -2.f * j / dim);
    float s, c;
    __sincosf(token * inv_freq, &s, &c);
    __nv_bfloat16* p = x + row * dim;
    const float a = __bfloat162float(p[j]), b = __bfloat162float(p[j + half]);
    p[j] = __float2bfloat16(a * c - b * s);
    p[j + half] = __float2bfloat16(b * c + a * s);
  }
}

__global__ void embedding_kernel(const int32_t* ids, const __nv_bfloat16* table, __nv_bfloat16* out, int width,
                                 int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    out[i] = table[int64_t(ids[i / width]) * width + i % width];
}

int grid_for(int64_t n) { return static_cast<int>(std::min<int64_t>((n + 255) / 256, 65535)); }

}  // namespace

void fill_bf16(void* p, size_t n, unsigned seed, cudaStream_t stream) {
  fill_kernel<<<grid_for(static_cast<int64_t>(n)), 256, 0, stream>>>(static_cast<__nv_bfloat16*>(p), n, seed);
  check(cudaGetLastError(), "fill launch");
}

void rms_norm(const __nv_bfloat16* x, const __nv_bfloat16* w, __nv_bfloat16* y, int tokens, int width,
              cudaStream_t stream) {
  rms_norm_kernel<<<tokens, 256, 0, stream>>>(x, w, y, width);
  check(cudaGetLastError(), "rms_norm launch");
}

void silu_and_mul(const __nv_bfloat16* gu, __nv_bfloat16* y, int tokens, int width, cudaStream_t stream) {
  const int64_t n = int64_t(tokens) * width;
  silu_and_mul_kernel<<<grid_for(n), 256, 0, stream>>>(gu, y, width, n);
  check(cudaGetLastError(), "silu_and_mul launch");
}

void residual_add(const __nv_bfloat16* a, const __nv_bfloat16* b, __nv_bfloat16* out, int64_t n, cudaStream_t stream) {
  add_kernel<<<grid_for(n), 256, 0, stream>>>(a, b, out, n);
  check(cudaGetLastError(), "residual_add launch");
}

void rotary(__nv_bfloat16* q, __nv_bfloat16* k, int tokens, int heads, int kv_heads, int dim, cudaStream_t stream) {
  const int64_t qp = int64_t(tokens) * heads * dim / 2, kp = int64_t(tokens) * kv_heads * dim / 2;
  rotary_kernel<<<grid_for(qp), 256, 0, stream>>>(q, heads, dim, qp);
  rotary_kernel<<<grid_for(kp), 256, 0, stream>>>(k, kv_heads, dim, kp);
  check(cudaGetLastError(), "rotary launch");
}

void embedding(const int32_t* ids, const __nv_bfloat16* table, __nv_bfloat16* out, int tokens, int width,
               cudaStream_t stream) {
  const int64_t n = int64_t(tokens) * width;
  embedding_kernel<<<grid_for(n), 256, 0, stream>>>(ids, table, out, width, n);
  check(cudaGetLastError(), "embedding launch");
}

}  // namespace kvsim_gpu
