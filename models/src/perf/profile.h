// CalibrationProfile: measured kernel times of one GPU, the data the calibrated step model
// interpolates. One profile per GPU, never per model: a model that was not measured is predicted
// from the same curves (docs/calibration.md describes the file; docs/validation.md measures how
// well that works on models left out of the calibration).
//
// What a profile holds, all optional except the reference:
//   gemm         time by M for measured (N, K, kind) weight shapes; other shapes are interpolated
//                across measured shapes in log space, each rescaled by the reference roofline
//   elementwise  time by bytes moved for norms, rotary, activations, residual add, embedding, sampling
//   attention    decode time by KV bytes read, prefill time by FLOPs (from our CUDA benchmarks)
//   memcpy       time by bytes: device-to-device, pinned host-to-device and device-to-host
//   collectives  time by bytes for all-reduce (per rank count) and point-to-point send/recv
//   engine       engine overheads beyond the kernels (CUDA graphs, custom all-reduce, CPU, frontend)
//   reference    the datasheet roofline the curves are rescaled by, and the shortest kernel time
// Every query returns seconds and says whether a measurement or the roofline answered it; outside
// a measured range a query scales the nearest measurement by the roofline (or clamps at the launch
// floor below it), so predictions stay continuous at the edge of the data.
#pragma once
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/llm_spec.h"
#include "perf/engine_overheads.h"
#include "perf/profile_curve.h"

namespace kvsim {

// What a linear layer computes with: bf16/fp16 weights and activations, fp8 or int8 weights and
// activations (W8A8, on GPUs with such tensor cores; weight-only otherwise), int4 weights with
// 16-bit activations (W4A16), optionally 2:4 structured sparsity. fp16 and bf16 are one kind.
struct GemmKind {
  DType weights = DType::kBf16;
  bool sparse_2_4 = false;
  bool operator==(const GemmKind& o) const = default;
};
std::string gemm_kind_name(GemmKind kind);  // "bf16", "fp8", "int8", "int4", "bf16+2:4", ...
// Throws InputError naming the valid names.
GemmKind parse_gemm_kind(const std::string& name);

enum class ElementwiseOp {
  kRmsNorm,      // bytes: read and write the hidden state
  kLayerNorm,
  kRotary,       // bytes: read and write Q and K
  kSiluAndMul,   // gated MLP activation; bytes: read gate and up, write the product
  kGelu,         // bytes: read and write the MLP activation
  kResidualAdd,  // bytes: read two (parallel blocks: three) hidden states, write one
  kEmbedding,    // bytes: the gathered rows written
  kSampling,     // bytes: the fp32 logits of the sampled rows
};
inline constexpr size_t kNumElementwiseOps = 8;
bool parse_elementwise_op(const std::string& name, ElementwiseOp* op);

enum class MemcpyKind { kDeviceToDevice, kHostToDevice, kDeviceToHost };
inline constexpr size_t kNumMemcpyKinds = 3;

enum class CollectiveOp { kAllReduce, kSendRecv };
const char* collective_op_name(CollectiveOp op);  // "all_reduce", "send_recv"

// The roofline a profile is anchored to. Copied from the catalog GPU when the profile is made, so
// a profile interpolates the same way whatever later happens to the catalog.
struct ProfileReference {
  double peak_bf16_flops = 0;
  double peak_fp8_flops = 0;   // 0: no fp8 tensor cores (fp8 weights run weight-only)
  double peak_int8_ops = 0;    // 0: no int8 tensor cores
  double hbm_bytes_per_s = 0;
  double interconnect_bytes_per_s = 0;  // NVLink per direction, or PCIe where there is none
  double pcie_bytes_per_s = 0;
  bool sparsity_2_4 = false;
  double kernel_floor_s = 4e-6;  // the shortest kernel measured: launch plus tail

  static ProfileReference from_gpu(const GpuSpec& gpu, double kernel_floor_s);
  // Datasheet time of an M x N x K GEMM of `kind` (weights N x K): the slower of its FLOPs at peak
  // and its bytes at HBM bandwidth, plus the kernel floor.
  double gemm_roofline_s(double m, double n, double k, GemmKind kind) const;
  // Bytes at HBM bandwidth plus the kernel floor.
  double memory_roofline_s(double bytes) const { return bytes / hbm_bytes_per_s + kernel_floor_s; }
};

struct GemmCurve {
  GemmKind kind;
  uint64_t n = 0, k = 0;     // weight shape: N outputs, K inputs (per GPU, after TP)
  MonotoneCurve seconds_by_m;  // M = tokens
};

struct CollectiveCurve {
  CollectiveOp op = CollectiveOp::kAllReduce;
  uint32_t ranks = 2;
  uint32_t ranks_per_node = 2;  // < ranks: the collective crosses nodes
  MonotoneCurve seconds_by_bytes;
};

// Where a query's answer came from.
enum class Provenance { kMeasured, kTransferred, kRoofline };
const char* provenance_name(Provenance p);  // "profile", "profile (rescaled by the roofline)", "roofline"

struct CalibrationProfile {
  std::string gpu;        // the catalog GPU it describes, e.g. "H100-SXM"
  nlohmann::json source;  // object: "description" (required) and whatever names the measurements
  std::string path;       // the file it was loaded from; "" when built in memory
  ProfileReference reference;
  std::vector<GemmCurve> gemms;
  std::array<MonotoneCurve, kNumElementwiseOps> elementwise;
  MonotoneCurve attention_decode;   // seconds by KV-cache bytes read by one layer on one GPU
  MonotoneCurve attention_prefill;  // seconds by attention FLOPs of one layer on one GPU
  // Without decode curves: the fraction of HBM bandwidth paged decode attention (and the KV-cache
  // write) reaches, fitted end to end by `kvsim fit`; NaN = the roofline's memory_efficiency.
  double attention_decode_bandwidth_fraction = NAN;
  std::array<MonotoneCurve, kNumMemcpyKinds> memcpy;
  std::vector<CollectiveCurve> collectives;
  // What the serving engine costs beyond the kernels (perf/engine_overheads.h): measured or fitted
  // by `kvsim fit`, else the documented defaults.
  EngineOverheads engine;
  bool has_engine = false;

  // Reads and validates a profile; errors name the file and the JSON pointer. Throws InputError.
  static CalibrationProfile load(const std::string& path);
  static CalibrationProfile from_json(const nlohmann::json& j, const std::string& where);
  nlohmann::json to_json() const;  // the documented format; from_json(to_json()) gives the same
                                   // profile up to six significant digits
  // to_json() as the files are written: times to six significant digits, number arrays on one line.
  std::string to_text() const;

  // Seconds of an M x N x K GEMM (weights N x K). Measured shapes of the same kind are combined
  // with Gaussian weights in (log N, log K), each rescaled to the asked shape by the roofline;
  // a kind never measured borrows the bf16 curves rescaled the same way; no curves: the roofline.
  double gemm_seconds(double m, double n, double k, GemmKind kind, Provenance* how = nullptr) const;
  double elementwise_seconds(ElementwiseOp op, double bytes, Provenance* how = nullptr) const;
  // Per-GPU bytes of the message; `ranks_per_node` < `ranks` asks for a cross-node collective.
  double collective_seconds(CollectiveOp op, double bytes, uint32_t ranks, uint32_t ranks_per_node,
                            Provenance* how = nullptr) const;
  double memcpy_seconds(MemcpyKind kind, double bytes, Provenance* how = nullptr) const;

  bool has_gemm_kind(GemmKind kind) const;
  // A short summary for summaries and `kvsim predict`: gpu, path, source, what was measured.
  nlohmann::json describe() const;
};

}  // namespace kvsim
