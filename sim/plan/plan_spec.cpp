// Reading a plan file, its candidates, and the scenario of each of a candidate's runs.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "core/json_reader.h"
#include "plan/plan_internal.h"
#include "plan/planner.h"
#include "scenario/scenario.h"

namespace kvsim {

namespace {

const std::vector<std::string> kSloMetrics = {"ttft_s", "tpot_s", "e2e_s"};
const std::vector<std::string> kSloStats = {"p50", "p90", "p99", "mean", "max"};

// The candidate lists: plan key, the scenario pointer it sets, and what a value must be.
struct ListField {
  const char* key;
  const char* pointer;
  enum Kind { positive_integer, string, boolean, string_or_object, object_or_null } kind;
  std::vector<nlohmann::json> PlanSpec::*member;
};
const ListField kListFields[] = {
    {"tensor_parallel", "/deployment/tensor_parallel", ListField::positive_integer, &PlanSpec::tensor_parallel},
    {"pipeline_parallel", "/deployment/pipeline_parallel", ListField::positive_integer, &PlanSpec::pipeline_parallel},
    {"weight_dtype", "/deployment/weight_dtype", ListField::string, &PlanSpec::weight_dtype},
    {"kv_dtype", "/deployment/kv_dtype", ListField::string, &PlanSpec::kv_dtype},
    {"max_num_seqs", "/engine/max_num_seqs", ListField::positive_integer, &PlanSpec::max_num_seqs},
    {"max_num_batched_tokens", "/engine/max_num_batched_tokens", ListField::positive_integer, &PlanSpec::max_num_batched_tokens},
    {"enable_prefix_caching", "/kv_cache/enable_prefix_caching", ListField::boolean, &PlanSpec::enable_prefix_caching},
    {"eviction_policy", "/kv_cache/eviction_policy", ListField::string, &PlanSpec::eviction_policy},
    {"router", "/cluster/router", ListField::string_or_object, &PlanSpec::router},
    {"disaggregation", "/cluster/disaggregation", ListField::object_or_null, &PlanSpec::disaggregation},
};
constexpr size_t kDisaggField = 9;  // kListFields' index of "disaggregation"

// A disaggregation candidate: the planner searches the total replicas and the ratio splits them;
// the pools run the candidate's GPU and parallelism (so the fleet's price is the candidate's).
void check_disagg_candidate(const nlohmann::json& v, const std::string& at, ErrorList& errors) {
  if (!v.is_object()) return;
  if (!v.contains("ratio"))
    errors.add(at, "expected a \"ratio\" (\"P:D\"): the planner searches the total replicas and the ratio splits them");
  for (const char* pool : {"prefill", "decode"}) {
    const nlohmann::json* p = v.contains(pool) && v[pool].is_object() ? &v[pool] : nullptr;
    if (!p) continue;
    for (const char* key : {"replicas", "gpu", "deployment", "cost"})
      if (p->contains(key))
        errors.add(at + "/" + pool + "/" + key, std::string("a planned pool takes its ") +
                                                   (std::string(key) == "replicas" ? "replicas from the ratio"
                                                                                    : "GPU, parallelism and price from the candidate") +
                                                   ": remove it (or plan the layout as the base's own)");
  }
}

bool value_fits(const nlohmann::json& v, ListField::Kind kind) {
  switch (kind) {
    case ListField::positive_integer: return v.is_number_integer() && v.get<int64_t>() >= 1;
    case ListField::string: return v.is_string() && !v.get<std::string>().empty();
    case ListField::boolean: return v.is_boolean();
    case ListField::string_or_object: return v.is_object() || (v.is_string() && !v.get<std::string>().empty());
    case ListField::object_or_null: return v.is_object() || v.is_null();
  }
  return false;
}

const char* kind_text(ListField::Kind kind) {
  switch (kind) {
    case ListField::positive_integer: return "an integer >= 1";
    case ListField::string: return "a non-empty string";
    case ListField::boolean: return "true or false";
    case ListField::string_or_object: return "a non-empty string or an object";
    case ListField::object_or_null: return "an object or null";
  }
  return "";
}

// The value at `pointer` in `j`, or null.
nlohmann::json value_at(const nlohmann::json& j, const std::string& pointer) {
  try {
    const nlohmann::json::json_pointer p(pointer);
    if (j.contains(p)) return j.at(p);
  } catch (const std::exception&) {
  }
  return nullptr;
}

// The field growth multiplies: the base workload's arrival rate, or a trace's replay speed.
std::string default_rate_pointer(const nlohmann::json& base) {
  for (const char* kind : {"synthetic", "shared_prefix"}) {
    const std::string p = std::string("/workload/") + kind + "/arrivals/rate";
    if (!value_at(base, p).is_null()) return p;
  }
  if (!value_at(base, "/workload/trace").is_null()) return "/workload/trace/speed";
  return "";
}

void read_slos(JsonReader& r, PlanSpec& spec, bool base_ok) {
  ErrorList& errors = r.errors();
  if (!r.has("slo")) {
    r.raw("slo");
    errors.add("/slo", "expected the SLOs, e.g. {\"ttft_s\": {\"p99\": 1.0}, \"tpot_s\": {\"p99\": 0.05}}, found nothing");
    return;
  }
  JsonReader s = r.object("slo");
  for (const std::string& metric : kSloMetrics) {
    if (!s.has(metric)) continue;
    const nlohmann::json& m = s.raw(metric);
    if (!m.is_object() || m.empty()) {
      errors.add(s.child(metric), "expected {\"p99\": seconds} (any of p50, p90, p99, mean, max), found " + describe_json(m));
      continue;
    }
    JsonReader mr(m, s.child(metric), errors);
    for (const std::string& stat : kSloStats) {
      const nlohmann::json& v = mr.raw(stat);  // (every stat is a known key, for the unknown-key message)
      if (v.is_null()) continue;
      if (v.is_number() && v.get<double>() > 0) spec.slos.push_back({metric, stat, v.get<double>()});
      else errors.add(mr.child(stat), "expected a limit in seconds > 0, found " + describe_json(v));
    }
    mr.reject_unknown_keys();
  }
  spec.min_goodput_fraction = s.number("min_goodput_fraction", 0, 0, 1);
  if (s.has("per_request")) {
    const nlohmann::json& pr = s.raw("per_request");
    JsonReader p(pr, s.child("per_request"), errors);
    for (const std::string& metric : kSloMetrics) p.number(metric, 0, 0);
    p.reject_unknown_keys();
    if (pr.is_object()) spec.base["slo"] = pr;
  }
  s.reject_unknown_keys();
  if (spec.slos.empty() && spec.min_goodput_fraction <= 0 && errors.empty())
    errors.add("/slo", "expected at least one SLO: a latency such as \"ttft_s\": {\"p99\": 1.0} or \"min_goodput_fraction\"");
  if (spec.min_goodput_fraction > 0 && base_ok) {
    const nlohmann::json slo = value_at(spec.base, "/slo");
    bool any = false;
    if (slo.is_object())
      for (const std::string& metric : kSloMetrics) any = any || (slo.contains(metric) && slo[metric].is_number() && slo[metric].get<double>() > 0);
    if (!any)
      errors.add("/slo/min_goodput_fraction", "needs per-request SLOs to count the requests meeting them: expected "
                                              "\"per_request\": {\"ttft_s\": ..., \"tpot_s\": ...} here or an \"slo\" section in the base scenario");
  }
}

void read_gpus(JsonReader& c, PlanSpec& spec, const Catalog& catalog, bool base_ok) {
  ErrorList& errors = c.errors();
  const nlohmann::json& gpus = c.raw("gpus");
  const std::string at = c.child("gpus");
  const auto add = [&](const std::string& name, const std::string& where, double price, double spot, bool has_price) {
    try {
      const GpuSpec gpu = catalog.gpu(name);
      PlanGpu g{gpu.name, has_price ? price : gpu.usd_per_gpu_hour, spot};
      if (!has_price) {  // the base scenario's own price applies to its own GPU
        const nlohmann::json base_price = value_at(spec.base, "/cost/usd_per_gpu_hour");
        const nlohmann::json base_gpu = value_at(spec.base, "/gpu");
        if (base_price.is_number() && base_gpu.is_string() && catalog.gpu(base_gpu.get<std::string>()).name == gpu.name)
          g.usd_per_gpu_hour = base_price.get<double>();
      }
      // A base that buys spot capacity (/cluster/spot) runs every candidate as a spot fleet at
      // that candidate's spot price: its own GPU may take the base's price, others must give one.
      const nlohmann::json base_spot = value_at(spec.base, "/cluster/spot/usd_per_gpu_hour");
      if (value_at(spec.base, "/cluster/spot").is_object() && g.spot_usd_per_gpu_hour < 0) {
        const nlohmann::json base_gpu = value_at(spec.base, "/gpu");
        if (base_spot.is_number() && base_gpu.is_string() && catalog.gpu(base_gpu.get<std::string>()).name == gpu.name)
          g.spot_usd_per_gpu_hour = base_spot.get<double>();
        else
          errors.add(where, "the base scenario buys spot capacity (/base/cluster/spot): give " + gpu.name +
                                "'s spot_usd_per_gpu_hour, as {\"name\": \"" + gpu.name + "\", \"spot_usd_per_gpu_hour\": ...}");
      }
      if (std::any_of(spec.gpus.begin(), spec.gpus.end(), [&](const PlanGpu& o) {
            return o.name == g.name && o.usd_per_gpu_hour == g.usd_per_gpu_hour && o.spot_usd_per_gpu_hour == g.spot_usd_per_gpu_hour;
          }))
        errors.add(where, "\"" + name + "\" is listed twice");
      spec.gpus.push_back(g);
    } catch (const InputError& e) {
      errors.add(where, e.what());
    }
  };
  if (gpus.is_null()) {
    if (!base_ok) return;
    const nlohmann::json base_gpu = value_at(spec.base, "/gpu");
    if (base_gpu.is_string()) add(base_gpu.get<std::string>(), "/base/gpu", 0, -1, false);
    else errors.add(at, "expected a list of GPU names (the base scenario names none)");
    return;
  }
  if (!gpus.is_array() || gpus.empty()) {
    errors.add(at, "expected a non-empty list of GPUs such as [\"H100-SXM\", {\"name\": \"A100-80GB\", \"usd_per_gpu_hour\": 4.1}], found " +
                       describe_json(gpus));
    return;
  }
  for (size_t i = 0; i < gpus.size(); ++i) {
    const std::string where = at + "/" + std::to_string(i);
    if (gpus[i].is_string()) {
      add(gpus[i].get<std::string>(), where, 0, -1, false);
    } else if (gpus[i].is_object()) {
      JsonReader g(gpus[i], where, errors);
      const std::string name = g.required_string("name");
      const bool has_price = g.has("usd_per_gpu_hour");
      const double price = g.number("usd_per_gpu_hour", 0, 0);
      const double spot = g.number("spot_usd_per_gpu_hour", -1, 0);
      g.reject_unknown_keys();
      if (!name.empty()) add(name, g.child("name"), price, spot, has_price);
    } else {
      errors.add(where, "expected a GPU name or {\"name\", \"usd_per_gpu_hour\", \"spot_usd_per_gpu_hour\"}, found " + describe_json(gpus[i]));
    }
  }
}

void read_candidates(JsonReader& r, PlanSpec& spec, const Catalog& catalog, bool base_ok) {
  JsonReader c = r.object("candidates");
  ErrorList& errors = r.errors();
  read_gpus(c, spec, catalog, base_ok);
  for (const ListField& f : kListFields) {
    std::vector<nlohmann::json>& list = spec.*f.member;
    const nlohmann::json& v = c.raw(f.key);
    const std::string at = c.child(f.key);
    if (v.is_null()) {
      list = {nullptr};
      continue;
    }
    const nlohmann::json values = v.is_array() ? v : nlohmann::json::array({v});
    if (values.empty()) errors.add(at, std::string("expected a non-empty list of ") + kind_text(f.kind) + " values, found []");
    for (size_t i = 0; i < values.size(); ++i) {
      if (!value_fits(values[i], f.kind))
        errors.add(v.is_array() ? at + "/" + std::to_string(i) : at, std::string("expected ") + kind_text(f.kind) + ", found " + describe_json(values[i]));
      else if (std::find(list.begin(), list.end(), values[i]) != list.end())
        errors.add(at + "/" + std::to_string(i), values[i].dump() + " is listed twice");
      else
        list.push_back(values[i]);
      if (f.kind == ListField::object_or_null) check_disagg_candidate(values[i], at + "/" + std::to_string(i), errors);
    }
  }
  c.raw("autoscaling");  // read by read_autoscaling_axis once the replica range is known
  c.reject_unknown_keys();
}

void read_replicas(JsonReader& r, PlanSpec& spec) {
  JsonReader p = r.object("replicas");
  spec.min_replicas = static_cast<uint32_t>(p.integer("min", 1, 1, 100000));
  spec.max_replicas = static_cast<uint32_t>(p.integer("max", 64, 1, 100000));
  p.reject_unknown_keys();
  if (spec.max_replicas < spec.min_replicas)
    r.errors().add("/replicas/max", "expected at least \"min\" (" + std::to_string(spec.min_replicas) + "), found " +
                                        std::to_string(spec.max_replicas));
}

void read_growth(JsonReader& r, PlanSpec& spec, bool base_ok) {
  ErrorList& errors = r.errors();
  const nlohmann::json& g = r.raw("growth");
  spec.growth = {1.0};
  if (!g.is_null()) {
    if (!g.is_array() || g.empty()) errors.add("/growth", "expected a list of factors of the workload's rate such as [1, 2, 4], found " + describe_json(g));
    else
      for (size_t i = 0; i < g.size(); ++i) {
        if (!g[i].is_number() || g[i].get<double>() <= 0 || g[i].get<double>() > 1e4)
          errors.add("/growth/" + std::to_string(i), "expected a factor > 0 (at most 10000), found " + describe_json(g[i]));
        else if (std::find(spec.growth.begin() + 1, spec.growth.end(), g[i].get<double>()) != spec.growth.end())
          errors.add("/growth/" + std::to_string(i), "factor " + g[i].dump() + " is listed twice");
        else if (g[i].get<double>() != 1.0)
          spec.growth.push_back(g[i].get<double>());
      }
  }
  spec.rate_pointer = r.string("rate_pointer", default_rate_pointer(spec.base));
  if (spec.growth.size() > 1 && base_ok) {
    if (spec.rate_pointer.empty() || spec.rate_pointer[0] != '/') {
      errors.add(r.has("rate_pointer") ? "/rate_pointer" : "/growth",
                 "growth needs the field that sets the workload's rate: expected \"rate_pointer\" (a JSON pointer such as "
                 "\"/workload/synthetic/arrivals/rate\"); the base has no \"arrivals\": {\"rate\"} or trace");
    } else {
      const nlohmann::json v = value_at(spec.base, spec.rate_pointer);
      const bool speed = spec.rate_pointer.size() >= 6 && spec.rate_pointer.compare(spec.rate_pointer.size() - 6, 6, "/speed") == 0;
      if (!(v.is_number() || (v.is_null() && speed)))
        errors.add(r.has("rate_pointer") ? "/rate_pointer" : "/growth",
                   "growth multiplies the base's " + spec.rate_pointer + ", which is " + (v.is_null() ? std::string("not set") : describe_json(v)) +
                       ": expected a number (arrivals with \"stages\" need a \"rate_pointer\" of their own)");
    }
  }
}

}  // namespace

std::string plan_number(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

std::vector<std::string> plan_metric_keys(const PlanSpec& spec) {
  std::vector<std::string> keys;
  for (const PlanSlo& s : spec.slos) keys.push_back(s.key());
  if (std::find(keys.begin(), keys.end(), spec.frontier_metric) == keys.end()) keys.push_back(spec.frontier_metric);
  return keys;
}

std::string plan_short(double v) {
  if (!std::isfinite(v)) return plan_number(v);
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", v);
  return text;
}

std::string plan_percent(double fraction) {
  if (!std::isfinite(fraction)) return "inf%";
  char text[32];
  std::snprintf(text, sizeof text, "%.0f%%", 100 * fraction);
  return text;
}

PlanSpec parse_plan(const nlohmann::json& j, const std::string& dir, const Catalog& catalog, const std::string& where) {
  ErrorList errors;
  if (!j.is_object()) {
    errors.add("", "expected a plan object {\"base\": ..., \"slo\": {...}, \"candidates\": {...}}, found " + describe_json(j));
    errors.throw_if_any(where);
  }
  PlanSpec spec;
  // The base and the seeds are read as a sweep reads them (same forms, same messages); their
  // problems join the others' in one message, and what needs the base is not checked without it.
  bool base_ok = true;
  size_t sweep_error_count = 0;
  std::string sweep_errors;  // "\n  /base: ..." lines
  {
    nlohmann::json sweep = {{"base", j.contains("base") ? j["base"] : nlohmann::json()},
                            {"axes", nlohmann::json::array({{{"pointer", "/seed"}, {"values", {0}}}})},
                            {"seeds", j.contains("seeds") ? j["seeds"] : nlohmann::json{{"count", 3}}}};
    try {
      const SweepSpec s = parse_sweep(sweep, dir, where);
      spec.base = s.base;
      spec.base_dir = s.base_dir;
      for (const nlohmann::json& seed : s.axes.back().values) spec.seeds.push_back(seed.get<uint64_t>());
      spec.seed_pointers = s.axes.back().pointers;
    } catch (const InputError& e) {  // "WHERE: N errors\n  /base: ...\n  /seeds/1: ..."
      const std::string m = e.what();
      const size_t head = where.size() + 2, nl = m.find('\n');
      sweep_error_count = m.compare(0, head, where + ": ") == 0 ? std::strtoul(m.c_str() + head, nullptr, 10) : 0;
      sweep_errors = nl == std::string::npos ? "\n  " + m : m.substr(nl);
      if (sweep_error_count == 0) sweep_error_count = 1;
      base_ok = sweep_errors.find("\n  /base") == std::string::npos;
    }
  }
  JsonReader r(j, "", errors);
  r.raw("base");
  r.raw("seeds");
  spec.name = r.string("name", "plan");
  r.string("description", "");
  const nlohmann::json& set = r.raw("set");
  if (!set.is_null() && !set.is_object()) errors.add("/set", "expected {\"/json/pointer\": value, ...}, found " + describe_json(set));
  if (set.is_object() && base_ok)
    for (const auto& [pointer, value] : set.items()) {
      try {
        if (pointer.empty() || pointer[0] != '/') throw InputError("expected a JSON pointer such as \"/workload/synthetic/arrivals/rate\"");
        apply_override(spec.base, pointer + "=" + value.dump());
      } catch (const InputError& e) {
        errors.add(json_pointer_child("/set", pointer), e.what());
      }
    }
  read_slos(r, spec, base_ok);
  read_candidates(r, spec, catalog, base_ok);
  read_replicas(r, spec);
  {
    const nlohmann::json& c = r.raw("candidates");
    read_autoscaling_axis(c.is_object() && c.contains("autoscaling") ? c["autoscaling"] : nlohmann::json(), "/candidates/autoscaling",
                          spec, base_ok, errors);
  }
  spec.min_seed_pass_fraction = r.number("min_seed_pass_fraction", 1.0, 1e-9, 1.0);
  read_growth(r, spec, base_ok);
  std::string default_metric = spec.slos.empty() ? "ttft_s.p99" : spec.slos[0].key();
  spec.frontier_metric = r.string("frontier_metric", default_metric);
  {
    const size_t dot = spec.frontier_metric.find('.');
    const std::string m = spec.frontier_metric.substr(0, dot), s = dot == std::string::npos ? "" : spec.frontier_metric.substr(dot + 1);
    if (std::find(kSloMetrics.begin(), kSloMetrics.end(), m) == kSloMetrics.end() ||
        std::find(kSloStats.begin(), kSloStats.end(), s) == kSloStats.end())
      errors.add("/frontier_metric", "expected a latency such as \"ttft_s.p99\" (ttft_s, tpot_s or e2e_s, then p50, p90, p99, mean or max), found " +
                                         describe_json(r.raw("frontier_metric")));
  }
  r.reject_unknown_keys();
  if (sweep_error_count > 0) {
    const size_t n = sweep_error_count + errors.errors().size();
    std::string message = where + ": " + std::to_string(n) + (n == 1 ? " error" : " errors") + sweep_errors;
    for (const std::string& e : errors.errors()) message += "\n  " + e;
    throw InputError(message);
  }
  errors.throw_if_any(where);
  return spec;
}

PlanSpec load_plan(const std::string& path, const Catalog& catalog) {
  const nlohmann::json j = read_json_file(path);
  return parse_plan(j, std::filesystem::absolute(path).parent_path().string(), catalog, path);
}

nlohmann::json PlanSpec::to_json() const {
  nlohmann::json j = {{"name", name}, {"base", base}};
  nlohmann::json slo = nlohmann::json::object();
  for (const PlanSlo& s : slos) slo[s.metric][s.stat] = s.max_s;
  if (min_goodput_fraction > 0) slo["min_goodput_fraction"] = min_goodput_fraction;
  j["slo"] = slo;
  nlohmann::json c = nlohmann::json::object();
  c["gpus"] = nlohmann::json::array();
  for (const PlanGpu& g : gpus) {
    nlohmann::json gj = {{"name", g.name}, {"usd_per_gpu_hour", g.usd_per_gpu_hour}};
    if (g.spot_usd_per_gpu_hour >= 0) gj["spot_usd_per_gpu_hour"] = g.spot_usd_per_gpu_hour;
    c["gpus"].push_back(gj);
  }
  for (const ListField& f : kListFields) {
    const std::vector<nlohmann::json>& list = this->*f.member;
    if (!(list.size() == 1 && list[0].is_null())) c[f.key] = list;
  }
  j["candidates"] = c;
  j["replicas"] = {{"min", min_replicas}, {"max", max_replicas}};
  j["seeds"] = {{"values", seeds}, {"pointers", seed_pointers}};
  j["min_seed_pass_fraction"] = min_seed_pass_fraction;
  j["growth"] = growth;
  if (!rate_pointer.empty()) j["rate_pointer"] = rate_pointer;
  j["frontier_metric"] = frontier_metric;
  write_autoscaling_axis(*this, j);
  return j;
}

std::vector<PlanCandidate> plan_candidates(const PlanSpec& spec) {
  std::vector<const std::vector<nlohmann::json>*> lists;
  for (const ListField& f : kListFields) lists.push_back(&(spec.*f.member));
  std::vector<PlanCandidate> out;
  std::vector<size_t> digit(lists.size(), 0);
  const auto effective = [&](const char* pointer, const nlohmann::json& v, const nlohmann::json& def) {
    if (!v.is_null()) return v;
    const nlohmann::json b = value_at(spec.base, pointer);
    return b.is_null() ? def : b;
  };
  for (const PlanGpu& gpu : spec.gpus) {
    std::fill(digit.begin(), digit.end(), 0);
    for (;;) {
      PlanCandidate c;
      c.index = out.size();
      c.gpu = gpu;
      c.overrides.emplace_back("/gpu", gpu.name);
      c.overrides.emplace_back("/cost/usd_per_gpu_hour", gpu.usd_per_gpu_hour);
      if (value_at(spec.base, "/cluster/spot").is_object() && gpu.spot_usd_per_gpu_hour >= 0)
        c.overrides.emplace_back("/cluster/spot/usd_per_gpu_hour", gpu.spot_usd_per_gpu_hour);
      std::string knobs;
      for (size_t f = 0; f < lists.size(); ++f) {
        const nlohmann::json& v = (*lists[f])[digit[f]];
        if (!v.is_null()) c.overrides.emplace_back(kListFields[f].pointer, v);
        if (f == kDisaggField) {
          if (v.is_object()) c.min_replicas = 2;  // one replica in each pool at least
          if (lists[f]->size() > 1)
            knobs += v.is_object() ? " P:D " + (v.contains("ratio") && v["ratio"].is_string() ? v["ratio"].get<std::string>()
                                                                                                : v.value("ratio", nlohmann::json()).dump())
                                   : value_at(spec.base, "/cluster/disaggregation").is_object() ? " base's P:D" : " colocated";
        } else if (lists[f]->size() > 1 && f >= 4) {  // the engine knobs that vary go into the label
          const nlohmann::json e = effective(kListFields[f].pointer, v, nullptr);
          knobs += std::string(" ") + kListFields[f].key + "=" + (e.is_string() ? e.get<std::string>() : e.dump());
        }
      }
      const nlohmann::json tp = effective("/deployment/tensor_parallel", (*lists[0])[digit[0]], 1);
      const nlohmann::json pp = effective("/deployment/pipeline_parallel", (*lists[1])[digit[1]], 1);
      const nlohmann::json wd = effective("/deployment/weight_dtype", (*lists[2])[digit[2]], "bf16");
      const nlohmann::json kd = effective("/deployment/kv_dtype", (*lists[3])[digit[3]], "fp16");
      const auto as_int = [](const nlohmann::json& v) { return v.is_number_integer() && v.get<int64_t>() > 0 ? v.get<int64_t>() : 1; };
      const auto as_text = [](const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
      c.gpus_per_replica = static_cast<uint32_t>(as_int(tp) * as_int(pp));
      c.label = gpu.name + " TP" + std::to_string(as_int(tp)) + (as_int(pp) > 1 ? " PP" + std::to_string(as_int(pp)) : "") + " " +
                as_text(wd) + "/" + as_text(kd) + knobs;
      if (spec.gpus.size() > 1 && std::count_if(spec.gpus.begin(), spec.gpus.end(), [&](const PlanGpu& g) { return g.name == gpu.name; }) > 1)
        c.label += " at $" + plan_number(gpu.usd_per_gpu_hour) + "/GPU-h";
      out.push_back(std::move(c));
      size_t f = lists.size();
      while (f-- > 0) {
        if (++digit[f] < lists[f]->size()) break;
        digit[f] = 0;
      }
      if (f == static_cast<size_t>(-1)) break;
    }
  }
  return expand_autoscaling_axis(spec, std::move(out));
}

const char* plan_status_name(PlanStatus s) {
  switch (s) {
    case PlanStatus::feasible: return "feasible";
    case PlanStatus::infeasible: return "infeasible";
    case PlanStatus::invalid: return "invalid";
  }
  return "";
}

SweepSpec plan_base_sweep(const PlanSpec& spec) {
  SweepSpec s;
  s.name = spec.name;
  s.base = spec.base;
  s.base_dir = spec.base_dir;
  return s;
}

SweepPoint plan_point(const PlanSpec& spec, const PlanCandidate& candidate, uint32_t replicas, double growth,
                      size_t seed_index) {
  SweepPoint p;
  p.overrides = candidate.overrides;
  add_replica_overrides(spec, candidate, replicas, p);
  if (growth != 1.0 && !spec.rate_pointer.empty()) {
    const nlohmann::json v = value_at(spec.base, spec.rate_pointer);
    const double rate = (v.is_number() ? v.get<double>() : 1.0) * growth;
    char text[32];
    std::snprintf(text, sizeof text, "%.12g", rate);
    const double r = std::strtod(text, nullptr);
    if (std::floor(r) == r && std::fabs(r) < 1e15) p.overrides.emplace_back(spec.rate_pointer, static_cast<int64_t>(r));
    else p.overrides.emplace_back(spec.rate_pointer, r);
  }
  if (seed_index < spec.seeds.size())
    for (const std::string& ptr : spec.seed_pointers) p.overrides.emplace_back(ptr, spec.seeds[seed_index]);
  const SweepSpec base = plan_base_sweep(spec);
  try {
    p.hash = scenario_hash(resolve_point(base, p));
  } catch (const InputError&) {
    p.hash = scenario_hash({{"base", spec.base.dump()}, {"overrides", overrides_json(p)}});
  }
  return p;
}

nlohmann::json plan_candidate_scenario(const PlanSpec& spec, const PlanCandidate& candidate, uint32_t replicas,
                                       double growth, size_t seed_index) {
  return resolve_point(plan_base_sweep(spec), plan_point(spec, candidate, replicas, growth, seed_index));
}

}  // namespace kvsim
