#include "perf/calibration.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/json_reader.h"

namespace kvsim {

ProfileBuilder::ProfileBuilder(std::string gpu, ProfileReference reference)
    : gpu_(std::move(gpu)), reference_(reference) {}

namespace {
bool valid(double size, double seconds) {
  return size > 0 && seconds > 0 && std::isfinite(size) && std::isfinite(seconds);
}
}  // namespace

void ProfileBuilder::add_gemm(GemmKind kind, uint64_t n, uint64_t k, double m, double seconds) {
  if (!valid(m, seconds) || n == 0 || k == 0) return;
  gemm_[{gemm_kind_name(kind), n, k}].emplace_back(m, seconds);
  shortest_kernel_s_ = shortest_kernel_s_ > 0 ? std::min(shortest_kernel_s_, seconds) : seconds;
  ++samples_;
}

void ProfileBuilder::add_elementwise(ElementwiseOp op, double bytes, double seconds) {
  if (!valid(bytes, seconds)) return;
  elementwise_[op].emplace_back(bytes, seconds);
  ++samples_;
}

void ProfileBuilder::add_attention_decode(double kv_bytes, double seconds) {
  if (!valid(kv_bytes, seconds)) return;
  attention_decode_.emplace_back(kv_bytes, seconds);
  ++samples_;
}

void ProfileBuilder::add_attention_prefill(double flops, double seconds) {
  if (!valid(flops, seconds)) return;
  attention_prefill_.emplace_back(flops, seconds);
  ++samples_;
}

void ProfileBuilder::add_memcpy(MemcpyKind kind, double bytes, double seconds) {
  if (!valid(bytes, seconds)) return;
  memcpy_[kind].emplace_back(bytes, seconds);
  ++samples_;
}

void ProfileBuilder::add_collective(CollectiveOp op, uint32_t ranks, uint32_t ranks_per_node, double bytes,
                                    double seconds) {
  if (!valid(bytes, seconds) || ranks < 2) return;
  collectives_[{op, ranks, std::clamp(ranks_per_node, 1u, ranks)}].emplace_back(bytes, seconds);
  ++samples_;
}

CalibrationProfile ProfileBuilder::build(nlohmann::json source) const {
  if (!source.is_object() || !source.contains("description") || !source["description"].is_string())
    throw InputError("a calibration profile's source needs a \"description\" naming where the measurements come from");
  CalibrationProfile p;
  p.gpu = gpu_;
  p.source = std::move(source);
  p.reference = reference_;
  for (const auto& [key, samples] : gemm_) {
    GemmCurve c;
    c.kind = parse_gemm_kind(std::get<0>(key));
    c.n = std::get<1>(key);
    c.k = std::get<2>(key);
    c.seconds_by_m = MonotoneCurve::fit(samples);
    p.gemms.push_back(std::move(c));
  }
  for (const auto& [op, samples] : elementwise_)
    p.elementwise[static_cast<size_t>(op)] = MonotoneCurve::fit(samples);
  if (!attention_decode_.empty()) p.attention_decode = MonotoneCurve::fit(attention_decode_);
  if (!attention_prefill_.empty()) p.attention_prefill = MonotoneCurve::fit(attention_prefill_);
  for (const auto& [kind, samples] : memcpy_) p.memcpy[static_cast<size_t>(kind)] = MonotoneCurve::fit(samples);
  for (const auto& [key, samples] : collectives_) {
    CollectiveCurve c;
    c.op = std::get<0>(key);
    c.ranks = std::get<1>(key);
    c.ranks_per_node = std::get<2>(key);
    c.seconds_by_bytes = MonotoneCurve::fit(samples);
    p.collectives.push_back(std::move(c));
  }
  return p;
}

namespace {

std::vector<std::string> split_name(const std::string& name) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= name.size(); ++i)
    if (i == name.size() || name[i] == '/') {
      parts.push_back(name.substr(start, i - start));
      start = i + 1;
    }
  return parts;
}

double unit_seconds(const std::string& unit) {
  if (unit == "ns") return 1e-9;
  if (unit == "us") return 1e-6;
  if (unit == "ms") return 1e-3;
  if (unit == "s") return 1;
  return 0;
}

}  // namespace

std::string benchmark_device_name(const nlohmann::json& results) {
  if (results.is_object() && results.contains("context") && results["context"].is_object()) {
    const auto& c = results["context"];
    if (c.contains("kvsim_device") && c["kvsim_device"].is_string()) return c["kvsim_device"].get<std::string>();
  }
  return "";
}

size_t add_benchmark_results(ProfileBuilder& builder, const nlohmann::json& results, const std::string& where) {
  ErrorList errors;
  if (!results.is_object() || !results.contains("benchmarks") || !results["benchmarks"].is_array())
    throw InputError(where + ": expected Google Benchmark JSON output (an object with a \"benchmarks\" array; run "
                             "kvsim_gpu_bench --benchmark_format=json)");
  const nlohmann::json& list = results["benchmarks"];
  // Runs that report aggregates contribute their median only.
  std::vector<std::string> aggregated;
  for (const auto& b : list)
    if (b.is_object() && b.value("run_type", "") == "aggregate" && b.value("aggregate_name", "") == "median")
      aggregated.push_back(b.value("run_name", b.value("name", "")));
  std::sort(aggregated.begin(), aggregated.end());

  size_t added = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string ptr = "/benchmarks/" + std::to_string(i);
    const nlohmann::json& b = list[i];
    if (!b.is_object() || !b.contains("name") || !b["name"].is_string()) {
      errors.add(ptr, "expected a benchmark object with a \"name\", found " + describe_json(b));
      continue;
    }
    if (b.value("error_occurred", false)) continue;  // the benchmark skipped itself (e.g. no fp8)
    const std::string run_name = b.value("run_name", b["name"].get<std::string>());
    const bool is_aggregate = b.value("run_type", "") == "aggregate";
    const bool has_median = std::binary_search(aggregated.begin(), aggregated.end(), run_name);
    if (is_aggregate && b.value("aggregate_name", "") != "median") continue;
    if (!is_aggregate && has_median) continue;
    const auto parts = split_name(run_name);
    auto number = [&](const char* key) -> double {
      if (!b.contains(key) || !b[key].is_number()) {
        errors.add(json_pointer_child(ptr, key), std::string("expected the counter \"") + key +
                                                     "\" (a number) for " + run_name + ", found " +
                                                     (b.contains(key) ? describe_json(b[key]) : std::string("nothing")));
        return 0;
      }
      return b[key].get<double>();
    };
    const double unit = unit_seconds(b.value("time_unit", "ns"));
    if (unit == 0) {
      errors.add(json_pointer_child(ptr, "time_unit"), "expected ns, us, ms or s, found " + describe_json(b["time_unit"]));
      continue;
    }
    const double seconds = number("real_time") * unit;
    const size_t before = errors.errors().size();
    const std::string& family = parts[0];
    if (family == "gemm" && parts.size() >= 2) {
      GemmKind kind;
      try {
        kind = parse_gemm_kind(parts[1]);
      } catch (const InputError& e) {
        errors.add(json_pointer_child(ptr, "name"), e.what());
        continue;
      }
      const double m = number("m"), n = number("n"), k = number("k");
      if (errors.errors().size() == before)
        builder.add_gemm(kind, static_cast<uint64_t>(n), static_cast<uint64_t>(k), m, seconds), ++added;
    } else if (family == "attention_decode") {
      const double bytes = number("kv_bytes");
      if (errors.errors().size() == before) builder.add_attention_decode(bytes, seconds), ++added;
    } else if (family == "attention_prefill") {
      const double flops = number("flops");
      if (errors.errors().size() == before) builder.add_attention_prefill(flops, seconds), ++added;
    } else if (family == "memcpy" && parts.size() >= 2) {
      const MemcpyKind kind = parts[1] == "d2d"   ? MemcpyKind::kDeviceToDevice
                              : parts[1] == "h2d" ? MemcpyKind::kHostToDevice
                                                  : MemcpyKind::kDeviceToHost;
      if (parts[1] != "d2d" && parts[1] != "h2d" && parts[1] != "d2h") {
        errors.add(json_pointer_child(ptr, "name"), "expected memcpy/d2d, memcpy/h2d or memcpy/d2h, found " + run_name);
        continue;
      }
      const double bytes = number("bytes");
      if (errors.errors().size() == before) builder.add_memcpy(kind, bytes, seconds), ++added;
    } else if (family == "elementwise" && parts.size() >= 2) {
      ElementwiseOp op;
      if (!parse_elementwise_op(parts[1], &op)) {
        errors.add(json_pointer_child(ptr, "name"), "unknown elementwise kernel in " + run_name);
        continue;
      }
      const double bytes = number("bytes");
      if (errors.errors().size() == before) builder.add_elementwise(op, bytes, seconds), ++added;
    } else if (family == "all_reduce" || family == "send_recv") {
      const double bytes = number("bytes"), ranks = number("ranks");
      const double per_node = b.contains("ranks_per_node") ? number("ranks_per_node") : ranks;
      if (errors.errors().size() == before)
        builder.add_collective(family == "all_reduce" ? CollectiveOp::kAllReduce : CollectiveOp::kSendRecv,
                               static_cast<uint32_t>(ranks), static_cast<uint32_t>(per_node), bytes, seconds),
            ++added;
    }
    // Other benchmarks (e.g. a kernel self-check) are not calibration data.
  }
  errors.throw_if_any(where);
  return added;
}

}  // namespace kvsim
