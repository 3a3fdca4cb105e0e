#include "workload/workload_config.h"

#include <cmath>

#include "workload/text_number.h"
#include "workload/trace_formats.h"

namespace kvsim {

namespace {

using nlohmann::json;

const std::vector<std::string> kDistKinds = {"fixed", "uniform", "lognormal", "zipf", "geometric", "trace"};

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

// "stages": [{"rate": 2.5, "duration_s": 600}, {"rate": 1, "to_rate": 10, "duration_s": 300}]
std::vector<ArrivalStage> parse_stages(JsonReader& a) {
  std::vector<ArrivalStage> stages;
  const std::string pointer = a.child("stages");
  const json& raw = a.raw("stages");
  if (!raw.is_array() || raw.empty()) {
    a.errors().add(pointer, "expected a non-empty array of stages such as [{\"rate\": 2.5, "
                            "\"duration_s\": 600}], found " + describe_json(raw));
    return stages;
  }
  bool any_load = false;
  for (size_t i = 0; i < raw.size(); ++i) {
    JsonReader st(raw[i], json_pointer_child(pointer, std::to_string(i)), a.errors());
    ArrivalStage s;
    s.rate = st.required_number("rate", 0);
    s.to_rate = st.number("to_rate", NAN, 0);  // NaN: not a ramp
    const json& d = st.raw("duration_s");
    if (d.is_number() && d.get<double>() > 0 && std::isfinite(d.get<double>()))
      s.duration_s = d.get<double>();
    else
      a.errors().add(st.child("duration_s"), "expected a finite number > 0 (seconds), found " +
                                                 (d.is_null() ? std::string("nothing (required)") : describe_json(d)));
    st.reject_unknown_keys();
    any_load = any_load || s.rate > 0 || s.end_rate() > 0;
    stages.push_back(s);
  }
  if (!any_load)
    a.errors().add(pointer, "expected at least one stage with a rate > 0, found only rates of 0");
  return stages;
}

ArrivalConfig parse_arrivals(JsonReader& a) {
  ArrivalConfig c;
  const std::string process = a.choice("process", "poisson", {"poisson", "gamma"});
  c.process = process == "gamma" ? ArrivalConfig::Process::kGamma : ArrivalConfig::Process::kPoisson;
  if (a.has("stages")) {
    if (a.has("rate"))
      a.errors().add(a.child("rate"), "expected either \"rate\" or \"stages\", found both");
    a.raw("rate");
    c.stages = parse_stages(a);
  } else {
    c.rate = a.required_number("rate", ArrivalConfig::kMinRate, ArrivalConfig::kMaxRate);
  }
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
  } else if (kind == "geometric") {
    d.kind = LengthDist::Kind::kGeometric;
    d.mean = r.required_number("mean", 1);
    d.min = count32(r, "min", 1, 1);
    d.max = count32(r, "max", LengthDist::kDefaultMax, 1);
  } else if (kind == "trace") {
    d.kind = LengthDist::Kind::kTrace;
    if (!allow_trace) r.errors().add(r.child("dist"), "a trace cannot give this quantity; use fixed, uniform, lognormal, zipf or geometric");
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
    // Stages are times of the run: re-basing or speeding them up would move their boundaries.
    if (!c.arrivals->stages.empty()) {
      if (c.window.speed != 1.0)
        t.errors().add(t.child("speed"), "expected 1 when \"arrivals\" has \"stages\" (the stages set the rate), found " +
                                             describe_json(t.raw("speed")));
      if (c.window.start_s != 0.0)
        t.errors().add(t.child("start_s"), "expected 0 when \"arrivals\" has \"stages\" (they start at 0), found " +
                                               describe_json(t.raw("start_s")));
    }
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

// What a generator's run is made of: its seed, its arrivals and where it ends (the fields the
// synthetic and shared_prefix generators share).
template <typename Config>
void parse_generator_run(JsonReader& s, Config& c) {
  c.seed = static_cast<uint64_t>(s.integer("seed", 1, 0));
  c.num_requests = static_cast<uint64_t>(s.integer("num_requests", 0, 0));
  c.duration_s = s.number_or_inf("duration_s", INFINITY, 0);
  if (s.has("duration_s") && c.duration_s == 0)
    s.errors().add(s.child("duration_s"), "expected a number > 0 or \"inf\", found 0");
  if (!s.has("arrivals")) {
    s.raw("arrivals");
    s.errors().add(s.child("arrivals"), "expected an object such as {\"process\": \"poisson\", "
                                        "\"rate\": 10}, found nothing (required)");
  } else {
    JsonReader a = s.object("arrivals");
    c.arrivals = parse_arrivals(a);
  }
  if (c.num_requests == 0 && std::isinf(c.duration_s) && !s.raw("arrivals").contains("stages"))
    s.errors().add(s.pointer(), "set \"num_requests\", \"duration_s\" or \"arrivals\": {\"stages\": ...}, "
                                "or the workload never ends");
  if (s.has("eos_tokens")) c.eos_tokens = parse_length(s, "eos_tokens", true);
}

SyntheticConfig parse_synthetic(JsonReader& s) {
  SyntheticConfig c;
  parse_generator_run(s, c);
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

// A count under inference-perf's name or its alias (num_unique_system_prompts and
// num_users_per_system_prompt are the names of its serialized configs).
uint32_t count_or_alias(JsonReader& r, const std::string& key, const std::string& alias, uint32_t def) {
  if (r.has(key) && r.has(alias)) {
    r.raw(alias);  // known, but not read
    r.errors().add(r.child(alias), "is another name for \"" + key + "\"; give only one of them");
    return count32(r, key, def, 1);
  }
  if (r.has(alias)) r.raw(key);  // known here, for the list of an unknown key's message
  return count32(r, r.has(alias) ? alias : key, def, 1);
}

SharedPrefixConfig parse_shared_prefix(JsonReader& s) {
  SharedPrefixConfig c;
  parse_generator_run(s, c);
  c.num_groups = count_or_alias(s, "num_groups", "num_unique_system_prompts", c.num_groups);
  c.num_prompts_per_group =
      count_or_alias(s, "num_prompts_per_group", "num_users_per_system_prompt", c.num_prompts_per_group);
  c.system_prompt_len = count32(s, "system_prompt_len", c.system_prompt_len, 0);
  if (s.has("question_len")) c.question_len = parse_length(s, "question_len", true);
  if (s.has("output_len")) c.output_len = parse_length(s, "output_len", true);
  if (s.boolean("enable_multi_turn_chat", false))
    s.errors().add(s.child("enable_multi_turn_chat"),
                   "expected false: inference-perf's multi-turn mode (each user's prompt grows by its "
                   "previous prompt and answer, one round at a time) is not modelled; use a "
                   "\"synthetic\" workload with \"sessions\"");
  s.reject_unknown_keys();
  return c;
}

json inf_or(double v) { return std::isinf(v) ? json("inf") : json(v); }

json arrivals_json(const ArrivalConfig& a) {
  json j = {{"process", process_name(a.process)}};
  if (a.stages.empty()) {
    j["rate"] = a.rate;
  } else {
    json stages = json::array();
    for (const ArrivalStage& st : a.stages) {
      json sj = {{"rate", st.rate}, {"duration_s", st.duration_s}};
      if (st.ramped()) sj["to_rate"] = st.to_rate;
      stages.push_back(sj);
    }
    j["stages"] = stages;
  }
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
    case LengthDist::Kind::kGeometric: j["mean"] = d.mean; j["min"] = d.min; j["max"] = d.max; break;
    case LengthDist::Kind::kTrace:
      j["format"] = d.format;
      j["path"] = d.path;
      j["reservoir"] = d.reservoir;
      break;
  }
  return j;
}

// The fields parse_generator_run reads, written back.
template <typename Config>
json generator_run_json(const Config& c) {
  json j = {{"seed", c.seed},
            {"num_requests", c.num_requests},
            {"duration_s", inf_or(c.duration_s)},
            {"arrivals", arrivals_json(c.arrivals)}};
  if (c.eos_tokens) j["eos_tokens"] = length_json(*c.eos_tokens);
  return j;
}

}  // namespace

WorkloadConfig parse_workload(JsonReader& r) {
  WorkloadConfig w;
  const bool has_trace = r.has("trace"), has_synthetic = r.has("synthetic"),
             has_shared_prefix = r.has("shared_prefix");
  const int kinds = has_trace + has_synthetic + has_shared_prefix;
  if (kinds != 1)
    r.errors().add(r.pointer(), std::string("expected exactly one of \"trace\", \"synthetic\" and "
                                            "\"shared_prefix\", found ") +
                                    (kinds == 0 ? "none" : std::to_string(kinds) + " of them"));
  if (has_trace) {
    JsonReader t = r.object("trace");
    w.trace = parse_trace(t);
  }
  if (has_synthetic) {
    JsonReader s = r.object("synthetic");
    w.synthetic = parse_synthetic(s);
  }
  if (has_shared_prefix) {
    JsonReader s = r.object("shared_prefix");
    w.shared_prefix = parse_shared_prefix(s);
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
    json sj = generator_run_json(s);
    sj["prompt_tokens"] = length_json(s.prompt_tokens);
    sj["output_tokens"] = length_json(s.output_tokens);
    sj["system_prompt"] = {{"fraction", s.system_prompt.fraction},
                           {"tokens", s.system_prompt.tokens},
                           {"count", s.system_prompt.count}};
    json ses = {{"fraction", s.sessions.fraction},
                {"think_time_s", s.sessions.think_time_s},
                {"assumed_tpot_s", s.sessions.assumed_tpot_s},
                {"max_prompt_tokens", s.sessions.max_prompt_tokens}};
    ses["turns"] = length_json(s.sessions.turns);
    ses["user_tokens"] = length_json(s.sessions.user_tokens);
    sj["sessions"] = ses;
    j["synthetic"] = sj;
  }
  if (config.shared_prefix) {
    const SharedPrefixConfig& s = *config.shared_prefix;
    json sj = generator_run_json(s);
    sj["num_groups"] = s.num_groups;
    sj["num_prompts_per_group"] = s.num_prompts_per_group;
    sj["system_prompt_len"] = s.system_prompt_len;
    sj["question_len"] = length_json(s.question_len);
    sj["output_len"] = length_json(s.output_len);
    j["shared_prefix"] = sj;
  }
  return j;
}

}  // namespace kvsim
