#include "attention_kernels.h"

#include <cmath>
#include <cstdio>
#include <vector>

#include <mma.h>

#include "cuda_util.h"

namespace kvsim_gpu {

namespace {

constexpr int kMaxGroup = 8;    // query heads per kv head handled by one decode block
constexpr int kDecodeWarps = 4;

__device__ inline float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// One block per (kv head, sequence, partition): each warp walks every kDecodeWarps-th token of
// the partition, keeping an online softmax per query head of the group; the warps are merged at
// the end through shared memory.
template <int D>
__global__ void decode_kernel(DecodeArgs a, int num_partitions) {
  constexpr int kPerLane = D / 32;
  const int kv_head = blockIdx.x, seq = blockIdx.y, part = blockIdx.z;
  const int group = a.num_heads / a.num_kv_heads;
  const int ctx = a.context_lens[seq];
  const int start = part * kDecodePartition;
  if (start >= ctx) return;  // the combine kernel skips partitions past the context
  const int end = min(ctx, start + kDecodePartition);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const float scale = rsqrtf(static_cast<float>(D));

  float q[kMaxGroup][kPerLane], acc[kMaxGroup][kPerLane], m[kMaxGroup], l[kMaxGroup];
#pragma unroll
  for (int g = 0; g < kMaxGroup; ++g) {
    m[g] = -INFINITY;
    l[g] = 0.f;
#pragma unroll
    for (int e = 0; e < kPerLane; ++e) {
      acc[g][e] = 0.f;
      q[g][e] = g < group ? __bfloat162float(a.q[(static_cast<size_t>(seq) * a.num_heads + kv_head * group + g) * D +
                                                 lane * kPerLane + e]) * scale
                          : 0.f;
    }
  }
  for (int t = start + warp; t < end; t += kDecodeWarps) {
    const int block = a.block_tables[static_cast<size_t>(seq) * a.max_blocks_per_seq + t / a.block_size];
    const size_t base =
        ((static_cast<size_t>(block) * a.block_size + t % a.block_size) * a.num_kv_heads + kv_head) * D +
        lane * kPerLane;
    float k[kPerLane], v[kPerLane];
#pragma unroll
    for (int e = 0; e < kPerLane; ++e) {
      k[e] = __bfloat162float(a.k_cache[base + e]);
      v[e] = __bfloat162float(a.v_cache[base + e]);
    }
#pragma unroll
    for (int g = 0; g < kMaxGroup; ++g) {
      if (g >= group) break;
      float dot = 0.f;
#pragma unroll
      for (int e = 0; e < kPerLane; ++e) dot += q[g][e] * k[e];
      dot = warp_sum(dot);
      const float m_new = fmaxf(m[g], dot);
      const float corr = __expf(m[g] - m_new);  // m[g] = -inf the first time: exp(-inf) = 0
      const float p = __expf(dot - m_new);
      l[g] = l[g] * corr + p;
#pragma unroll
      for (int e = 0; e < kPerLane; ++e) acc[g][e] = acc[g][e] * corr + p * v[e];
      m[g] = m_new;
    }
  }

  __shared__ float s_m[kDecodeWarps][kMaxGroup], s_l[kDecodeWarps][kMaxGroup];
  __shared__ float s_acc[kDecodeWarps][kMaxGroup][D];
#pragma unroll
  for (int g = 0; g < kMaxGroup; ++g) {
    if (lane == 0) s_m[warp][g] = m[g], s_l[warp][g] = l[g];
#pragma unroll
    for (int e = 0; e < kPerLane; ++e) s_acc[warp][g][lane * kPerLane + e] = acc[g][e];
  }
  __syncthreads();
  for (int i = threadIdx.x; i < group * D; i += blockDim.x) {
    const int g = i / D, d = i % D;
    float mx = -INFINITY;
    for (int w = 0; w < kDecodeWarps; ++w) mx = fmaxf(mx, s_m[w][g]);
    float sum = 0.f, o = 0.f;
    for (int w = 0; w < kDecodeWarps; ++w) {
      if (s_m[w][g] == -INFINITY) continue;  // a warp that saw no token
      const float f = __expf(s_m[w][g] - mx);
      sum += s_l[w][g] * f;
      o += s_acc[w][g][d] * f;
    }
    const int head = kv_head * group + g;
    const size_t sh = static_cast<size_t>(seq) * a.num_heads + head;
    if (num_partitions == 1) {
      a.out[sh * D + d] = __float2bfloat16(o / sum);
    } else {
      a.partial_out[(sh * num_partitions + part) * D + d] = o;
      if (d == 0) a.partial_max[sh * num_partitions + part] = mx, a.partial_sum[sh * num_partitions + part] = sum;
    }
  }
}

// Merges the partitions of one (sequence, head): blockDim.x = D threads.
template <int D>
__global__ void decode_combine_kernel(DecodeArgs a, int num_partitions) {
  const int head = blockIdx.x, seq = blockIdx.y, d = threadIdx.x;
  const int parts = (a.context_lens[seq] + kDecodePartition - 1) / kDecodePartition;
  const size_t sh = static_cast<size_t>(seq) * a.num_heads + head;
  float mx = -INFINITY;
  for (int p = 0; p < parts; ++p) mx = fmaxf(mx, a.partial_max[sh * num_partitions + p]);
  float sum = 0.f, o = 0.f;
  for (int p = 0; p < parts; ++p) {
    const float f = __expf(a.partial_max[sh * num_partitions + p] - mx);
    sum += a.partial_sum[sh * num_partitions + p] * f;
    o += a.partial_out[(sh * num_partitions + p) * D + d] * f;
  }
  a.out[sh * D + d] = __float2bfloat16(o / sum);
}

template <int D>
void launch_decode(const DecodeArgs& a, cudaStream_t stream) {
  const int parts = decode_partitions(a.max_context);
  decode_kernel<D><<<dim3(a.num_kv_heads, a.num_seqs, parts), kDecodeWarps * 32, 0, stream>>>(a, parts);
  if (parts > 1) decode_combine_kernel<D><<<dim3(a.num_heads, a.num_seqs), D, 0, stream>>>(a, parts);
  check(cudaGetLastError(), "paged_attention_decode launch");
}

constexpr int kBlockM = 64, kBlockN = 64, kPrefillWarps = 4;

template <int D>
constexpr size_t prefill_smem_bytes() {
  return (kBlockM * D + 2 * kBlockN * D + kBlockM * kBlockN) * sizeof(__nv_bfloat16) +
         (kBlockM * kBlockN + kBlockM * D + 2 * kBlockM) * sizeof(float);
}

// One block per (64-query tile, head, sequence); warp w owns query rows 16w..16w+15 of the tile.
template <int D>
__global__ void prefill_kernel(PrefillArgs a) {
  using namespace nvcuda;
  extern __shared__ __align__(128) unsigned char smem[];
  __nv_bfloat16* q_s = reinterpret_cast<__nv_bfloat16*>(smem);  // [kBlockM][D]
  __nv_bfloat16* k_s = q_s + kBlockM * D;                         // [kBlockN][D]
  __nv_bfloat16* v_s = k_s + kBlockN * D;                         // [kBlockN][D]
  __nv_bfloat16* p_s = v_s + kBlockN * D;                         // [kBlockM][kBlockN]
  float* s_s = reinterpret_cast<float*>(p_s + kBlockM * kBlockN);  // [kBlockM][kBlockN]
  float* o_s = s_s + kBlockM * kBlockN;                            // [kBlockM][D]
  float* row_m = o_s + kBlockM * D;
  float* row_l = row_m + kBlockM;

  const int q0 = blockIdx.x * kBlockM, head = blockIdx.y, b = blockIdx.z;
  const int kv_head = head / (a.num_heads / a.num_kv_heads);
  const int kv_len = a.context + a.q_len;
  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
  const float scale = rsqrtf(static_cast<float>(D));
  const __nv_bfloat16 zero = __float2bfloat16(0.f);

  for (int i = tid; i < kBlockM * D; i += blockDim.x) {
    const int r = i / D, c = i % D, qi = q0 + r;
    q_s[i] = qi < a.q_len ? a.q[((static_cast<size_t>(b) * a.q_len + qi) * a.num_heads + head) * D + c] : zero;
    o_s[i] = 0.f;
  }
  for (int i = tid; i < kBlockM; i += blockDim.x) row_m[i] = -INFINITY, row_l[i] = 0.f;
  __syncthreads();

  const int kv_end = a.context + min(q0 + kBlockM, a.q_len);  // keys the last query of the tile sees
  for (int k0 = 0; k0 < kv_end; k0 += kBlockN) {
    for (int i = tid; i < kBlockN * D; i += blockDim.x) {
      const int r = i / D, c = i % D, kj = k0 + r;
      const size_t idx = ((static_cast<size_t>(b) * kv_len + kj) * a.num_kv_heads + kv_head) * D + c;
      k_s[i] = kj < kv_len ? a.k[idx] : zero;
      v_s[i] = kj < kv_len ? a.v[idx] : zero;
    }
    __syncthreads();
    {  // S = Q K^T for this warp's 16 rows
      wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> fa;
      wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::col_major> fb;
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> fc;
      for (int nt = 0; nt < kBlockN / 16; ++nt) {
        wmma::fill_fragment(fc, 0.f);
        for (int kk = 0; kk < D / 16; ++kk) {
          wmma::load_matrix_sync(fa, q_s + warp * 16 * D + kk * 16, D);
          wmma::load_matrix_sync(fb, k_s + nt * 16 * D + kk * 16, D);
          wmma::mma_sync(fc, fa, fb, fc);
        }
        wmma::store_matrix_sync(s_s + warp * 16 * kBlockN + nt * 16, fc, kBlockN, wmma::mem_row_major);
      }
    }
    __syncwarp();
    {  // online softmax: two lanes per row, 32 columns each
      const int r = warp * 16 + lane / 2, half = lane % 2;
      const int q_pos = a.context + q0 + r;
      float* row = s_s + r * kBlockN + half * 32;
      float mx = -INFINITY;
      for (int c = 0; c < 32; ++c) {
        const int kj = k0 + half * 32 + c;
        const float s = (kj <= q_pos && kj < kv_len) ? row[c] * scale : -INFINITY;
        row[c] = s;
        mx = fmaxf(mx, s);
      }
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      const float m_old = row_m[r];
      const float m_new = fmaxf(m_old, mx);
      const float corr = m_new == -INFINITY ? 1.f : __expf(m_old - m_new);
      float sum = 0.f;
      for (int c = 0; c < 32; ++c) {
        const float p = row[c] == -INFINITY ? 0.f : __expf(row[c] - m_new);
        sum += p;
        p_s[r * kBlockN + half * 32 + c] = __float2bfloat16(p);
      }
      sum += __shfl_xor_sync(0xffffffffu, sum, 1);
      for (int c = half * (D / 2); c < (half + 1) * (D / 2); ++c) o_s[r * D + c] *= corr;
      __syncwarp();
      if (half == 0) row_m[r] = m_new, row_l[r] = row_l[r] * corr + sum;
    }
    __syncwarp();
    {  // O += P V for this warp's rows
      wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> fa;
      wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::row_major> fb;
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> fc;
      for (int dt = 0; dt < D / 16; ++dt) {
        wmma::load_matrix_sync(fc, o_s + warp * 16 * D + dt * 16, D, wmma::mem_row_major);
        for (int kk = 0; kk < kBlockN / 16; ++kk) {
          wmma::load_matrix_sync(fa, p_s + warp * 16 * kBlockN + kk * 16, kBlockN);
          wmma::load_matrix_sync(fb, v_s + kk * 16 * D + dt * 16, D);
          wmma::mma_sync(fc, fa, fb, fc);
        }
        wmma::store_matrix_sync(o_s + warp * 16 * D + dt * 16, fc, D, wmma::mem_row_major);
      }
    }
    __syncthreads();
  }
  for (int i = tid; i < kBlockM * D; i += blockDim.x) {
    const int r = i / D, c = i % D, qi = q0 + r;
    if (qi >= a.q_len) continue;
    const float l = row_l[r];
    a.out[((static_cast<size_t>(b) * a.q_len + qi) * a.num_heads + head) * D + c] =
        __float2bfloat16(l > 0 ? o_s[i] / l : 0.f);
  }
}

template <int D>
void launch_prefill(const PrefillArgs& a, cudaStream_t stream) {
  constexpr size_t smem = prefill_smem_bytes<D>();
  static const bool configured = [] {
    check(cudaFuncSetAttribute(prefill_kernel<D>, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)),
          "cudaFuncSetAttribute (prefill shared memory)");
    return true;
  }();
  (void)configured;
  const dim3 grid((a.q_len + kBlockM - 1) / kBlockM, a.num_heads, a.batch);
  prefill_kernel<D><<<grid, kPrefillWarps * 32, smem, stream>>>(a);
  check(cudaGetLastError(), "flash_attention_prefill launch");
}

float bf16_round(float x) { return __bfloat162float(__float2bfloat16(x)); }

std::vector<__nv_bfloat16> host_pattern(size_t n, unsigned seed) {
  std::vector<__nv_bfloat16> v(n);
  uint32_t s = seed * 2654435761u + 1;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = __float2bfloat16(static_cast<float>(s >> 8) / 16777216.0f * 2.f - 1.f);
  }
  return v;
}

template <typename T>
DeviceBuffer upload(const std::vector<T>& host) {
  DeviceBuffer d(host.size() * sizeof(T));
  check(cudaMemcpy(d.get(), host.data(), d.bytes(), cudaMemcpyHostToDevice), "cudaMemcpy");
  return d;
}

std::vector<__nv_bfloat16> download(const DeviceBuffer& d, size_t n) {
  std::vector<__nv_bfloat16> host(n);
  check(cudaMemcpy(host.data(), d.get(), n * sizeof(__nv_bfloat16), cudaMemcpyDeviceToHost), "cudaMemcpy");
  return host;
}

// softmax(q.k / sqrt(d)) v over `keys` keys, all in float from bf16 inputs.
void reference_attention(const float* q, const std::vector<const __nv_bfloat16*>& keys,
                         const std::vector<const __nv_bfloat16*>& values, int d, float* out) {
  std::vector<double> s(keys.size());
  double mx = -1e300;
  for (size_t j = 0; j < keys.size(); ++j) {
    double dot = 0;
    for (int e = 0; e < d; ++e) dot += double(q[e]) * __bfloat162float(keys[j][e]);
    s[j] = dot / std::sqrt(double(d));
    mx = std::max(mx, s[j]);
  }
  double sum = 0;
  for (auto& x : s) sum += (x = std::exp(x - mx));
  for (int e = 0; e < d; ++e) {
    double o = 0;
    for (size_t j = 0; j < keys.size(); ++j) o += s[j] * __bfloat162float(values[j][e]);
    out[e] = static_cast<float>(o / sum);
  }
}

}  // namespace

void paged_attention_decode(const DecodeArgs& a, cudaStream_t stream) {
  if (a.num_kv_heads <= 0 || a.num_heads % a.num_kv_heads != 0 || a.num_heads / a.num_kv_heads > kMaxGroup)
    throw CudaError("paged_attention_decode: num_heads must be a multiple of num_kv_heads, at most 8 times it");
  if (a.head_dim == 128) launch_decode<128>(a, stream);
  else if (a.head_dim == 64) launch_decode<64>(a, stream);
  else throw CudaError("paged_attention_decode: head_dim must be 64 or 128");
}

void flash_attention_prefill(const PrefillArgs& a, cudaStream_t stream) {
  if (a.num_kv_heads <= 0 || a.num_heads % a.num_kv_heads != 0)
    throw CudaError("flash_attention_prefill: num_heads must be a multiple of num_kv_heads");
  if (a.head_dim == 128) launch_prefill<128>(a, stream);
  else if (a.head_dim == 64) launch_prefill<64>(a, stream);
  else throw CudaError("flash_attention_prefill: head_dim must be 64 or 128");
}

bool check_decode_kernel(char* report, int report_size) {
  const int seqs = 3, heads = 8, kv_heads = 2, d = 128, bs = 16;
  const std::vector<int> ctx = {1, 37, 700};
  const int max_blocks = (700 + bs - 1) / bs;
  std::vector<int32_t> tables(seqs * max_blocks), lens(ctx.begin(), ctx.end());
  int next = 0;
  for (int s = 0; s < seqs; ++s)
    for (int j = 0; j < max_blocks; ++j) tables[s * max_blocks + j] = (next++ * 7) % (seqs * max_blocks);
  const size_t cache_elems = size_t(seqs) * max_blocks * bs * kv_heads * d;
  const auto q = host_pattern(size_t(seqs) * heads * d, 1), k = host_pattern(cache_elems, 2),
             v = host_pattern(cache_elems, 3);
  DeviceBuffer dq = upload(q), dk = upload(k), dv = upload(v), dt = upload(tables), dl = upload(lens);
  const int parts = decode_partitions(700);
  DeviceBuffer out(size_t(seqs) * heads * d * 2), pm(size_t(seqs) * heads * parts * 4),
      ps(size_t(seqs) * heads * parts * 4), po(size_t(seqs) * heads * parts * d * 4);
  DecodeArgs a;
  a.q = dq.as<__nv_bfloat16>();
  a.k_cache = dk.as<__nv_bfloat16>();
  a.v_cache = dv.as<__nv_bfloat16>();
  a.block_tables = dt.as<int32_t>();
  a.context_lens = dl.as<int32_t>();
  a.out = out.as<__nv_bfloat16>();
  a.partial_max = pm.as<float>();
  a.partial_sum = ps.as<float>();
  a.partial_out = po.as<float>();
  a.num_seqs = seqs, a.num_heads = heads, a.num_kv_heads = kv_heads, a.head_dim = d;
  a.block_size = bs, a.max_blocks_per_seq = max_blocks, a.max_context = 700;
  paged_attention_decode(a, nullptr);
  check(cudaDeviceSynchronize(), "decode check");
  const auto got = download(out, size_t(seqs) * heads * d);
  float worst = 0;
  for (int s = 0; s < seqs; ++s)
    for (int h = 0; h < heads; ++h) {
      std::vector<const __nv_bfloat16*> keys, values;
      for (int t = 0; t < ctx[s]; ++t) {
        const size_t base = ((size_t(tables[s * max_blocks + t / bs]) * bs + t % bs) * kv_heads + h / (heads / kv_heads)) * d;
        keys.push_back(&k[base]);
        values.push_back(&v[base]);
      }
      float qf[128], ref[128];
      for (int e = 0; e < d; ++e) qf[e] = __bfloat162float(q[(size_t(s) * heads + h) * d + e]);
      reference_attention(qf, keys, values, d, ref);
      for (int e = 0; e < d; ++e)
        worst = std::max(worst, std::fabs(__bfloat162float(got[(size_t(s) * heads + h) * d + e]) - bf16_round(ref[e])));
    }
  if (worst > 2e-2f) {
    std::snprintf(report, report_size, "the paged decode kernel differs from the CPU reference by %g", worst);
    return false;
  }
  return true;
}

bool check_prefill_kernel(char* report, int report_size) {
  for (int d : {64, 128}) {
    const int q_len = 70, context = 50, heads = 4, kv_heads = 2, kv_len = context + q_len;
    const auto q = host_pattern(size_t(q_len) * heads * d, 4), k = host_pattern(size_t(kv_len) * kv_heads * d, 5),
               v = host_pattern(size_t(kv_len) * kv_heads * d, 6);
    DeviceBuffer dq = upload(q), dk = upload(k), dv = upload(v), out(q.size() * 2);
    PrefillArgs a;
    a.q = dq.as<__nv_bfloat16>();
    a.k = dk.as<__nv_bfloat16>();
    a.v = dv.as<__nv_bfloat16>();
    a.out = out.as<__nv_bfloat16>();
    a.batch = 1, a.q_len = q_len, a.context = context, a.num_heads = heads, a.num_kv_heads = kv_heads, a.head_dim = d;
    flash_attention_prefill(a, nullptr);
    check(cudaDeviceSynchronize(), "prefill check");
    const auto got = download(out, q.size());
    float worst = 0;
    for (int i = 0; i < q_len; ++i)
      for (int h = 0; h < heads; ++h) {
        std::vector<const __nv_bfloat16*> keys, values;
        for (int j = 0; j <= context + i; ++j) {
          keys.push_back(&k[(size_t(j) * kv_heads + h / (heads / kv_heads)) * d]);
          values.push_back(&v[(size_t(j) * kv_heads + h / (heads / kv_heads)) * d]);
        }
        float qf[128], ref[128];
        for (int e = 0; e < d; ++e) qf[e] = __bfloat162float(q[(size_t(i) * heads + h) * d + e]);
        reference_attention(qf, keys, values, d, ref);
        for (int e = 0; e < d; ++e)
          worst = std::max(worst, std::fabs(__bfloat162float(got[(size_t(i) * heads + h) * d + e]) - bf16_round(ref[e])));
      }
    // P is rounded to bf16 before P.V, as in FlashAttention: a little more error than decode.
    if (worst > 3e-2f) {
      std::snprintf(report, report_size, "the prefill kernel (head_dim %d) differs from the CPU reference by %g", d, worst);
      return false;
    }
  }
  return true;
}

}  // namespace kvsim_gpu
