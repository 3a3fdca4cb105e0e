#include "metrics/run_summary.h"

#include <cmath>
#include <fstream>

#include "core/error.h"

namespace kvsim {

nlohmann::json to_json(const RunSummary& s) {
  nlohmann::json j;
  nlohmann::json dropped_reasons = nlohmann::json::object();
  for (const auto& [reason, n] : s.requests.dropped_by_reason) dropped_reasons[reason] = n;
  j["requests"] = {{"arrived", s.requests.arrived},
                   {"completed", s.requests.completed},
                   {"dropped", s.requests.dropped},
                   {"dropped_by_reason", dropped_reasons},
                   {"preempted", s.requests.preempted},
                   {"preemptions", s.requests.preemptions}};
  j["ttft_s"] = s.ttft_s.to_json();
  j["tpot_s"] = s.tpot_s.to_json();
  j["itl_mean_s"] = s.itl_mean_s;
  j["e2e_s"] = s.e2e_s.to_json();
  j["queue_s"] = s.queue_s.to_json();
  if (s.has_stages) j["stages"] = stages_to_json(s.stages);
  const ThroughputSummary& t = s.throughput;
  j["throughput"] = {{"requests_per_s", t.requests_per_s},
                     {"input_tokens_per_s", t.input_tokens_per_s},
                     {"output_tokens_per_s", t.output_tokens_per_s},
                     {"tokens_per_s", t.tokens_per_s}};
  const GoodputSummary& g = s.goodput;
  j["goodput"] = {{"slo", {{"ttft_s", g.slo.ttft_s}, {"tpot_s", g.slo.tpot_s}, {"e2e_s", g.slo.e2e_s}}},
                  {"requests_meeting_slo", g.requests_meeting_slo},
                  {"fraction", g.fraction},
                  {"requests_per_s", g.requests_per_s}};
  const PrefixCacheSummary& p = s.prefix_cache;
  j["prefix_cache"] = {{"admissions", p.admissions},
                       {"query_blocks", p.query_blocks},
                       {"hit_blocks", p.hit_blocks},
                       {"block_hit_rate", p.block_hit_rate},
                       {"query_tokens", p.query_tokens},
                       {"hit_tokens", p.hit_tokens},
                       {"token_hit_rate", p.token_hit_rate},
                       {"evictions", p.evictions},
                       {"cached_tokens_of_completed", p.cached_tokens_of_completed}};
  j["kv"] = {{"blocks_total", s.kv.blocks_total},
             {"blocks_per_replica", s.kv.blocks_per_replica},
             {"mean_utilization", s.kv.mean_utilization},
             {"peak_utilization", s.kv.peak_utilization}};
  j["kv"]["memory_plan"] = s.kv.memory_plan;
  const EngineSummary& e = s.engine;
  j["engine"] = {{"steps", e.steps},
                 {"request_steps", e.request_steps},
                 {"mean_tokens_per_step", e.mean_tokens_per_step},
                 {"prefill_tokens_computed", e.prefill_tokens_computed},
                 {"busy_fraction", e.busy_fraction}};
  j["simulated_seconds"] = s.simulated_seconds;
  if (!s.kv_tiers.is_null()) j["kv_tiers"] = s.kv_tiers;
  if (!s.response_cache.is_null()) j["response_cache"] = s.response_cache;
  if (!s.fleet.is_null()) j["fleet"] = s.fleet;
  if (!s.disaggregation.is_null()) j["disaggregation"] = s.disaggregation;
  j["cost"] = to_json(s.cost);
  j["perf_model"] = s.perf_model;
  j["workload"] = {{"source", s.workload_source}};
  j["scenario"] = s.scenario;
  j["kvsim_version"] = s.kvsim_version;
  return j;
}

void write_summary_json(const std::string& path, const RunSummary& s, const nlohmann::ordered_json& scenario_in_order) {
  const nlohmann::json summary = to_json(s);
  std::ofstream out(path);
  if (scenario_in_order.is_object()) {
    // The same keys in the same (sorted) order, but the scenario's own.
    nlohmann::ordered_json ordered = nlohmann::ordered_json::parse(summary.dump());
    ordered["scenario"] = scenario_in_order;
    out << ordered.dump(2) << "\n";
  } else {
    out << summary.dump(2) << "\n";
  }
  out.close();
  if (!out) throw IoError("error writing " + path + " (disk full?)");
}

namespace {

// The member `key` of `j` when it is an object, else null.
const nlohmann::json& member(const nlohmann::json& j, const char* key) {
  static const nlohmann::json null;
  if (!j.is_object()) return null;
  const auto it = j.find(key);
  return it == j.end() ? null : *it;
}

double number(const nlohmann::json& j, const char* key) {
  const nlohmann::json& v = member(j, key);
  return v.is_number() ? v.get<double>() : 0.0;
}

uint64_t count(const nlohmann::json& j, const char* key) {
  const nlohmann::json& v = member(j, key);
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  const double d = v.is_number() ? v.get<double>() : 0.0;
  return d > 0 && d < 1.8e19 ? static_cast<uint64_t>(d) : 0;
}

std::string text(const nlohmann::json& j, const char* key) {
  const nlohmann::json& v = member(j, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

Distribution distribution(const nlohmann::json& j) {
  Distribution d;
  d.count = count(j, "count");
  d.mean = number(j, "mean");
  d.p50 = number(j, "p50");
  d.p90 = number(j, "p90");
  d.p99 = number(j, "p99");
  d.min = number(j, "min");
  d.max = number(j, "max");
  return d;
}

StageResult stage(const nlohmann::json& j) {
  StageResult r;
  r.index = static_cast<uint32_t>(count(j, "index"));
  r.start_s = number(j, "start_s");
  r.end_s = number(j, "end_s");
  r.rate = number(j, "rate");
  r.to_rate = member(j, "to_rate").is_number() ? number(j, "to_rate") : NAN;
  r.arrived = count(j, "arrived");
  r.completed = count(j, "completed");
  r.dropped = count(j, "dropped");
  r.ttft_s = distribution(member(j, "ttft_s"));
  r.e2e_s = distribution(member(j, "e2e_s"));
  r.tpot_s = distribution(member(j, "tpot_s"));
  r.queue_s = distribution(member(j, "queue_s"));
  r.itl_mean_s = number(j, "itl_mean_s");
  r.output_tokens_mean = number(j, "output_tokens_mean");
  r.prefix_token_hit_rate = number(j, "prefix_token_hit_rate");
  r.queue_first_quarter_s = number(j, "queue_first_quarter_s");
  r.queue_last_quarter_s = number(j, "queue_last_quarter_s");
  r.queue_growth = number(j, "queue_growth");
  r.saturated = member(j, "saturated").is_boolean() && member(j, "saturated").get<bool>();
  return r;
}

}  // namespace

RunSummary summary_from_json(const nlohmann::json& j) {
  RunSummary s;
  const nlohmann::json& rq = member(j, "requests");
  s.requests.arrived = count(rq, "arrived");
  s.requests.completed = count(rq, "completed");
  s.requests.dropped = count(rq, "dropped");
  s.requests.preempted = count(rq, "preempted");
  s.requests.preemptions = count(rq, "preemptions");
  const nlohmann::json& reasons = member(rq, "dropped_by_reason");
  if (reasons.is_object())
    for (const auto& [reason, n] : reasons.items()) s.requests.dropped_by_reason[reason] = count(reasons, reason.c_str());
  s.ttft_s = distribution(member(j, "ttft_s"));
  s.tpot_s = distribution(member(j, "tpot_s"));
  s.e2e_s = distribution(member(j, "e2e_s"));
  s.queue_s = distribution(member(j, "queue_s"));
  s.itl_mean_s = number(j, "itl_mean_s");
  const nlohmann::json& stages = member(j, "stages");
  s.has_stages = stages.is_array();
  if (s.has_stages)
    for (const auto& st : stages) s.stages.push_back(stage(st));
  const nlohmann::json& t = member(j, "throughput");
  s.throughput = {number(t, "requests_per_s"), number(t, "input_tokens_per_s"), number(t, "output_tokens_per_s"),
                  number(t, "tokens_per_s")};
  const nlohmann::json& g = member(j, "goodput");
  const nlohmann::json& slo = member(g, "slo");
  s.goodput.slo = {number(slo, "ttft_s"), number(slo, "tpot_s"), number(slo, "e2e_s")};
  s.goodput.requests_meeting_slo = count(g, "requests_meeting_slo");
  s.goodput.fraction = number(g, "fraction");
  s.goodput.requests_per_s = number(g, "requests_per_s");
  const nlohmann::json& p = member(j, "prefix_cache");
  PrefixCacheSummary& pc = s.prefix_cache;
  pc.admissions = count(p, "admissions");
  pc.query_blocks = count(p, "query_blocks");
  pc.hit_blocks = count(p, "hit_blocks");
  pc.block_hit_rate = number(p, "block_hit_rate");
  pc.query_tokens = count(p, "query_tokens");
  pc.hit_tokens = count(p, "hit_tokens");
  pc.token_hit_rate = number(p, "token_hit_rate");
  pc.evictions = count(p, "evictions");
  pc.cached_tokens_of_completed = count(p, "cached_tokens_of_completed");
  const nlohmann::json& kv = member(j, "kv");
  s.kv.blocks_total = count(kv, "blocks_total");
  s.kv.blocks_per_replica = count(kv, "blocks_per_replica");
  s.kv.mean_utilization = number(kv, "mean_utilization");
  s.kv.peak_utilization = number(kv, "peak_utilization");
  s.kv.memory_plan = member(kv, "memory_plan");
  const nlohmann::json& e = member(j, "engine");
  s.engine.steps = count(e, "steps");
  s.engine.request_steps = count(e, "request_steps");
  s.engine.mean_tokens_per_step = number(e, "mean_tokens_per_step");
  s.engine.prefill_tokens_computed = count(e, "prefill_tokens_computed");
  s.engine.busy_fraction = number(e, "busy_fraction");
  s.simulated_seconds = number(j, "simulated_seconds");
  const nlohmann::json& c = member(j, "cost");
  CostSummary& cost = s.cost;
  cost.num_gpus = static_cast<uint32_t>(count(c, "num_gpus"));
  cost.usd_per_gpu_hour = number(c, "usd_per_gpu_hour");
  cost.gpu_hours = number(c, "gpu_hours");
  cost.usd_gpu = number(c, "usd_gpu");
  cost.usd_storage = number(c, "usd_storage");
  cost.usd_transfer = number(c, "usd_transfer");
  cost.usd_total = number(c, "usd_total");
  cost.usd_per_million_tokens = number(c, "usd_per_million_tokens");
  cost.usd_per_million_input_tokens = number(c, "usd_per_million_input_tokens");
  cost.usd_per_million_output_tokens = number(c, "usd_per_million_output_tokens");
  cost.reuse = member(c, "reuse");
  cost.gpu_busy_hours = number(cost.reuse, "gpu_busy_hours");
  cost.usd_gpu_busy = number(cost.reuse, "usd_gpu_busy");
  if (cost.reuse.is_object()) {
    cost.reuse.erase("gpu_busy_hours");
    cost.reuse.erase("usd_gpu_busy");
  }
  s.kv_tiers = member(j, "kv_tiers");
  s.response_cache = member(j, "response_cache");
  s.fleet = member(j, "fleet");
  s.disaggregation = member(j, "disaggregation");
  s.perf_model = member(j, "perf_model");
  s.workload_source = text(member(j, "workload"), "source");
  s.scenario = member(j, "scenario");
  s.kvsim_version = text(j, "kvsim_version");
  return s;
}

}  // namespace kvsim
