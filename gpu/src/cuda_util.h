// Small CUDA helpers for the microbenchmarks: error checks that become a benchmark error (never a
// crash), device buffers, and an event timer for Google Benchmark's manual timing.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>

#include <cuda_runtime.h>

namespace kvsim_gpu {

class CudaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw CudaError(std::string(what) + ": " + cudaGetErrorString(e));
}

// Device memory owned by a scope.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes) : bytes_(bytes) { check(cudaMalloc(&ptr_, bytes ? bytes : 1), "cudaMalloc"); }
  ~DeviceBuffer() {
    if (ptr_) cudaFree(ptr_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), bytes_(o.bytes_) { o.ptr_ = nullptr; }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    std::swap(ptr_, o.ptr_);
    std::swap(bytes_, o.bytes_);
    return *this;
  }
  template <typename T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }
  void* get() const { return ptr_; }
  size_t bytes() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

// Pinned host memory owned by a scope.
class PinnedBuffer {
 public:
  explicit PinnedBuffer(size_t bytes) { check(cudaMallocHost(&ptr_, bytes ? bytes : 1), "cudaMallocHost"); }
  ~PinnedBuffer() {
    if (ptr_) cudaFreeHost(ptr_);
  }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  void* get() const { return ptr_; }

 private:
  void* ptr_ = nullptr;
};

// Times work enqueued on a stream between start() and stop_seconds() with CUDA events.
class EventTimer {
 public:
  EventTimer() {
    check(cudaEventCreate(&start_), "cudaEventCreate");
    check(cudaEventCreate(&stop_), "cudaEventCreate");
  }
  ~EventTimer() {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;
  void start(cudaStream_t s) { check(cudaEventRecord(start_, s), "cudaEventRecord"); }
  double stop_seconds(cudaStream_t s) {
    check(cudaEventRecord(stop_, s), "cudaEventRecord");
    check(cudaEventSynchronize(stop_), "cudaEventSynchronize");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, start_, stop_), "cudaEventElapsedTime");
    return ms * 1e-3;
  }

 private:
  cudaEvent_t start_{}, stop_{};
};

// Fills a device buffer of bf16 values with a deterministic pattern in [-1, 1).
void fill_bf16(void* device_ptr, size_t count, unsigned seed, cudaStream_t stream);

// The device the benchmarks run on, as probed once by main.
struct DeviceInfo {
  int index = 0;
  int count = 0;
  int major = 0, minor = 0;
  std::string name;
  size_t memory_bytes = 0;
};
const DeviceInfo& device();
void set_device(const DeviceInfo& info);

}  // namespace kvsim_gpu
