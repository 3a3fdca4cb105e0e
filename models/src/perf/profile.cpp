#include "perf/profile.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "catalog/catalog.h"
#include "perf/deployment_layout.h"
#include "core/error.h"
#include "core/json_reader.h"

namespace kvsim {

namespace {

constexpr const char* kFormat = "kvsim-calibration-profile/1";
// Width of the Gaussian that weighs measured GEMM shapes by their distance to the asked shape in
// (ln N, ln K). 0.5 gives a shape 1.65x larger in N or K weight exp(-1/2) relative to an exact
// match; docs/validation.md shows the leave-one-model-out errors for this choice.
constexpr double kShapeBandwidth = 0.5;

constexpr std::array<const char*, kNumElementwiseOps> kElementwiseNames = {
    "rms_norm", "layer_norm", "rotary", "silu_and_mul", "gelu", "residual_add", "embedding", "sampling"};
constexpr std::array<const char*, kNumMemcpyKinds> kMemcpyNames = {"d2d", "h2d", "d2h"};

bool is_16bit(DType d) { return d == DType::kBf16 || d == DType::kFp16 || d == DType::kFp32; }

GemmKind normalised(GemmKind kind) {
  if (is_16bit(kind.weights)) kind.weights = DType::kBf16;
  return kind;
}

// Reads a pair of parallel arrays (sizes, times in ms) into a curve of seconds.
MonotoneCurve read_curve(JsonReader& r, const std::string& size_key, const std::string& time_key,
                         bool times_monotone) {
  const nlohmann::json& xs = r.raw(size_key);
  const nlohmann::json& ys = r.raw(time_key);
  ErrorList& errors = r.errors();
  const size_t before = errors.errors().size();
  auto check_array = [&](const nlohmann::json& a, const std::string& key) {
    if (!a.is_array() || a.empty()) {
      errors.add(r.child(key), "expected a non-empty array of numbers > 0, found " +
                                   (a.is_null() ? std::string("nothing (required)") : describe_json(a)));
      return false;
    }
    for (size_t i = 0; i < a.size(); ++i)
      if (!a[i].is_number() || !(a[i].get<double>() > 0) || !std::isfinite(a[i].get<double>())) {
        errors.add(r.child(key) + "/" + std::to_string(i), "expected a number > 0, found " + describe_json(a[i]));
        return false;
      }
    return true;
  };
  if (!check_array(xs, size_key) || !check_array(ys, time_key)) return {};
  if (xs.size() != ys.size()) {
    errors.add(r.child(time_key), "expected as many entries as \"" + size_key + "\" (" +
                                      std::to_string(xs.size()) + "), found " + std::to_string(ys.size()));
    return {};
  }
  std::vector<double> sizes, seconds;
  for (size_t i = 0; i < xs.size(); ++i) {
    sizes.push_back(xs[i].get<double>());
    seconds.push_back(ys[i].get<double>() * 1e-3);
    if (i > 0 && !(sizes[i] > sizes[i - 1]))
      errors.add(r.child(size_key) + "/" + std::to_string(i),
                 "expected sizes in strictly increasing order, found " + describe_json(xs[i]) + " after " +
                     describe_json(xs[i - 1]));
    else if (times_monotone && i > 0 && seconds[i] < seconds[i - 1])
      errors.add(r.child(time_key) + "/" + std::to_string(i),
                 "expected times that never decrease as the size grows (run the samples through "
                 "`kvsim calibrate`, which fits a monotone curve), found " + describe_json(ys[i]) +
                     " after " + describe_json(ys[i - 1]));
  }
  if (errors.errors().size() != before) return {};
  return MonotoneCurve(std::move(sizes), std::move(seconds));
}

// Six significant digits: far below the measurements' noise, and the same text on every platform
// whatever the last bits of exp/log. Rounding is monotone, so a monotone curve stays monotone.
double round6(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return std::strtod(buf, nullptr);
}

nlohmann::json number_json(double v) {
  if (v == std::floor(v) && std::fabs(v) < 9e15) return static_cast<int64_t>(v);
  return round6(v);
}

nlohmann::json curve_json(const MonotoneCurve& c, const std::string& size_key) {
  nlohmann::json sizes = nlohmann::json::array(), ms = nlohmann::json::array();
  for (double v : c.sizes()) sizes.push_back(number_json(v));
  for (double v : c.values()) ms.push_back(round6(v * 1e3));
  return {{size_key, sizes}, {"ms", ms}};
}

// JSON with objects indented and arrays of numbers on one line.
void write_compact(const nlohmann::json& j, int indent, std::string& out) {
  const std::string pad(static_cast<size_t>(indent) * 2, ' '), inner(static_cast<size_t>(indent + 1) * 2, ' ');
  if (j.is_object() && !j.empty()) {
    // The file reads top-down: what it is, where it comes from, then the curves.
    std::vector<std::string> keys;
    for (const char* first : {"format", "gpu", "source", "reference"})
      if (j.contains(first)) keys.push_back(first);
    for (auto it = j.begin(); it != j.end(); ++it)
      if (std::find(keys.begin(), keys.end(), it.key()) == keys.end()) keys.push_back(it.key());
    out += "{\n";
    for (size_t i = 0; i < keys.size(); ++i) {
      out += inner + nlohmann::json(keys[i]).dump() + ": ";
      write_compact(j[keys[i]], indent + 1, out);
      out += i + 1 < keys.size() ? ",\n" : "\n";
    }
    out += pad + "}";
  } else if (j.is_array() && !j.empty() && (j[0].is_object() || j[0].is_array())) {
    out += "[\n";
    for (size_t i = 0; i < j.size(); ++i) {
      out += inner;
      write_compact(j[i], indent + 1, out);
      out += i + 1 < j.size() ? ",\n" : "\n";
    }
    out += pad + "]";
  } else if (j.is_array()) {
    out += "[";
    for (size_t i = 0; i < j.size(); ++i) out += (i ? ", " : "") + j[i].dump();
    out += "]";
  } else {
    out += j.dump();
  }
}

}  // namespace

std::string gemm_kind_name(GemmKind kind) {
  kind = normalised(kind);
  return dtype_name(kind.weights) + (kind.sparse_2_4 ? "+2:4" : "");
}

GemmKind parse_gemm_kind(const std::string& name) {
  GemmKind kind;
  std::string base = name;
  const std::string suffix = "+2:4";
  if (base.size() > suffix.size() && base.compare(base.size() - suffix.size(), suffix.size(), suffix) == 0) {
    kind.sparse_2_4 = true;
    base.resize(base.size() - suffix.size());
  }
  try {
    kind.weights = parse_dtype(base);
  } catch (const InputError&) {
    throw InputError("unknown GEMM kind \"" + name +
                     "\" (expected bf16, fp16, fp8, int8 or int4, optionally followed by +2:4)");
  }
  if (kind.weights == DType::kFp32) throw InputError("GEMM kind \"" + name + "\" is not modelled (fp32)");
  return normalised(kind);
}

bool parse_elementwise_op(const std::string& name, ElementwiseOp* op) {
  for (size_t i = 0; i < kNumElementwiseOps; ++i)
    if (name == kElementwiseNames[i]) {
      *op = static_cast<ElementwiseOp>(i);
      return true;
    }
  return false;
}

const char* collective_op_name(CollectiveOp op) {
  return op == CollectiveOp::kAllReduce ? "all_reduce" : "send_recv";
}

const char* provenance_name(Provenance p) {
  switch (p) {
    case Provenance::kMeasured: return "profile";
    case Provenance::kTransferred: return "profile (rescaled by the roofline)";
    default: return "roofline";
  }
}

ProfileReference ProfileReference::from_gpu(const GpuSpec& gpu, double kernel_floor_s) {
  ProfileReference r;
  r.peak_bf16_flops = gpu.peak_bf16_flops;
  r.peak_fp8_flops = gpu.peak_fp8_flops;
  r.peak_int8_ops = gpu.peak_int8_ops;
  r.hbm_bytes_per_s = gpu.hbm_bytes_per_s;
  r.interconnect_bytes_per_s = gpu.interconnect_bytes_per_s();
  r.pcie_bytes_per_s = gpu.pcie_bytes_per_s;
  r.sparsity_2_4 = gpu.sparsity_2_4;
  r.kernel_floor_s = kernel_floor_s;
  return r;
}

double ProfileReference::gemm_roofline_s(double m, double n, double k, GemmKind kind) const {
  kind = normalised(kind);
  // W8A8 runs on fp8/int8 tensor cores where the GPU has them, with 1-byte activations; otherwise
  // (and always for int4, W4A16) the weights are dequantised and the math runs at 16 bits.
  double peak = peak_bf16_flops, act_bytes = 2;
  if (kind.weights == DType::kFp8 && peak_fp8_flops > 0) peak = peak_fp8_flops, act_bytes = 1;
  if (kind.weights == DType::kInt8 && peak_int8_ops > 0) peak = peak_int8_ops, act_bytes = 1;
  if (kind.sparse_2_4 && sparsity_2_4) peak *= 2;  // sparse tensor cores double the math rate
  const double flops = 2 * m * n * k;
  const double bytes = n * k * linear_weight_bytes_per_param(kind.weights, kind.sparse_2_4) + m * k * act_bytes + m * n * 2;
  return std::max(flops / peak, bytes / hbm_bytes_per_s) + kernel_floor_s;
}

CalibrationProfile CalibrationProfile::load(const std::string& path) {
  CalibrationProfile p = from_json(read_json_file(path), path);
  p.path = path;
  return p;
}

CalibrationProfile CalibrationProfile::from_json(const nlohmann::json& j, const std::string& where) {
  ErrorList errors;
  JsonReader r(j, "", errors);
  CalibrationProfile p;
  const std::string format = r.required_string("format");
  if (errors.empty() && format != kFormat)
    errors.add("/format", "expected \"" + std::string(kFormat) + "\", found \"" + format + "\"");
  p.gpu = r.required_string("gpu");
  p.source = r.raw("source");
  if (!p.source.is_object() || !p.source.contains("description") || !p.source["description"].is_string())
    errors.add("/source", "expected an object whose \"description\" names where the measurements come from, found " +
                              describe_json(p.source));

  JsonReader ref = r.object("reference");
  p.reference.peak_bf16_flops = ref.required_number("peak_bf16_tflops", 1e-3) * 1e12;
  p.reference.peak_fp8_flops = ref.number("peak_fp8_tflops", 0, 0) * 1e12;
  p.reference.peak_int8_ops = ref.number("peak_int8_tops", 0, 0) * 1e12;
  p.reference.hbm_bytes_per_s = ref.required_number("hbm_gb_per_s", 1e-3) * 1e9;
  p.reference.interconnect_bytes_per_s = ref.number("interconnect_gb_per_s", 0, 0) * 1e9;
  p.reference.pcie_bytes_per_s = ref.number("pcie_gb_per_s", 0, 0) * 1e9;
  p.reference.sparsity_2_4 = ref.boolean("sparsity_2_4", false);
  p.reference.kernel_floor_s = ref.number("kernel_floor_us", 4, 0, 1e6) * 1e-6;
  ref.reject_unknown_keys();

  const nlohmann::json& gemm = r.raw("gemm");
  if (!gemm.is_null() && !gemm.is_array())
    errors.add("/gemm", "expected an array of GEMM curves, found " + describe_json(gemm));
  for (size_t i = 0; gemm.is_array() && i < gemm.size(); ++i) {
    JsonReader g(gemm[i], "/gemm/" + std::to_string(i), errors);
    GemmCurve c;
    const std::string kind = g.required_string("kind");
    try {
      c.kind = parse_gemm_kind(kind);
    } catch (const InputError& e) {
      errors.add(g.child("kind"), e.what());
    }
    c.n = static_cast<uint64_t>(g.required_integer("n", 1));
    c.k = static_cast<uint64_t>(g.required_integer("k", 1));
    c.seconds_by_m = read_curve(g, "m", "ms", true);
    g.reject_unknown_keys();
    p.gemms.push_back(std::move(c));
  }

  JsonReader ew = r.object("elementwise");
  for (size_t i = 0; i < kNumElementwiseOps; ++i) {
    if (!ew.has(kElementwiseNames[i])) continue;
    JsonReader c = ew.object(kElementwiseNames[i]);
    p.elementwise[i] = read_curve(c, "bytes", "ms", true);
    c.reject_unknown_keys();
  }
  ew.reject_unknown_keys();

  JsonReader att = r.object("attention");
  if (att.has("decode")) {
    JsonReader d = att.object("decode");
    p.attention_decode = read_curve(d, "kv_bytes", "ms", true);
    d.reject_unknown_keys();
  }
  if (att.has("prefill")) {
    JsonReader d = att.object("prefill");
    p.attention_prefill = read_curve(d, "flops", "ms", true);
    d.reject_unknown_keys();
  }
  p.attention_decode_bandwidth_fraction = att.number("decode_bandwidth_fraction", NAN, 0.01, 1);
  att.reject_unknown_keys();

  JsonReader mc = r.object("memcpy");
  for (size_t i = 0; i < kNumMemcpyKinds; ++i) {
    if (!mc.has(kMemcpyNames[i])) continue;
    JsonReader c = mc.object(kMemcpyNames[i]);
    p.memcpy[i] = read_curve(c, "bytes", "ms", true);
    c.reject_unknown_keys();
  }
  mc.reject_unknown_keys();

  const nlohmann::json& coll = r.raw("collectives");
  if (!coll.is_null() && !coll.is_array())
    errors.add("/collectives", "expected an array of collective curves, found " + describe_json(coll));
  for (size_t i = 0; coll.is_array() && i < coll.size(); ++i) {
    JsonReader c(coll[i], "/collectives/" + std::to_string(i), errors);
    CollectiveCurve cc;
    cc.op = c.choice("op", "all_reduce", {"all_reduce", "send_recv"}) == "all_reduce" ? CollectiveOp::kAllReduce
                                                                                      : CollectiveOp::kSendRecv;
    cc.ranks = static_cast<uint32_t>(c.required_integer("ranks", 2, 4096));
    cc.ranks_per_node = static_cast<uint32_t>(c.integer("ranks_per_node", cc.ranks, 1, 4096));
    cc.seconds_by_bytes = read_curve(c, "bytes", "ms", true);
    c.reject_unknown_keys();
    p.collectives.push_back(std::move(cc));
  }
  if (r.has("engine")) {
    JsonReader e = r.object("engine");
    p.engine.read(e);
    e.reject_unknown_keys();
    p.has_engine = true;
  }
  r.reject_unknown_keys();
  errors.throw_if_any(where);
  return p;
}

nlohmann::json CalibrationProfile::to_json() const {
  nlohmann::json j;
  j["format"] = kFormat;
  j["gpu"] = gpu;
  j["source"] = source;
  j["reference"] = {{"peak_bf16_tflops", round6(reference.peak_bf16_flops / 1e12)},
                    {"peak_fp8_tflops", round6(reference.peak_fp8_flops / 1e12)},
                    {"peak_int8_tops", round6(reference.peak_int8_ops / 1e12)},
                    {"hbm_gb_per_s", round6(reference.hbm_bytes_per_s / 1e9)},
                    {"interconnect_gb_per_s", round6(reference.interconnect_bytes_per_s / 1e9)},
                    {"pcie_gb_per_s", round6(reference.pcie_bytes_per_s / 1e9)},
                    {"sparsity_2_4", reference.sparsity_2_4},
                    {"kernel_floor_us", round6(reference.kernel_floor_s * 1e6)}};
  j["gemm"] = nlohmann::json::array();
  for (const auto& g : gemms) {
    nlohmann::json c = curve_json(g.seconds_by_m, "m");
    c["kind"] = gemm_kind_name(g.kind);
    c["n"] = g.n;
    c["k"] = g.k;
    j["gemm"].push_back(std::move(c));
  }
  j["elementwise"] = nlohmann::json::object();
  for (size_t i = 0; i < kNumElementwiseOps; ++i)
    if (!elementwise[i].empty()) j["elementwise"][kElementwiseNames[i]] = curve_json(elementwise[i], "bytes");
  j["attention"] = nlohmann::json::object();
  if (!attention_decode.empty()) j["attention"]["decode"] = curve_json(attention_decode, "kv_bytes");
  if (!attention_prefill.empty()) j["attention"]["prefill"] = curve_json(attention_prefill, "flops");
  if (std::isfinite(attention_decode_bandwidth_fraction))
    j["attention"]["decode_bandwidth_fraction"] = round6(attention_decode_bandwidth_fraction);
  j["memcpy"] = nlohmann::json::object();
  for (size_t i = 0; i < kNumMemcpyKinds; ++i)
    if (!memcpy[i].empty()) j["memcpy"][kMemcpyNames[i]] = curve_json(memcpy[i], "bytes");
  j["collectives"] = nlohmann::json::array();
  for (const auto& c : collectives) {
    nlohmann::json o = curve_json(c.seconds_by_bytes, "bytes");
    o["op"] = collective_op_name(c.op);
    o["ranks"] = c.ranks;
    o["ranks_per_node"] = c.ranks_per_node;
    j["collectives"].push_back(std::move(o));
  }
  if (has_engine) j["engine"] = engine.to_json();
  return j;
}

std::string CalibrationProfile::to_text() const {
  std::string out;
  write_compact(to_json(), 0, out);
  return out + "\n";
}

bool CalibrationProfile::has_gemm_kind(GemmKind kind) const {
  kind = normalised(kind);
  return std::any_of(gemms.begin(), gemms.end(), [&](const GemmCurve& g) { return g.kind == kind; });
}

double CalibrationProfile::gemm_seconds(double m, double n, double k, GemmKind kind, Provenance* how) const {
  kind = normalised(kind);
  GemmKind base = kind;
  if (!has_gemm_kind(base)) base = GemmKind{};
  if (!has_gemm_kind(base)) {
    if (how) *how = Provenance::kRoofline;
    return reference.gemm_roofline_s(m, n, k, kind);
  }
  const double target_roofline = reference.gemm_roofline_s(m, n, k, kind);
  // A measured shape answers for itself: the same GEMM runs the same kernels whatever model it is in.
  for (const auto& g : gemms) {
    if (!(g.kind == base) || static_cast<double>(g.n) != n || static_cast<double>(g.k) != k) continue;
    const double mc = std::clamp(m, g.seconds_by_m.min_size(), g.seconds_by_m.max_size());
    if (how) *how = (base == kind && mc == m) ? Provenance::kMeasured : Provenance::kTransferred;
    return g.seconds_by_m.at(mc) * target_roofline / reference.gemm_roofline_s(mc, n, k, base);
  }
  // Distances first, so the weights can be normalised to the nearest shape (no underflow).
  double nearest = std::numeric_limits<double>::infinity();
  for (const auto& g : gemms) {
    if (!(g.kind == base)) continue;
    const double dn = std::log(n / static_cast<double>(g.n)), dk = std::log(k / static_cast<double>(g.k));
    nearest = std::min(nearest, dn * dn + dk * dk);
  }
  double weight_sum = 0, log_sum = 0;
  bool inside = false;
  for (const auto& g : gemms) {
    if (!(g.kind == base)) continue;
    const double dn = std::log(n / static_cast<double>(g.n)), dk = std::log(k / static_cast<double>(g.k));
    const double w = std::exp(-(dn * dn + dk * dk - nearest) / (2 * kShapeBandwidth * kShapeBandwidth));
    if (w < 1e-6) continue;
    const double mc = std::clamp(m, g.seconds_by_m.min_size(), g.seconds_by_m.max_size());
    inside = inside || mc == m;
    const double scaled = g.seconds_by_m.at(mc) * target_roofline /
                          reference.gemm_roofline_s(mc, static_cast<double>(g.n), static_cast<double>(g.k), base);
    weight_sum += w;
    log_sum += w * std::log(scaled);
  }
  if (how) *how = (base == kind && inside) ? Provenance::kMeasured : Provenance::kTransferred;
  return std::exp(log_sum / weight_sum);
}

double CalibrationProfile::elementwise_seconds(ElementwiseOp op, double bytes, Provenance* how) const {
  if (bytes <= 0) {
    if (how) *how = Provenance::kMeasured;
    return 0;
  }
  auto sibling = [](ElementwiseOp o) {
    switch (o) {
      case ElementwiseOp::kRmsNorm: return ElementwiseOp::kLayerNorm;
      case ElementwiseOp::kLayerNorm: return ElementwiseOp::kRmsNorm;
      case ElementwiseOp::kSiluAndMul: return ElementwiseOp::kGelu;
      case ElementwiseOp::kGelu: return ElementwiseOp::kSiluAndMul;
      default: return o;
    }
  };
  const MonotoneCurve& own = elementwise[static_cast<size_t>(op)];
  if (!own.empty()) {
    if (how) *how = own.covers(bytes) ? Provenance::kMeasured : Provenance::kTransferred;
    return own.at_or_proportional(bytes);
  }
  const MonotoneCurve& near = elementwise[static_cast<size_t>(sibling(op))];
  if (!near.empty()) {
    if (how) *how = Provenance::kTransferred;
    return near.at_or_proportional(bytes);
  }
  if (how) *how = Provenance::kRoofline;
  return reference.memory_roofline_s(bytes);
}

double CalibrationProfile::collective_seconds(CollectiveOp op, double bytes, uint32_t ranks,
                                              uint32_t ranks_per_node, Provenance* how) const {
  if (ranks <= 1 || bytes <= 0) {
    if (how) *how = Provenance::kMeasured;
    return 0;
  }
  const CollectiveCurve* best = nullptr;
  for (const auto& c : collectives) {
    if (c.op != op || c.ranks != ranks) continue;
    if (!best || (c.ranks_per_node == ranks_per_node && best->ranks_per_node != ranks_per_node)) best = &c;
  }
  if (best) {
    const bool exact = best->ranks_per_node == ranks_per_node;
    if (how) *how = exact && best->seconds_by_bytes.covers(bytes) ? Provenance::kMeasured : Provenance::kTransferred;
    return best->seconds_by_bytes.at_or_proportional(bytes);
  }
  if (how) *how = Provenance::kRoofline;
  const double link = reference.interconnect_bytes_per_s > 0 ? reference.interconnect_bytes_per_s
                                                             : reference.pcie_bytes_per_s;
  // A ring all-reduce moves 2(r-1)/r of the message over each link; send/recv moves it once.
  const double volume = op == CollectiveOp::kAllReduce ? 2.0 * (ranks - 1) / ranks * bytes : bytes;
  return volume / link + reference.kernel_floor_s;
}

double CalibrationProfile::memcpy_seconds(MemcpyKind kind, double bytes, Provenance* how) const {
  if (bytes <= 0) {
    if (how) *how = Provenance::kMeasured;
    return 0;
  }
  const MonotoneCurve& c = memcpy[static_cast<size_t>(kind)];
  if (!c.empty()) {
    if (how) *how = c.covers(bytes) ? Provenance::kMeasured : Provenance::kTransferred;
    return c.at_or_proportional(bytes);
  }
  if (how) *how = Provenance::kRoofline;
  if (kind == MemcpyKind::kDeviceToDevice) return 2 * bytes / reference.hbm_bytes_per_s + reference.kernel_floor_s;
  return bytes / reference.pcie_bytes_per_s + reference.kernel_floor_s;
}

nlohmann::json CalibrationProfile::describe() const {
  nlohmann::json d;
  d["gpu"] = gpu;
  d["path"] = path;
  d["source"] = source;
  std::vector<std::string> kinds;
  for (const auto& g : gemms)
    if (std::find(kinds.begin(), kinds.end(), gemm_kind_name(g.kind)) == kinds.end())
      kinds.push_back(gemm_kind_name(g.kind));
  std::vector<std::string> ops;
  for (size_t i = 0; i < kNumElementwiseOps; ++i)
    if (!elementwise[i].empty()) ops.push_back(kElementwiseNames[i]);
  std::vector<std::string> copies;
  for (size_t i = 0; i < kNumMemcpyKinds; ++i)
    if (!memcpy[i].empty()) copies.push_back(kMemcpyNames[i]);
  std::vector<std::string> colls;
  for (const auto& c : collectives)
    colls.push_back(std::string(collective_op_name(c.op)) + "/" + std::to_string(c.ranks) + "x" +
                    std::to_string(c.ranks_per_node == c.ranks ? 1 : c.ranks / std::max(1u, c.ranks_per_node)));
  d["measured"] = {{"gemm_shapes", gemms.size()},
                   {"gemm_kinds", kinds},
                   {"elementwise", ops},
                   {"attention_decode", !attention_decode.empty()},
                   {"attention_prefill", !attention_prefill.empty()},
                   {"memcpy", copies},
                   {"collectives", colls}};
  return d;
}

}  // namespace kvsim
