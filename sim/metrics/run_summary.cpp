#include "metrics/run_summary.h"

#include <cmath>
#include <fstream>

#include "core/error.h"

namespace kvsim {

namespace {

nlohmann::json to_json(const CostSummary& c) {
  const ReuseEconomics& r = c.reuse;
  return {{"num_gpus", c.num_gpus},
          {"usd_per_gpu_hour", c.usd_per_gpu_hour},
          {"gpu_hours", c.gpu_hours},
          {"usd_gpu", c.usd_gpu},
          {"usd_storage", c.usd_storage},
          {"usd_transfer", c.usd_transfer},
          {"usd_total", c.usd_total},
          {"usd_per_million_tokens", c.usd_per_million_tokens},
          {"usd_per_million_input_tokens", c.usd_per_million_input_tokens},
          {"usd_per_million_output_tokens", c.usd_per_million_output_tokens},
          {"reuse", {{"gpu_seconds_saved", r.gpu_seconds_saved},
                     {"usd_gpu_saved", r.usd_gpu_saved},
                     {"usd_storage", r.usd_storage},
                     {"usd_transfer", r.usd_transfer},
                     {"usd_net_saved", r.usd_net_saved},
                     {"gpu_busy_hours", r.gpu_busy_hours},
                     {"usd_gpu_busy", r.usd_gpu_busy}}}};
}

nlohmann::json to_json(const LinkTraffic& t) {
  return {{"transfers", t.transfers}, {"gb", t.gb}, {"busy_s", t.busy_s}, {"queued_s", t.queued_s}};
}

nlohmann::json to_json(const KvTiersSummary& k) {
  nlohmann::json tiers = nlohmann::json::array();
  for (const TierSummary& t : k.tiers)
    tiers.push_back({{"name", t.name},
                     {"kind", t.kind},
                     {"shared", t.shared},
                     {"stores", t.stores},
                     {"eviction_policy", t.eviction_policy},
                     {"hit_blocks", t.hit_blocks},
                     {"block_hit_rate", t.block_hit_rate},
                     {"loaded_blocks", t.loaded_blocks},
                     {"writes", t.writes},
                     {"refreshes", t.refreshes},
                     {"evictions", t.evictions},
                     {"expirations", t.expirations},
                     {"peak_blocks_sum", t.peak_blocks_sum},
                     {"gb_read", t.gb_read},
                     {"gb_written", t.gb_written},
                     {"gb_months", t.gb_months},
                     {"usd_storage", t.usd_storage},
                     {"usd_transfer", t.usd_transfer}});
  nlohmann::json links = nlohmann::json::object();
  for (const auto& [name, l] : k.links_per_gpu) links[name] = {{"to_gpu", to_json(l.to_gpu)}, {"from_gpu", to_json(l.from_gpu)}};
  const SwapSummary& sw = k.swap;
  return {{"config", k.config},
          {"tiers", tiers},
          {"gpu_hit_blocks", k.gpu_hit_blocks},
          {"query_blocks", k.query_blocks},
          {"block_hit_rate_gpu", k.block_hit_rate_gpu},
          {"block_hit_rate_found", k.block_hit_rate_found},
          {"block_hit_rate_reused", k.block_hit_rate_reused},
          {"loads", k.loads},
          {"loaded_blocks", k.loaded_blocks},
          {"declined_blocks", k.declined_blocks},
          {"mean_load_s", k.mean_load_s},
          {"recompute_seconds_saved_by_loads", k.recompute_seconds_saved_by_loads},
          {"offload_batches", k.offload_batches},
          {"offloaded_blocks", k.offloaded_blocks},
          {"swap", {{"outs", sw.outs},
                    {"ins", sw.ins},
                    {"blocks", sw.blocks},
                    {"refused", sw.refused},
                    {"step_seconds_added", sw.step_seconds_added}}},
          {"links_per_gpu", links}};
}

nlohmann::json to_json(const ResponseCacheSummary& c) {
  return {{"lookups", c.lookups},
          {"hits", c.hits},
          {"exact_hits", c.exact_hits},
          {"semantic_hits", c.semantic_hits},
          {"hit_rate", c.hit_rate},
          {"exact_hit_rate", c.exact_hit_rate},
          {"semantic_hit_rate", c.semantic_hit_rate},
          {"expired", c.expired},
          {"stored", c.stored},
          {"evictions", c.evictions},
          {"latency_s", c.latency_s},
          {"semantic_latency_s", c.semantic_latency_s},
          {"usd_per_gpu_request", c.usd_per_gpu_request},
          {"usd_saved", c.usd_saved}};
}

nlohmann::json to_json(const DisaggPoolSummary& p) {
  return {{"replicas", p.replicas},
          {"gpu", p.gpu},
          {"tensor_parallel", p.tensor_parallel},
          {"pipeline_parallel", p.pipeline_parallel},
          {"gpus", p.gpus},
          {"usd_per_gpu_hour", p.usd_per_gpu_hour},
          {"usd_per_hour", p.usd_per_hour},
          {"num_gpu_blocks_per_replica", p.num_gpu_blocks_per_replica},
          {"busy_fraction", p.busy_fraction},
          {"mean_waiting", p.mean_waiting},
          {"peak_waiting", p.peak_waiting},
          {"kv_used_fraction_mean", p.kv_used_fraction_mean},
          {"prefix_hit_rate", p.prefix_hit_rate},
          {"link_gb_per_s", p.link_gb_per_s},
          {"link_utilization", p.link_utilization}};
}

nlohmann::json to_json(const DisaggregationSummary& d) {
  const KvTransferSummary& t = d.kv_transfer;
  nlohmann::json stages = {{"prefill_queue", d.prefill_queue_s.to_json()},
                           {"prefill", d.prefill_s.to_json()},
                           {"decode_queue", d.decode_queue_s.to_json()},
                           {"transfer", d.transfer_s.to_json()}};
  if (d.first_decode_step_s) stages["first_decode_step"] = d.first_decode_step_s->to_json();
  return {{"first_token", d.first_token},
          {"ttft_includes", d.ttft_includes},
          {"pools", {{"prefill", to_json(d.prefill)}, {"decode", to_json(d.decode)}}},
          {"kv_transfer", {{"link", t.link},
                           {"latency_us", t.latency_us},
                           {"efficiency", t.efficiency},
                           {"fabric_gb_per_s", t.fabric_gb_per_s},
                           {"overlap", t.overlap},
                           {"kv_bytes_per_token", t.kv_bytes_per_token},
                           {"transfers_started", t.transfers_started},
                           {"transfers_completed", t.transfers_completed},
                           {"bytes_sent", t.bytes_sent},
                           {"bytes_received", t.bytes_received},
                           {"time_s", t.time_s.to_json()}}},
          {"stage_s", stages},
          {"finished_at_prefill", d.finished_at_prefill}};
}

}  // namespace

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
  if (s.kv_tiers) j["kv_tiers"] = to_json(*s.kv_tiers);
  if (s.response_cache) j["response_cache"] = to_json(*s.response_cache);
  if (!s.fleet.is_null()) j["fleet"] = s.fleet;
  if (s.disaggregation) j["disaggregation"] = to_json(*s.disaggregation);
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

LinkTraffic link_traffic(const nlohmann::json& j) {
  return {number(j, "transfers"), number(j, "gb"), number(j, "busy_s"), number(j, "queued_s")};
}

KvTiersSummary kv_tiers(const nlohmann::json& j) {
  KvTiersSummary k;
  k.config = member(j, "config");
  const nlohmann::json& tiers = member(j, "tiers");
  if (tiers.is_array())
    for (const nlohmann::json& t : tiers) {
      TierSummary& ts = k.tiers.emplace_back();
      ts.name = text(t, "name");
      ts.kind = text(t, "kind");
      ts.shared = member(t, "shared").is_boolean() && member(t, "shared").get<bool>();
      ts.stores = count(t, "stores");
      ts.eviction_policy = text(t, "eviction_policy");
      ts.hit_blocks = count(t, "hit_blocks");
      ts.block_hit_rate = number(t, "block_hit_rate");
      ts.loaded_blocks = count(t, "loaded_blocks");
      ts.writes = count(t, "writes");
      ts.refreshes = count(t, "refreshes");
      ts.evictions = count(t, "evictions");
      ts.expirations = count(t, "expirations");
      ts.peak_blocks_sum = count(t, "peak_blocks_sum");
      ts.gb_read = number(t, "gb_read");
      ts.gb_written = number(t, "gb_written");
      ts.gb_months = number(t, "gb_months");
      ts.usd_storage = number(t, "usd_storage");
      ts.usd_transfer = number(t, "usd_transfer");
    }
  k.gpu_hit_blocks = count(j, "gpu_hit_blocks");
  k.query_blocks = count(j, "query_blocks");
  k.block_hit_rate_gpu = number(j, "block_hit_rate_gpu");
  k.block_hit_rate_found = number(j, "block_hit_rate_found");
  k.block_hit_rate_reused = number(j, "block_hit_rate_reused");
  k.loads = count(j, "loads");
  k.loaded_blocks = count(j, "loaded_blocks");
  k.declined_blocks = count(j, "declined_blocks");
  k.mean_load_s = number(j, "mean_load_s");
  k.recompute_seconds_saved_by_loads = number(j, "recompute_seconds_saved_by_loads");
  k.offload_batches = count(j, "offload_batches");
  k.offloaded_blocks = count(j, "offloaded_blocks");
  const nlohmann::json& sw = member(j, "swap");
  k.swap = {count(sw, "outs"), count(sw, "ins"), count(sw, "blocks"), count(sw, "refused"),
            number(sw, "step_seconds_added")};
  const nlohmann::json& links = member(j, "links_per_gpu");
  if (links.is_object())
    for (const auto& [name, l] : links.items())
      k.links_per_gpu[name] = {link_traffic(member(l, "to_gpu")), link_traffic(member(l, "from_gpu"))};
  return k;
}

ResponseCacheSummary response_cache(const nlohmann::json& j) {
  ResponseCacheSummary c;
  c.lookups = count(j, "lookups");
  c.hits = count(j, "hits");
  c.exact_hits = count(j, "exact_hits");
  c.semantic_hits = count(j, "semantic_hits");
  c.hit_rate = number(j, "hit_rate");
  c.exact_hit_rate = number(j, "exact_hit_rate");
  c.semantic_hit_rate = number(j, "semantic_hit_rate");
  c.expired = count(j, "expired");
  c.stored = count(j, "stored");
  c.evictions = count(j, "evictions");
  c.latency_s = number(j, "latency_s");
  c.semantic_latency_s = number(j, "semantic_latency_s");
  c.usd_per_gpu_request = number(j, "usd_per_gpu_request");
  c.usd_saved = number(j, "usd_saved");
  return c;
}

DisaggPoolSummary disagg_pool(const nlohmann::json& j) {
  DisaggPoolSummary p;
  p.replicas = count(j, "replicas");
  p.gpu = text(j, "gpu");
  p.tensor_parallel = count(j, "tensor_parallel");
  p.pipeline_parallel = count(j, "pipeline_parallel");
  p.gpus = count(j, "gpus");
  p.usd_per_gpu_hour = number(j, "usd_per_gpu_hour");
  p.usd_per_hour = number(j, "usd_per_hour");
  p.num_gpu_blocks_per_replica = count(j, "num_gpu_blocks_per_replica");
  p.busy_fraction = number(j, "busy_fraction");
  p.mean_waiting = number(j, "mean_waiting");
  p.peak_waiting = count(j, "peak_waiting");
  p.kv_used_fraction_mean = number(j, "kv_used_fraction_mean");
  p.prefix_hit_rate = number(j, "prefix_hit_rate");
  p.link_gb_per_s = number(j, "link_gb_per_s");
  p.link_utilization = number(j, "link_utilization");
  return p;
}

DisaggregationSummary disaggregation(const nlohmann::json& j) {
  DisaggregationSummary d;
  d.first_token = text(j, "first_token");
  const nlohmann::json& includes = member(j, "ttft_includes");
  if (includes.is_array())
    for (const nlohmann::json& stage : includes)
      if (stage.is_string()) d.ttft_includes.push_back(stage.get<std::string>());
  const nlohmann::json& pools = member(j, "pools");
  d.prefill = disagg_pool(member(pools, "prefill"));
  d.decode = disagg_pool(member(pools, "decode"));
  const nlohmann::json& t = member(j, "kv_transfer");
  KvTransferSummary& k = d.kv_transfer;
  k.link = text(t, "link");
  k.latency_us = number(t, "latency_us");
  k.efficiency = number(t, "efficiency");
  k.fabric_gb_per_s = number(t, "fabric_gb_per_s");
  k.overlap = text(t, "overlap");
  k.kv_bytes_per_token = number(t, "kv_bytes_per_token");
  k.transfers_started = count(t, "transfers_started");
  k.transfers_completed = count(t, "transfers_completed");
  k.bytes_sent = number(t, "bytes_sent");
  k.bytes_received = number(t, "bytes_received");
  k.time_s = distribution(member(t, "time_s"));
  const nlohmann::json& stages = member(j, "stage_s");
  d.prefill_queue_s = distribution(member(stages, "prefill_queue"));
  d.prefill_s = distribution(member(stages, "prefill"));
  d.decode_queue_s = distribution(member(stages, "decode_queue"));
  d.transfer_s = distribution(member(stages, "transfer"));
  if (member(stages, "first_decode_step").is_object())
    d.first_decode_step_s = distribution(member(stages, "first_decode_step"));
  d.finished_at_prefill = count(j, "finished_at_prefill");
  return d;
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
  const nlohmann::json& reuse = member(c, "reuse");
  ReuseEconomics& r = cost.reuse;
  r.gpu_seconds_saved = number(reuse, "gpu_seconds_saved");
  r.usd_gpu_saved = number(reuse, "usd_gpu_saved");
  r.usd_storage = number(reuse, "usd_storage");
  r.usd_transfer = number(reuse, "usd_transfer");
  r.usd_net_saved = number(reuse, "usd_net_saved");
  r.gpu_busy_hours = number(reuse, "gpu_busy_hours");
  r.usd_gpu_busy = number(reuse, "usd_gpu_busy");
  if (const nlohmann::json& k = member(j, "kv_tiers"); k.is_object()) s.kv_tiers = kv_tiers(k);
  if (const nlohmann::json& rc = member(j, "response_cache"); rc.is_object()) s.response_cache = response_cache(rc);
  s.fleet = member(j, "fleet");
  if (const nlohmann::json& d = member(j, "disaggregation"); d.is_object()) s.disaggregation = disaggregation(d);
  s.perf_model = member(j, "perf_model");
  s.workload_source = text(member(j, "workload"), "source");
  s.scenario = member(j, "scenario");
  s.kvsim_version = text(j, "kvsim_version");
  return s;
}

}  // namespace kvsim
