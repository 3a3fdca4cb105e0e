#include "workload/workload_config.h"

#include <cmath>

#include "workload/text_number.h"
#include "workload/trace_formats.h"

namespace kvsim {

namespace {

using nlohmann::json;

const std::vector<std::string> kDistKinds = {"fixed", "uniform", "lognormal", "zipf", "trace"};

std::string quoted_list(const std::vector<std::string>& options) {
  std::string list;
  for (const auto& o : options) list += (list.empty() ? "\"" : ", \"") + o + "\"";
  return list;
}

// choice() for a field that has no default.
std::string required_choice(JsonReader& r, const std::string& key,
                            const std::vector<std::string>& options) {
  if (!r.has(key)) {
    r.raw(key);  // known key
    r.errors().add(r.child(key), "expected one of " + quoted_list(options) + ", found nothing (required)");
    return "";
  }
  return r.choice(key, "", options);
}

// A number in (0, max]; every error states that range.
double positive_number(JsonReader& r, const std::string& key, double def, double max) {
  const json& raw = r.raw(key);
  if (raw.is_null()) return def;
  if (!raw.is_number() || !(raw.get<double>() > 0 && raw.get<double>() <= max)) {
    r.errors().add(r.child(key), "expected a number in (0, " + format_number(max) + "], found " + describe_json(raw));
    return def;
  }
  return raw.get<double>();
}

uint32_t count32(JsonReader& r, const std::string& key, uint32_t def, uint32_t min) {
  return static_cast<uint32_t>(r.integer(key, def, min, UINT32_MAX));
}

uint32_t required_count32(JsonReader& r, const std::string& key, uint32_t min) {
  return static_cast<uint32_t>(r.required_integer(key, min, UINT32_MAX));
}

ArrivalConfig parse_arrivals(JsonReader& a) {
  ArrivalConfig c;
  const std::string process = a.choice("process", "poisson", {"poisson", "gamma"});
  c.process = process == "gamma" ? ArrivalConfig::Process::kGamma : ArrivalConfig::Process::kPoisson;
  c.rate = a.required_number("rate", ArrivalConfig::kMinRate, ArrivalConfig::kMaxRate);
  if (c.process == ArrivalConfig::Process::kGamma)
    c.cv = a.number("cv", 1.0, ArrivalConfig::kMinCv, ArrivalConfig::kMaxCv);
  a.reject_unknown_keys();
  return c;
}

LengthDist parse_length(JsonReader& parent, const std::string& key, bool allow_trace) {
  LengthDist d;
  d.pointer = parent.child(key);
  const json& raw = parent.raw(key);
  if (raw.is_number()) {  // a bare number is shorthand for {"dist": "fixed", "value": n}
    if (raw.is_number_unsigned() && raw.get<uint64_t>() >= 1 && raw.get<uint64_t>() <= UINT32_MAX)
      d.value = static_cast<uint32_t>(raw.get<uint64_t>());
    else
      parent.errors().add(d.pointer, "expected a token count >= 1 or a distribution object, found " +
                                         describe_json(raw));
    return d;
  }
  if (raw.is_null()) {
    parent.errors().add(d.pointer, "expected a length distribution such as {\"dist\": \"fixed\", "
                                   "\"value\": 100}, found nothing (required)");
    return d;
  }
  JsonReader r(raw, d.pointer, parent.errors());
  if (!raw.is_object()) return d;
  const size_t errors_before = r.errors().errors().size();
  const std::string kind = required_choice(r, "dist", kDistKinds);
  if (kind == "fixed") {
    d.kind = LengthDist::Kind::kFixed;
    d.value = required_count32(r, "value", 1);
  } else if (kind == "uniform") {
    d.kind = LengthDist::Kind::kUniform;
    d.min = required_count32(r, "min", 1);
    d.max = required_count32(r, "max", 1);
  } else if (kind == "lognormal") {
    d.kind = LengthDist::Kind::kLognormal;
    d.mean = r.number("mean", 0, 0);
    d.median = r.number("median", 0, 0);
    d.sigma = r.required_number("sigma", 0, 100);
    d.min = count32(r, "min", 1, 1);
    d.max = count32(r, "max", LengthDist::kDefaultMax, 1);
  } else if (kind == "zipf") {
    d.kind = LengthDist::Kind::kZipf;
    d.s = positive_number(r, "s", 1.0, 100);
    if (!r.has("s")) r.errors().add(r.child("s"), "expected a number in (0, 100], found nothing (required)");
    d.min = count32(r, "min", 1, 1);
    d.max = required_count32(r, "max", 1);
  } else if (kind == "trace") {
    d.kind = LengthDist::Kind::kTrace;
    if (!allow_trace) r.errors().add(r.child("dist"), "a trace cannot give this quantity; use fixed, uniform, lognormal or zipf");
    d.format = required_choice(r, "format", trace_format_names());
    d.path = r.required_string("path");
    d.reservoir = count32(r, "reservoir", d.reservoir, 1);
  }
  r.reject_unknown_keys();
  if (r.errors().errors().size() == errors_before && !kind.empty()) {
    const std::string problem = validate(d);
    if (!problem.empty()) r.errors().add(d.pointer, problem);
  }
  return d;
}

TraceConfig parse_trace(JsonReader& t) {
  TraceConfig c;
  c.pointer = t.pointer();
  c.format = required_choice(t, "format", trace_format_names());
  c.path = t.required_string("path");
  if (t.has("path") && t.raw("path").is_string() && c.path.empty())
    t.errors().add(t.child("path"), "expected the trace file, found an empty string");
  c.window.speed = t.number("speed", 1.0, 1e-6, 1e6);
  c.window.start_s = t.number("start_s", 0.0, 0, kMaxSimSeconds);
  c.window.end_s = t.number_or_inf("end_s", INFINITY, 0);
  if (c.window.end_s <= c.window.start_s)
    t.errors().add(t.child("end_s"), "expected a time after start_s (" +
                                         format_number(c.window.start_s) + " s), found " +
                                         describe_json(t.raw("end_s")));
  c.window.max_requests = static_cast<uint64_t>(t.integer("max_requests", 0, 0));
  c.seed = static_cast<uint64_t>(t.integer("seed", 1, 0));
  if (t.has("arrivals")) {
    JsonReader a = t.object("arrivals");
    c.arrivals = parse_arrivals(a);
  }
  if (t.has("burstgpt")) {
    JsonReader b = t.object("burstgpt");
    if (c.format != "burstgpt" && !c.format.empty())
      t.errors().add(t.child("burstgpt"), "applies only to \"format\": \"burstgpt\", not \"" + c.format + "\"");
    c.burstgpt.model = b.string("model", "");
    c.burstgpt.log_type = b.string("log_type", "");
    c.burstgpt.skip_failed = b.boolean("skip_failed", false);
    b.reject_unknown_keys();
  }
  t.reject_unknown_keys();
  return c;
}

SyntheticConfig parse_synthetic(JsonReader& s) {
  SyntheticConfig c;
  c.seed = static_cast<uint64_t>(s.integer("seed", 1, 0));
  c.num_requests = static_cast<uint64_t>(s.integer("num_requests", 0, 0));
  c.duration_s = s.number_or_inf("duration_s", INFINITY, 0);
  if (s.has("duration_s") && c.duration_s == 0)
    s.errors().add(s.child("duration_s"), "expected a number > 0 or \"inf\", found 0");
  if (c.num_requests == 0 && std::isinf(c.duration_s))
    s.errors().add(s.pointer(), "set \"num_requests\" or \"duration_s\", or the workload never ends");
  if (!s.has("arrivals")) {
    s.raw("arrivals");
    s.errors().add(s.child("arrivals"), "expected an object such as {\"process\": \"poisson\", "
                                        "\"rate\": 10}, found nothing (required)");
  } else {
    JsonReader a = s.object("arrivals");
    c.arrivals = parse_arrivals(a);
  }
  c.prompt_tokens = parse_length(s, "prompt_tokens", true);
  c.output_tokens = parse_length(s, "output_tokens", true);
  if (s.has("system_prompt")) {
    JsonReader p = s.object("system_prompt");
    c.system_prompt.fraction = p.number("fraction", 0.0, 0, 1);
    c.system_prompt.tokens = c.system_prompt.fraction > 0 ? required_count32(p, "tokens", 1)
                                                          : count32(p, "tokens", 0, 0);
    c.system_prompt.count = count32(p, "count", 1, 1);
    p.reject_unknown_keys();
  }
  if (s.has("sessions")) {
    JsonReader q = s.object("sessions");
    SessionConfig& ses = c.sessions;
    ses.fraction = q.number("fraction", 0.0, 0, 1);
    if (ses.fraction > 0 || q.has("turns")) ses.turns = parse_length(q, "turns", false);
    if (ses.fraction > 0 || q.has("user_tokens")) ses.user_tokens = parse_length(q, "user_tokens", true);
    ses.think_time_s = q.number("think_time_s", ses.think_time_s, 0, 1e6);
    ses.assumed_tpot_s = q.number("assumed_tpot_s", ses.assumed_tpot_s, 0, 100);
    ses.max_prompt_tokens = count32(q, "max_prompt_tokens", 0, 0);
    q.reject_unknown_keys();
  }
  s.reject_unknown_keys();
  return c;
}

json inf_or(double v) { return std::isinf(v) ? json("inf") : json(v); }

json arrivals_json(const ArrivalConfig& a) {
  json j = {{"process", process_name(a.process)}, {"rate", a.rate}};
  if (a.process == ArrivalConfig::Process::kGamma) j["cv"] = a.cv;
  return j;
}

json length_json(const LengthDist& d) {
  json j = {{"dist", kind_name(d.kind)}};
  switch (d.kind) {
    case LengthDist::Kind::kFixed: j["value"] = d.value; break;
    case LengthDist::Kind::kUniform: j["min"] = d.min; j["max"] = d.max; break;
    case LengthDist::Kind::kLognormal:
      if (d.median > 0) j["median"] = d.median;
      else j["mean"] = d.mean;
      j["sigma"] = d.sigma;
      j["min"] = d.min;
      j["max"] = d.max;
      break;
    case LengthDist::Kind::kZipf: j["s"] = d.s; j["min"] = d.min; j["max"] = d.max; break;
    case LengthDist::Kind::kTrace:
      j["format"] = d.format;
      j["path"] = d.path;
      j["reservoir"] = d.reservoir;
      break;
  }
  return j;
}

}  // namespace

WorkloadConfig parse_workload(JsonReader& r) {
  WorkloadConfig w;
  const bool has_trace = r.has("trace"), has_synthetic = r.has("synthetic");
  if (has_trace == has_synthetic)
    r.errors().add(r.pointer(), std::string("expected exactly one of \"trace\" and \"synthetic\", found ") +
                                    (has_trace ? "both" : "neither"));
  if (has_trace) {
    JsonReader t = r.object("trace");
    w.trace = parse_trace(t);
  }
  if (has_synthetic) {
    JsonReader s = r.object("synthetic");
    w.synthetic = parse_synthetic(s);
  }
  r.reject_unknown_keys();
  return w;
}

json workload_to_json(const WorkloadConfig& config) {
  json j = json::object();
  if (config.trace) {
    const TraceConfig& t = *config.trace;
    json tj = {{"format", t.format},
               {"path", t.path},
               {"speed", t.window.speed},
               {"start_s", t.window.start_s},
               {"end_s", inf_or(t.window.end_s)},
               {"max_requests", t.window.max_requests},
               {"seed", t.seed}};
    if (t.arrivals) tj["arrivals"] = arrivals_json(*t.arrivals);
    if (t.format == "burstgpt")
      tj["burstgpt"] = {{"model", t.burstgpt.model},
                        {"log_type", t.burstgpt.log_type},
                        {"skip_failed", t.burstgpt.skip_failed}};
    j["trace"] = tj;
  }
  if (config.synthetic) {
    const SyntheticConfig& s = *config.synthetic;
    json sj = {{"seed", s.seed},
               {"num_requests", s.num_requests},
               {"duration_s", inf_or(s.duration_s)},
               {"arrivals", arrivals_json(s.arrivals)},
               {"prompt_tokens", length_json(s.prompt_tokens)},
               {"output_tokens", length_json(s.output_tokens)},
               {"system_prompt",
                {{"fraction", s.system_prompt.fraction},
                 {"tokens", s.system_prompt.tokens},
                 {"count", s.system_prompt.count}}}};
    json ses = {{"fraction", s.sessions.fraction},
                {"think_time_s", s.sessions.think_time_s},
                {"assumed_tpot_s", s.sessions.assumed_tpot_s},
                {"max_prompt_tokens", s.sessions.max_prompt_tokens}};
    ses["turns"] = length_json(s.sessions.turns);
    ses["user_tokens"] = length_json(s.sessions.user_tokens);
    sj["sessions"] = ses;
    j["synthetic"] = sj;
  }
  return j;
}

}  // namespace kvsim
