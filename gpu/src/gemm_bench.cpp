// GEMM benchmarks: cuBLASLt matmuls Y[M,N] = X[M,K] W[N,K]^T with 16-bit outputs, for the weight
// shapes of the catalog models (or a built-in list), in bf16 and -- on GPUs with fp8 tensor cores
// (compute capability 8.9 or later) -- fp8 e4m3 inputs. Column-major "TN" layout, the one cuBLASLt
// requires for fp8. The best algorithm of cuBLASLt's heuristic is timed, as PyTorch does.
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <cublasLt.h>
#include <nlohmann/json.hpp>

#include "bench_registry.h"
#include "cuda_util.h"

namespace kvsim_gpu {

namespace {

void check_lt(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) throw CudaError(std::string(what) + ": cuBLAS status " + std::to_string(int(s)));
}

constexpr size_t kWorkspaceBytes = 32u << 20;

cublasLtHandle_t lt_handle() {
  static cublasLtHandle_t h = [] {
    cublasLtHandle_t handle;
    check_lt(cublasLtCreate(&handle), "cublasLtCreate");
    return handle;
  }();
  return h;
}

// One configured matmul: descriptors, the chosen algorithm and its buffers.
class LtMatmul {
 public:
  LtMatmul(int64_t m, int64_t n, int64_t k, bool fp8) : fp8_(fp8) {
    const cudaDataType_t in = fp8 ? CUDA_R_8F_E4M3 : CUDA_R_16BF;
    const size_t in_bytes = fp8 ? 1 : 2;
    w_ = DeviceBuffer(static_cast<size_t>(n * k) * in_bytes);
    x_ = DeviceBuffer(static_cast<size_t>(m * k) * in_bytes);
    y_ = DeviceBuffer(static_cast<size_t>(m * n) * 2);
    workspace_ = DeviceBuffer(kWorkspaceBytes);
    check(cudaMemset(w_.get(), 0x3c, w_.bytes()), "cudaMemset");
    check(cudaMemset(x_.get(), 0x3c, x_.bytes()), "cudaMemset");
    check_lt(cublasLtMatmulDescCreate(&desc_, CUBLAS_COMPUTE_32F, CUDA_R_32F), "cublasLtMatmulDescCreate");
    const cublasOperation_t t = CUBLAS_OP_T, nt = CUBLAS_OP_N;
    check_lt(cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_TRANSA, &t, sizeof t), "TRANSA");
    check_lt(cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_TRANSB, &nt, sizeof nt), "TRANSB");
    // A = W stored K x N (column-major, ld K), transposed; B = X stored K x M; D = Y stored N x M.
    check_lt(cublasLtMatrixLayoutCreate(&a_, in, k, n, k), "layout A");
    check_lt(cublasLtMatrixLayoutCreate(&b_, in, k, m, k), "layout B");
    check_lt(cublasLtMatrixLayoutCreate(&d_, CUDA_R_16BF, n, m, n), "layout D");
    cublasLtMatmulPreference_t pref;
    check_lt(cublasLtMatmulPreferenceCreate(&pref), "cublasLtMatmulPreferenceCreate");
    const size_t ws = kWorkspaceBytes;
    check_lt(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws),
             "workspace preference");
    int found = 0;
    const cublasStatus_t s = cublasLtMatmulAlgoGetHeuristic(lt_handle(), desc_, a_, b_, d_, d_, pref, 1, &algo_, &found);
    cublasLtMatmulPreferenceDestroy(pref);
    if (s != CUBLAS_STATUS_SUCCESS || found == 0)
      throw CudaError("cuBLASLt has no algorithm for this shape and type");
  }
  ~LtMatmul() {
    cublasLtMatrixLayoutDestroy(a_);
    cublasLtMatrixLayoutDestroy(b_);
    cublasLtMatrixLayoutDestroy(d_);
    cublasLtMatmulDescDestroy(desc_);
  }
  LtMatmul(const LtMatmul&) = delete;
  LtMatmul& operator=(const LtMatmul&) = delete;

  void run(cudaStream_t stream) {
    const float alpha = 1, beta = 0;
    check_lt(cublasLtMatmul(lt_handle(), desc_, &alpha, w_.get(), a_, x_.get(), b_, &beta, y_.get(), d_, y_.get(), d_,
                            &algo_.algo, workspace_.get(), kWorkspaceBytes, stream),
             "cublasLtMatmul");
  }

 private:
  bool fp8_;
  DeviceBuffer w_, x_, y_, workspace_;
  cublasLtMatmulDesc_t desc_{};
  cublasLtMatrixLayout_t a_{}, b_{}, d_{};
  cublasLtMatmulHeuristicResult_t algo_{};
};

void gemm_benchmark(benchmark::State& state, int64_t m, int64_t n, int64_t k, bool fp8) {
  try {
    LtMatmul mm(m, n, k, fp8);
    EventTimer timer;
    for (int i = 0; i < 3; ++i) mm.run(nullptr);  // warm-up: clocks, caches, lazy module loading
    for (auto _ : state) {
      timer.start(nullptr);
      mm.run(nullptr);
      state.SetIterationTime(timer.stop_seconds(nullptr));
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
  state.counters["m"] = static_cast<double>(m);
  state.counters["n"] = static_cast<double>(n);
  state.counters["k"] = static_cast<double>(k);
}

// Weight shapes of common models at tensor parallelism 1..8 when no shapes file is given:
// hidden sizes 2560..8192 with their attention and MLP projections.
std::vector<std::pair<int64_t, int64_t>> builtin_shapes() {
  std::set<std::pair<int64_t, int64_t>> s;
  const int64_t hidden[][3] = {{2560, 10240, 2560}, {4096, 11008, 4096}, {4096, 14336, 1024},
                               {5120, 13824, 5120}, {8192, 28672, 1024}};  // hidden, mlp width, kv width
  for (const auto& h : hidden)
    for (int64_t tp : {1, 2, 4, 8}) {
      s.insert({(h[0] + 2 * h[2]) / tp, h[0]});  // qkv
      s.insert({h[0], h[0] / tp});               // o
      s.insert({2 * h[1] / tp, h[0]});           // gate+up
      s.insert({h[0], h[1] / tp});               // down
    }
  return {s.begin(), s.end()};
}

std::vector<std::pair<int64_t, int64_t>> shapes_from_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw CudaError(path + ": cannot open the shapes file");
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_array()) throw CudaError(path + ": expected a JSON array of {\"n\": .., \"k\": ..}");
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const auto& e : j) {
    if (!e.is_object() || !e.contains("n") || !e.contains("k") || !e["n"].is_number_integer() ||
        !e["k"].is_number_integer())
      throw CudaError(path + ": every entry needs integer \"n\" and \"k\"");
    out.emplace_back(e["n"].get<int64_t>(), e["k"].get<int64_t>());
  }
  return out;
}

std::vector<int64_t> token_counts(const std::string& list) {
  if (list.empty())
    return {1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096,
            6144, 8192, 12288, 16384};
  std::vector<int64_t> out;
  std::stringstream s(list);
  std::string item;
  while (std::getline(s, item, ','))
    if (std::atoll(item.c_str()) > 0) out.push_back(std::atoll(item.c_str()));
  return out;
}

}  // namespace

void register_gemm_benchmarks(const BenchOptions& options) {
  const auto shapes = options.shapes_file.empty() ? builtin_shapes() : shapes_from_file(options.shapes_file);
  const auto ms = token_counts(options.m_list);
  // fp8 tensor cores: Ada (8.9) and Hopper (9.0) onwards.
  const bool has_fp8 = device().major > 8 || (device().major == 8 && device().minor >= 9);
  for (bool fp8 : {false, true}) {
    if (fp8 && !has_fp8) continue;
    for (const auto& [n, k] : shapes)
      for (int64_t m : ms) {
        const std::string name = std::string("gemm/") + (fp8 ? "fp8" : "bf16") + "/m:" + std::to_string(m) +
                                 "/n:" + std::to_string(n) + "/k:" + std::to_string(k);
        benchmark::RegisterBenchmark(name.c_str(), gemm_benchmark, m, n, k, fp8)
            ->UseManualTime()
            ->Unit(benchmark::kMicrosecond)
            ->MinTime(0.05);
      }
  }
}

}  // namespace kvsim_gpu
