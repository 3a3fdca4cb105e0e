#include "plan/sweep_spec.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "catalog/catalog.h"
#include "core/error.h"
#include "core/json_reader.h"
#include "scenario/scenario.h"

namespace kvsim {

namespace {

constexpr size_t kMaxAxisValues = 1'000'000;

bool is_pointer(const nlohmann::json& p) {
  return p.is_string() && !p.get<std::string>().empty() && p.get<std::string>()[0] == '/';
}

void read_pointers(JsonReader& a, SweepAxis& axis) {
  ErrorList& errors = a.errors();
  const bool one = a.has("pointer"), many = a.has("pointers");
  if (one == many) {
    a.raw("pointer");
    a.raw("pointers");
    errors.add(a.pointer(), "expected \"pointer\" (a JSON pointer such as \"/cluster/replicas\") or \"pointers\" "
                            "(a list of them), not " + std::string(one ? "both" : "neither"));
    return;
  }
  const nlohmann::json& field = a.raw(one ? "pointer" : "pointers");
  const std::string at = a.child(one ? "pointer" : "pointers");
  if (many && (!field.is_array() || field.empty())) {
    errors.add(at, "expected a non-empty list of JSON pointers, found " + describe_json(field));
    return;
  }
  const nlohmann::json list = one ? nlohmann::json::array({field}) : field;
  for (size_t i = 0; i < list.size(); ++i) {
    if (is_pointer(list[i])) axis.pointers.push_back(list[i].get<std::string>());
    else errors.add(one ? at : at + "/" + std::to_string(i),
                    "expected a JSON pointer such as \"/cluster/replicas\", found " + describe_json(list[i]));
  }
}

// A number, emitted as an integer when every figure it came from is one and it is integral.
nlohmann::json range_value(double v, bool integral) {
  const double r = std::round(v);
  if (integral && std::fabs(v - r) <= 1e-9 * std::max(1.0, std::fabs(r))) return static_cast<int64_t>(r);
  // 12 significant digits: 0.1 + 2 x 0.1 is written 0.3, not 0.30000000000000004.
  char text[32];
  std::snprintf(text, sizeof text, "%.12g", v);
  return std::strtod(text, nullptr);
}

void read_range(JsonReader& r, SweepAxis& axis) {
  ErrorList& errors = r.errors();
  const size_t before = errors.errors().size();
  const double from = r.required_number("from"), to = r.required_number("to");
  const bool has_step = r.has("step"), has_count = r.has("count");
  const std::string scale = r.choice("scale", "linear", {"linear", "log"});
  double step = 0;
  int64_t count = 0;
  if (has_step == has_count) {
    r.raw("step");
    r.raw("count");
    errors.add(r.pointer(), "expected \"step\" or \"count\", not " + std::string(has_step ? "both" : "neither"));
  } else if (has_step) {
    step = r.required_number("step");
    if (scale == "log") errors.add(r.child("step"), "expected \"count\" with \"scale\": \"log\", found \"step\"");
  } else {
    count = r.required_integer("count", 1, static_cast<int64_t>(kMaxAxisValues));
  }
  r.reject_unknown_keys();
  if (errors.errors().size() != before) return;
  const auto is_int = [&](const char* key) {
    const nlohmann::json& v = r.raw(key);
    return v.is_number_integer() || (v.is_number() && std::floor(v.get<double>()) == v.get<double>());
  };
  const bool integral = is_int("from") && is_int("to") && (!has_step || is_int("step"));
  if (has_step) {
    if (step == 0 || (to - from) / step < -1e-9) {
      errors.add(r.child("step"), "expected a step that goes from " + r.raw("from").dump() + " towards " +
                                      r.raw("to").dump() + ", found " + r.raw("step").dump());
      return;
    }
    const double n = std::floor((to - from) / step + 1e-9) + 1;
    if (n > kMaxAxisValues) {
      errors.add(r.child("step"), "gives " + std::to_string(static_cast<uint64_t>(n)) + " values, more than " +
                                      std::to_string(kMaxAxisValues) + ": expected a larger step");
      return;
    }
    for (int64_t i = 0; i < static_cast<int64_t>(n); ++i) axis.values.push_back(range_value(from + i * step, integral));
    return;
  }
  if (scale == "log" && (from <= 0 || to <= 0)) {
    errors.add(r.child(from <= 0 ? "from" : "to"), "expected a number > 0 with \"scale\": \"log\", found " +
                                                       describe_json(r.raw(from <= 0 ? "from" : "to")));
    return;
  }
  for (int64_t i = 0; i < count; ++i) {
    const double f = count == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(count - 1);
    const double v = scale == "log" ? from * std::pow(to / from, f) : from + (to - from) * f;
    axis.values.push_back(range_value(v, integral));
  }
}

void read_values(JsonReader& a, SweepAxis& axis) {
  ErrorList& errors = a.errors();
  const bool list = a.has("values"), range = a.has("range");
  if (list == range) {
    a.raw("values");
    a.raw("range");
    errors.add(a.pointer(), "expected \"values\" (a list) or \"range\" ({\"from\", \"to\", \"step\" or \"count\"}), not " +
                                std::string(list ? "both" : "neither"));
    return;
  }
  if (list) {
    const nlohmann::json& v = a.raw("values");
    if (!v.is_array() || v.empty() || v.size() > kMaxAxisValues)
      errors.add(a.child("values"), "expected a non-empty list of values, found " + describe_json(v));
    else
      axis.values.assign(v.begin(), v.end());
    return;
  }
  JsonReader r = a.object("range");
  read_range(r, axis);
}

// The seed pointers when "seeds" names none: "/seed" and the seed of the base's workload.
std::vector<std::string> default_seed_pointers(const nlohmann::json& base) {
  std::vector<std::string> pointers = {"/seed"};
  if (base.is_object() && base.contains("workload") && base["workload"].is_object())
    for (const char* kind : {"synthetic", "shared_prefix", "trace"})
      if (base["workload"].contains(kind)) pointers.push_back(std::string("/workload/") + kind + "/seed");
  return pointers;
}

void read_seeds(JsonReader& r, SweepSpec& spec) {
  const nlohmann::json& seeds = r.raw("seeds");
  if (seeds.is_null()) return;
  SweepAxis axis;
  ErrorList& errors = r.errors();
  const std::string at = r.child("seeds");
  const auto add_seeds = [&](const nlohmann::json& list, const std::string& where) {
    if (!list.is_array() || list.empty()) {
      errors.add(where, "expected a non-empty list of seeds (integers >= 0), found " + describe_json(list));
      return;
    }
    for (size_t i = 0; i < list.size(); ++i) {
      if (list[i].is_number_integer() && list[i].get<int64_t>() >= 0) axis.values.push_back(list[i]);
      else errors.add(where + "/" + std::to_string(i), "expected a seed (an integer >= 0), found " + describe_json(list[i]));
    }
  };
  if (seeds.is_array()) {
    add_seeds(seeds, at);
    axis.pointers = default_seed_pointers(spec.base);
  } else if (seeds.is_object()) {
    JsonReader s(seeds, at, errors);
    if (s.has("values")) {
      add_seeds(s.raw("values"), s.child("values"));
    } else {
      const int64_t from = s.integer("from", 1, 0), count = s.required_integer("count", 1, static_cast<int64_t>(kMaxAxisValues));
      for (int64_t i = 0; i < count; ++i) axis.values.push_back(static_cast<uint64_t>(from + i));
    }
    if (s.has("pointers")) read_pointers(s, axis);
    else axis.pointers = default_seed_pointers(spec.base);
    s.reject_unknown_keys();
  } else {
    errors.add(at, "expected a list of seeds such as [1, 2, 3] or {\"count\": 3}, found " + describe_json(seeds));
  }
  spec.axes.push_back(std::move(axis));
  spec.has_seed_axis = true;
}

void read_base(JsonReader& r, SweepSpec& spec, const std::string& dir) {
  const nlohmann::json& base = r.raw("base");
  if (base.is_object()) {
    spec.base = base;
    spec.base_dir = dir;
  } else if (base.is_string() && !base.get<std::string>().empty()) {
    std::filesystem::path path = base.get<std::string>();
    if (path.is_relative()) path = std::filesystem::path(dir) / path;
    try {
      spec.base = read_json_file(path.string());
      spec.base_dir = std::filesystem::absolute(path).parent_path().string();
    } catch (const InputError& e) {
      r.errors().add(r.child("base"), e.what());
    }
  } else {
    r.errors().add(r.child("base"), "expected a scenario file (relative to the sweep file) or a scenario object, found " +
                                        describe_json(base));
  }
}

uint64_t fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

SweepSpec parse_sweep(const nlohmann::json& j, const std::string& dir, const std::string& where) {
  ErrorList errors;
  if (!j.is_object()) {
    errors.add("", "expected a sweep object {\"base\": ..., \"axes\": [...]}, found " + describe_json(j));
    errors.throw_if_any(where);
  }
  JsonReader r(j, "", errors);
  SweepSpec spec;
  spec.name = r.string("name", "sweep");
  r.string("description", "");
  read_base(r, spec, dir);
  spec.zip = r.choice("combine", "product", {"product", "zip"}) == "zip";
  const nlohmann::json& axes = r.raw("axes");
  if (!axes.is_array() || axes.empty()) {
    errors.add("/axes", "expected a non-empty list of axes such as {\"pointer\": \"/cluster/replicas\", \"values\": [1, 2, 4]}, "
                        "found " + describe_json(axes));
  } else {
    for (size_t i = 0; i < axes.size(); ++i) {
      JsonReader a(axes[i], "/axes/" + std::to_string(i), errors);
      if (!axes[i].is_object()) {
        errors.add(a.pointer(), "expected an axis {\"pointer\": ..., \"values\": [...]}, found " + describe_json(axes[i]));
        continue;
      }
      SweepAxis axis;
      read_pointers(a, axis);
      read_values(a, axis);
      a.reject_unknown_keys();
      spec.axes.push_back(std::move(axis));
    }
  }
  if (spec.zip && errors.empty()) {
    for (size_t i = 1; i < spec.axes.size(); ++i)
      if (spec.axes[i].values.size() != spec.axes[0].values.size())
        errors.add("/axes/" + std::to_string(i), "has " + std::to_string(spec.axes[i].values.size()) +
                                                     " values, /axes/0 has " + std::to_string(spec.axes[0].values.size()) +
                                                     ": zipped axes need as many values each");
  }
  read_seeds(r, spec);
  r.reject_unknown_keys();
  errors.throw_if_any(where);
  return spec;
}

SweepSpec load_sweep(const std::string& path) {
  const nlohmann::json j = read_json_file(path);
  return parse_sweep(j, std::filesystem::absolute(path).parent_path().string(), path);
}

nlohmann::json SweepSpec::to_json() const {
  // A sweep file again (parse_sweep reads it back to the same points), with everything expanded.
  nlohmann::json j = {{"name", name}, {"base", base}, {"combine", zip ? "zip" : "product"}, {"axes", nlohmann::json::array()}};
  for (size_t i = 0; i < axes.size(); ++i) {
    const nlohmann::json axis = {{"pointers", axes[i].pointers}, {"values", axes[i].values}};
    if (has_seed_axis && i + 1 == axes.size()) j["seeds"] = axis;
    else j["axes"].push_back(axis);
  }
  return j;
}

std::vector<SweepPoint> enumerate_points(const SweepSpec& spec) {
  // Each "row" picks one value index per axis: zipped axes move together, the seed axis is a
  // product with them.
  const size_t plain = spec.axes.size() - (spec.has_seed_axis ? 1 : 0);
  std::vector<size_t> sizes;  // of the digits of the mixed-radix counter, most significant first
  if (spec.zip && plain > 0) sizes.push_back(spec.axes[0].values.size());
  else
    for (size_t i = 0; i < plain; ++i) sizes.push_back(spec.axes[i].values.size());
  if (spec.has_seed_axis) sizes.push_back(spec.axes.back().values.size());
  size_t total = 1;
  for (size_t s : sizes) {
    if (s != 0 && total > kMaxSweepPoints / s)
      throw InputError("the sweep has more than " + std::to_string(kMaxSweepPoints) + " points: expected fewer axis values");
    total *= s;
  }
  const std::string base_dump = spec.base.dump();
  std::vector<SweepPoint> points(total);
  std::vector<size_t> digit(sizes.size(), 0);
  for (size_t p = 0; p < total; ++p) {
    SweepPoint& point = points[p];
    point.index = p;
    for (size_t a = 0; a < spec.axes.size(); ++a) {
      const bool seed = spec.has_seed_axis && a + 1 == spec.axes.size();
      const size_t d = seed ? sizes.size() - 1 : (spec.zip ? 0 : a);
      for (const std::string& ptr : spec.axes[a].pointers) point.overrides.emplace_back(ptr, spec.axes[a].values[digit[d]]);
    }
    try {
      point.hash = scenario_hash(resolve_point(spec, point));
    } catch (const InputError&) {
      // The point fails when run; its identity is still its base and overrides.
      point.hash = scenario_hash({{"base", base_dump}, {"overrides", overrides_json(point)}});
    }
    for (size_t d = sizes.size(); d-- > 0;) {
      if (++digit[d] < sizes[d]) break;
      digit[d] = 0;
    }
  }
  return points;
}

nlohmann::json resolve_point(const SweepSpec& spec, const SweepPoint& point) {
  nlohmann::json j = spec.base;
  for (const auto& [pointer, value] : point.overrides) {
    try {
      apply_override(j, pointer + "=" + value.dump());
    } catch (const InputError& e) {
      std::string message = e.what();
      if (message.rfind("--set ", 0) == 0) message = "override " + message.substr(6);
      throw InputError(message);
    }
  }
  return j;
}

std::string scenario_hash(const nlohmann::json& resolved) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a(resolved.dump())));
  return hex;
}

nlohmann::json overrides_json(const SweepPoint& point) {
  nlohmann::json o = nlohmann::json::object();
  for (const auto& [pointer, value] : point.overrides) o[pointer] = value;
  return o;
}

}  // namespace kvsim
