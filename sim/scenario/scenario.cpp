#include "scenario/scenario.h"

#include <filesystem>
#include <fstream>
#include <type_traits>

#include "cluster/response_cache.h"
#include "cluster/router.h"
#include "core/error.h"
#include "core/excerpt.h"
#include "core/json_text.h"
#include "core/json_reader.h"
#include "kv/eviction_registry.h"
#include "kv/tiers/tier_spec.h"
#include "kv/token_budget.h"
#include "perf/deployment_layout.h"
#include "perf/memory_plan.h"
#include "perf/step_model_factory.h"
#include "scenario/scenario_choices.h"
#include "workload/text_number.h"

namespace kvsim {

namespace {

// The value of an enumerated field, from the one list of options and defaults.
std::string read_choice(JsonReader& r, const std::string& key) {
  const ScenarioChoice& c = scenario_choice(r.child(key));
  return r.choice(key, c.default_value, c.options);
}
// The same, where the default depends on other fields.
std::string read_choice(JsonReader& r, const std::string& key, const std::string& def) {
  return r.choice(key, def, scenario_choice(r.child(key)).options);
}
template <typename T>
T read_number(JsonReader& r, const std::string& key, T min, T max) {
  const double def = scenario_number(r.child(key)).default_value;
  if constexpr (std::is_integral_v<T>) return static_cast<T>(r.integer(key, static_cast<int64_t>(def), min, max));
  else return static_cast<T>(r.number(key, def, min, max));
}

void read_engine(JsonReader& e, Scenario& s, uint32_t model_max_len) {
  ReplicaConfig& c = s.replica;
  const std::string batching = read_choice(e, "batching");
  c.batching = batching == "static" ? Batching::kStatic : batching == "orca" ? Batching::kOrca : Batching::kContinuous;
  c.block_size = static_cast<uint32_t>(read_number<int64_t>(e, "block_size", 1, 1024));
  c.max_model_len = static_cast<uint32_t>(e.integer("max_model_len", model_max_len, 1, 1 << 24));
  c.scheduler.max_num_seqs = static_cast<uint32_t>(read_number<int64_t>(e, "max_num_seqs", 1, 1 << 20));
  c.scheduler.max_num_batched_tokens = static_cast<uint32_t>(read_number<int64_t>(e, "max_num_batched_tokens", 1, 1 << 26));
  c.scheduler.enable_chunked_prefill = e.boolean("enable_chunked_prefill", c.batching == Batching::kContinuous);
  c.scheduler.long_prefill_token_threshold = static_cast<uint32_t>(e.integer("long_prefill_token_threshold", 0, 0, 1 << 26));
  c.scheduler.policy = read_choice(e, "scheduling_policy") == "priority" ? SchedulingPolicy::kPriority
                                                                       : SchedulingPolicy::kFcfs;
  const std::string layout = read_choice(e, "kv_layout", c.batching == Batching::kContinuous ? "paged" : "contiguous");
  c.kv_layout = layout == "contiguous" ? KvLayout::kContiguous : KvLayout::kPaged;
  c.scheduler.preemption_mode = read_choice(e, "preemption_mode") == "swap"
                                    ? PreemptionMode::kSwap
                                    : PreemptionMode::kRecompute;
  if (c.batching == Batching::kOrca) {
    // Orca schedules whole prompts each iteration with no token budget.
    c.scheduler.enable_chunked_prefill = false;
    c.scheduler.max_num_batched_tokens = static_cast<uint32_t>(
        std::min<uint64_t>(uint64_t{c.max_model_len} * c.scheduler.max_num_seqs, 1u << 30));
  }
  if (c.batching == Batching::kContinuous && !c.scheduler.enable_chunked_prefill &&
      c.scheduler.max_num_batched_tokens < c.max_model_len) {
    e.errors().add(e.child("max_num_batched_tokens"),
                   "expected >= max_model_len (" + std::to_string(c.max_model_len) +
                       ") when enable_chunked_prefill is false, as vLLM requires, found " +
                       std::to_string(c.scheduler.max_num_batched_tokens));
  }
  if (c.max_model_len > model_max_len) {
    e.errors().add(e.child("max_model_len"), "expected at most the model's max_position_embeddings (" +
                                                 std::to_string(model_max_len) + "), found " +
                                                 std::to_string(c.max_model_len));
  }
}

// The KV features that need paged blocks, prefix caching, or its absence.
void validate_kv_features(const Scenario& s, ErrorList& errors) {
  const ReplicaConfig& c = s.replica;
  const bool paged = c.kv_layout == KvLayout::kPaged;
  if (!c.kv_tiers.empty()) {
    if (!paged || !c.enable_prefix_caching)
      errors.add("/kv_cache/tiers", "KV tiers hold prefix-cached blocks: they need engine.kv_layout \"paged\" and "
                                    "kv_cache.enable_prefix_caching true");
    if (c.batching == Batching::kStatic)
      errors.add("/kv_cache/tiers", "KV tiers need continuous or orca batching (static batching looks up no prefix)");
    bool shared_above = false;
    for (size_t t = 0; t < c.kv_tiers.tiers.size(); ++t) {
      if (!(c.kv_tiers.tiers[t].ttl_s <= kMaxSimSeconds))
        errors.add("/kv_cache/tiers/" + std::to_string(t) + "/ttl_s",
                   "expected a number in [0, " + format_number(kMaxSimSeconds) + "] (100 years), found " +
                       format_number(c.kv_tiers.tiers[t].ttl_s));
      if (shared_above && !c.kv_tiers.tiers[t].shared)
        errors.add("/kv_cache/tiers/" + std::to_string(t) + "/shared",
                   "expected true: a tier below a shared tier must be shared too (a shared store spills into it)");
      shared_above = shared_above || c.kv_tiers.tiers[t].shared;
    }
  }
  if ((c.radix_tree || c.kv_ttl_s > 0) && !paged)
    errors.add(c.radix_tree ? "/kv_cache/prefix_index" : "/kv_cache/ttl_s", "needs engine.kv_layout \"paged\"");
  if (c.scheduler.token_budget.active()) {
    if (!paged) errors.add("/kv_cache/token_budget", "token eviction needs engine.kv_layout \"paged\"");
    if (c.enable_prefix_caching)
      errors.add("/kv_cache/token_budget", "token eviction needs kv_cache.enable_prefix_caching false: a compressed "
                                           "sequence's KV depends on its attention scores, not only its tokens, so it "
                                           "cannot be shared by prefix hash");
  }
  if (c.scheduler.preemption_mode == PreemptionMode::kSwap && (!paged || c.batching == Batching::kStatic))
    errors.add("/engine/preemption_mode", "swap preemption needs paged KV and continuous or orca batching");
}

}  // namespace

namespace {

// What a disaggregated pool must be: paged, continuously batched, without KV tiers or swapping
// (a pool's KV moves between replicas by the transfer network alone).
void check_disagg_pool(const Scenario& p, const std::string& at, ErrorList& errors) {
  const ReplicaConfig& rc = p.replica;
  if (rc.batching != Batching::kContinuous || rc.kv_layout != KvLayout::kPaged)
    errors.add(at, "disaggregated pools need engine.batching \"continuous\" and engine.kv_layout \"paged\"");
  if (!rc.kv_tiers.empty() || rc.scheduler.preemption_mode == PreemptionMode::kSwap)
    errors.add(at, "disaggregation does not combine with KV tiers or swap preemption yet (/kv_cache/tiers, "
                   "/engine/preemption_mode)");
}

// The two pools of cluster.disaggregation, each the scenario with the pool's settings merged in
// (objects key by key, as a JSON merge patch) and the pool's replicas.
void build_disagg_pools(const nlohmann::json& j, Scenario& s, const Catalog& catalog, ErrorList& errors) {
  const std::string at = "/cluster/disaggregation";
  if (s.fleet.elastic())
    errors.add(at, "disaggregation does not combine with autoscaling or spot capacity yet (/cluster/autoscaling, "
                   "/cluster/spot)");
  const auto build = [&](const DisaggPool& pool, const char* name) -> std::shared_ptr<const Scenario> {
    nlohmann::json pj = j;
    nlohmann::json cluster = {{"replicas", pool.replicas}};
    if (j["cluster"].contains("router")) cluster["router"] = j["cluster"]["router"];
    pj["cluster"] = cluster;
    // A pool on another GPU pays that GPU's price unless it says its own.
    if (pool.overrides.contains("gpu") && pj.contains("cost") && pj["cost"].is_object()) pj["cost"].erase("usd_per_gpu_hour");
    for (const auto& [k, v] : pool.overrides.items()) {
      if (k == "router") pj["cluster"]["router"] = v;
      else if (v.is_object() && pj.contains(k) && pj[k].is_object()) pj[k].merge_patch(v);
      else pj[k] = v;
    }
    const std::string pool_at = at + "/" + name;
    try {
      auto p = std::make_shared<Scenario>(parse_scenario(pj, s.base_dir, catalog, "the " + std::string(name) + " pool"));
      check_disagg_pool(*p, pool_at, errors);
      return p;
    } catch (const InputError& e) {
      errors.add(pool_at, std::string("the scenario with this pool's settings merged in is not valid: ") + e.what());
      return nullptr;
    }
  };
  s.prefill_pool = build(s.disagg.prefill, "prefill");
  s.decode_pool = build(s.disagg.decode, "decode");
  if (!s.prefill_pool || !s.decode_pool) return;
  // The KV moves block for block: both pools hold it in the same layout.
  if (s.prefill_pool->replica.block_size != s.decode_pool->replica.block_size)
    errors.add(at, "the pools' engine.block_size differ (" + std::to_string(s.prefill_pool->replica.block_size) + " and " +
                       std::to_string(s.decode_pool->replica.block_size) + "): the KV moves block for block");
  if (s.prefill_pool->deployment.kv_dtype != s.decode_pool->deployment.kv_dtype)
    errors.add(at, "the pools' deployment.kv_dtype differ: the KV moves as it is");
  if (s.disagg.link.link == "nvlink" && s.disagg.link.gpu_bytes_per_s <= 0 && s.disagg.link.replica_bytes_per_s <= 0 &&
      (s.prefill_pool->gpu.nvlink_bytes_per_s <= 0 || s.decode_pool->gpu.nvlink_bytes_per_s <= 0))
    errors.add(at + "/kv_transfer/link", "a pool's GPU has no NVLink in the catalog: give gpu_gb_per_s or another link");
}

}  // namespace

Scenario parse_scenario(const nlohmann::json& j, const std::string& base_dir, const Catalog& catalog,
                        const std::string& where, const std::vector<std::string>& overrides) {
  ErrorList errors;
  JsonReader r(j, "", errors);
  Scenario s;
  s.json = j;
  s.base_dir = base_dir;
  s.name = r.string("name", "unnamed");
  r.string("description", "");
  s.seed = static_cast<uint64_t>(r.integer("seed", 1, 0));

  // "model" names a catalog entry, or is one inline (the catalog's file format plus its "name"),
  // for a model the catalog lacks.
  const nlohmann::json& model_field = r.raw("model");
  std::string model_name;
  bool have_specs = true;
  // A missing name or one not a string is reported by required_string; an empty one by the catalog.
  const auto is_name = [&j](const char* key) { return j.is_object() && j.contains(key) && j[key].is_string(); };
  if (model_field.is_object()) {
    nlohmann::json entry = model_field;
    model_name = entry.value("name", std::string());
    entry.erase("name");
    if (model_name.empty()) errors.add("/model/name", "expected the model's name (a non-empty string) in an inline model");
    try {
      if (!model_name.empty()) s.model = parse_llm_spec(entry, model_name, "/model");
    } catch (const InputError& e) {
      errors.add("/model", e.what());
      have_specs = false;
    }
  } else {
    model_name = r.required_string("model");
    try {
      if (is_name("model")) s.model = catalog.llm(model_name);
    } catch (const InputError& e) {
      errors.add("/model", e.what());
      have_specs = false;
    }
  }
  const std::string gpu_name = r.required_string("gpu");
  try {
    if (is_name("gpu")) s.gpu = catalog.gpu(gpu_name);
  } catch (const InputError& e) {
    errors.add("/gpu", e.what());
    have_specs = false;
  }
  have_specs = have_specs && (model_field.is_object() ? !model_name.empty() : is_name("model")) && is_name("gpu");

  JsonReader d = r.object("deployment");
  s.deployment.tensor_parallel = read_number<uint32_t>(d, "tensor_parallel", 1, 64);
  s.deployment.pipeline_parallel = read_number<uint32_t>(d, "pipeline_parallel", 1, 64);
  s.deployment.weight_dtype = parse_dtype(read_choice(d, "weight_dtype"));
  s.deployment.kv_dtype = parse_dtype(read_choice(d, "kv_dtype"));
  s.deployment.sparsity_2_4 = d.boolean("sparsity_2_4", false);
  s.deployment.expert_parallel = d.boolean("expert_parallel", false);
  d.reject_unknown_keys();

  JsonReader c = r.object("cluster");
  const bool has_replicas = c.has("replicas");
  s.num_replicas = read_number<uint32_t>(c, "replicas", 1, 100000);
  s.router_config = parse_router_config(c.raw("router"), c.child("router"), errors, s.router);
  s.fleet = parse_fleet(c, has_replicas, s.num_replicas);
  s.disagg = parse_disaggregation(c, has_replicas, s.num_replicas);
  c.reject_unknown_keys();

  JsonReader e = r.object("engine");
  read_engine(e, s, have_specs ? s.model.max_position_embeddings : (1u << 24));
  const double mem_util = read_number<double>(e, "gpu_memory_utilization", 0.05, 1.0);
  const int64_t blocks_override = e.integer("num_gpu_blocks_override", 0, 0, 1 << 30);
  const double activation_override = e.number("activation_reserve_gib", -1, -1, 1e6);
  // What the requests are sampled with: the checkpoint's generation_config.json as vLLM's default
  // --generation-config auto applies it ("vllm": vLLM's own defaults), then engine.sampling field
  // by field, as a request's own parameters override the server's defaults.
  if (read_choice(e, "generation_config") == "auto" && have_specs)
    if (const GenerationConfig* g = find_generation_config(s.model, model_name)) s.sampling = g->sampling;
  {
    JsonReader sampling = e.object("sampling");
    s.sampling.read(sampling);
    sampling.reject_unknown_keys();
  }
  e.reject_unknown_keys();

  JsonReader kv = r.object("kv_cache");
  s.replica.enable_prefix_caching = kv.boolean("enable_prefix_caching", s.replica.kv_layout == KvLayout::kPaged);
  s.replica.eviction_policy = read_choice(kv, "eviction_policy");
  s.replica.eviction_params = kv.raw("eviction_params");
  make_eviction_policy(s.replica.eviction_policy, s.replica.eviction_params, errors, "/kv_cache/eviction_params");
  s.replica.radix_tree = read_choice(kv, "prefix_index") == "radix";
  s.replica.kv_ttl_s = kv.number("ttl_s", 0, 0, kMaxSimSeconds);
  s.replica.kv_tiers = parse_kv_tiers(kv, s.gpu);
  s.replica.scheduler.token_budget = parse_token_budget(kv);
  kv.reject_unknown_keys();
  if (s.replica.kv_layout == KvLayout::kContiguous && s.replica.enable_prefix_caching)
    errors.add("/kv_cache/enable_prefix_caching", "expected false with engine.kv_layout \"contiguous\" "
                                                  "(prefix caching needs paged blocks), found true");
  validate_kv_features(s, errors);

  JsonReader slo = r.object("slo");
  s.slo.ttft_s = slo.number("ttft_s", 0, 0);
  s.slo.tpot_s = slo.number("tpot_s", 0, 0);
  s.slo.e2e_s = slo.number("e2e_s", 0, 0);
  slo.reject_unknown_keys();

  JsonReader m = r.object("metrics");
  s.timeseries_interval_s = m.number("timeseries_interval_s", 1.0, 1e-3, 1e6);
  m.reject_unknown_keys();

  JsonReader cost = r.object("cost");
  const double price = cost.number("usd_per_gpu_hour", -1, 0);
  cost.reject_unknown_keys();
  s.usd_per_gpu_hour = price >= 0 ? price : s.gpu.usd_per_gpu_hour;
  s.fleet.usd_per_gpu_hour = s.usd_per_gpu_hour;
  s.fleet.gpus_per_replica = s.gpus_per_replica();
  if (s.fleet.elastic() && (!s.replica.kv_tiers.empty() || s.replica.scheduler.preemption_mode == PreemptionMode::kSwap))
    errors.add(s.fleet.spot.enabled ? "/cluster/spot" : "/cluster/autoscaling",
               "an elastic fleet does not combine with KV tiers or swap preemption yet (/kv_cache/tiers, "
               "/engine/preemption_mode): replicas that go away would leave KV transfers in flight");

  JsonReader w = r.object("workload");
  s.workload = parse_workload(w);

  s.response_cache = parse_response_cache(r.raw("response_cache"), r.child("response_cache"), errors);
  const nlohmann::json& perf = r.raw("perf_model");
  r.reject_unknown_keys();

  if (have_specs) {
    MemoryOptions mo;
    mo.gpu_memory_utilization = mem_util;
    mo.block_size = s.replica.block_size;
    mo.max_num_batched_tokens = s.replica.scheduler.max_num_batched_tokens;
    mo.max_num_seqs = s.replica.scheduler.max_num_seqs;
    mo.max_model_len = s.replica.max_model_len;
    if (activation_override >= 0) mo.activation_reserve_bytes = activation_override * 1024.0 * 1024 * 1024;
    try {
      const MemoryPlan plan = plan_memory(s.model, s.gpu, s.deployment, mo);
      s.memory_plan = plan.to_json();
      s.fleet.weight_bytes_per_gpu = plan.weight_bytes_per_gpu;
      s.replica.num_gpu_blocks = static_cast<uint32_t>(plan.num_gpu_blocks);
    } catch (const InputError& err) {
      if (blocks_override == 0) errors.add("/engine", err.what());
    }
    if (blocks_override > 0) {
      s.replica.num_gpu_blocks = static_cast<uint32_t>(blocks_override);
      s.memory_plan["num_gpu_blocks_override"] = blocks_override;
    }
    // What a block of KV weighs when it moves to or sits in a lower tier (kv dtype included).
    KvTiersConfig& tiers = s.replica.kv_tiers;
    tiers.block_bytes_per_gpu = static_cast<double>(kv_bytes_per_token_per_gpu(s.model, s.deployment)) * s.replica.block_size;
    tiers.block_bytes = static_cast<double>(s.model.kv_bytes_per_token(s.deployment.kv_dtype)) * s.replica.block_size;
    tiers.num_gpus = s.gpus_per_replica();
    tiers.usd_per_gpu_hour = s.usd_per_gpu_hour;
    auto model = make_step_model(perf, s.model, s.gpu, s.deployment, errors, "/perf_model",
                                 s.replica.scheduler.max_num_seqs, &s.engine, s.sampling);
    s.step_model = std::shared_ptr<const StepModel>(std::move(model));
    s.replica.schedule_ahead = s.engine.cpu.async_scheduling;
  }
  if (s.disagg.enabled && errors.empty()) build_disagg_pools(j, s, catalog, errors);
  for (const std::string& o : overrides)
    errors.note_source(o.substr(0, o.find('=')), "value from --set " + quoted_excerpt(o, 60));
  errors.throw_if_any(where);
  return s;
}

namespace {

int json_depth(const nlohmann::json& j) {
  int deepest = 0;
  if (j.is_structured())
    for (const auto& child : j) deepest = std::max(deepest, json_depth(child));
  return j.is_structured() ? deepest + 1 : 0;
}

// The reference tokens of a JSON pointer ("/a/b~1c" -> a, b/c); false on a bad "~" escape.
bool pointer_tokens(const std::string& pointer, std::vector<std::string>& tokens) {
  std::string token;
  for (size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(token);
      token.clear();
    } else if (pointer[i] == '~') {
      if (i + 1 >= pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1')) return false;
      token += pointer[++i] == '0' ? '~' : '/';
    } else {
      token += pointer[i];
    }
  }
  return true;
}

}  // namespace

namespace {

template <class Json>
void apply_override_to(Json& j, const std::string& assignment);

}  // namespace

void apply_override(nlohmann::json& j, const std::string& assignment) { apply_override_to(j, assignment); }

namespace {

template <class Json>
void apply_override_to(Json& j, const std::string& assignment) {
  const std::string where = "--set " + quoted_excerpt(assignment, 80);
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0 || assignment[0] != '/')
    throw InputError(where + ": expected /json/pointer=value, e.g. /engine/max_num_seqs=128");
  const std::string pointer = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  nlohmann::json value;
  JsonTextError error;
  if (!try_parse_json_text(text, value, error)) {
    if (error.kind != JsonTextError::Kind::kSyntax)
      throw InputError(where + ": value, column " + std::to_string(error.column) + ": " + error.describe());
    value = text;  // a bare word is a string
  }
  std::vector<std::string> tokens;
  if (!pointer_tokens(pointer, tokens))
    throw InputError(where + ": bad JSON pointer (write ~0 for ~ and ~1 for / in a key)");
  if (static_cast<int>(tokens.size()) + json_depth(value) > kMaxJsonDepth)
    throw InputError(where + ": nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  Json* at = &j;
  std::string walked;
  for (const std::string& token : tokens) {
    if (at->is_null()) *at = Json::object();
    if (at->is_object()) {
      at = &(*at)[token];
    } else if (at->is_array()) {
      const size_t size = at->size();
      size_t index = size;
      const bool digits = !token.empty() && token.size() <= 9 &&
                          token.find_first_not_of("0123456789") == std::string::npos &&
                          (token == "0" || token[0] != '0');
      if (token != "-") {
        if (!digits)
          throw InputError(where + ": " + (walked.empty() ? "/" : walked) + " is an array: expected an index "
                           "in [0, " + std::to_string(size) + "] or - (to append), found " + quoted_excerpt(token));
        index = std::stoul(token);
      }
      if (index > size)
        throw InputError(where + ": " + (walked.empty() ? "/" : walked) + " has " + std::to_string(size) +
                         " element(s): expected an index in [0, " + std::to_string(size) + "] (" +
                         std::to_string(size) + " or - appends), found " + token);
      if (index == size) at->push_back(nullptr);
      at = &(*at)[index];
    } else {
      throw InputError(where + ": cannot set a field inside " + (walked.empty() ? "/" : walked) + ", which is " +
                       describe_json(nlohmann::json::parse(at->dump())));
    }
    walked = json_pointer_child(walked, token);
  }
  if constexpr (std::is_same_v<Json, nlohmann::json>) *at = std::move(value);
  else *at = Json::parse(value.dump());
}

}  // namespace


Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides, const Catalog& catalog) {
  nlohmann::json j = read_json_file(path);
  for (const auto& o : overrides) apply_override(j, o);
  const std::string base = std::filesystem::absolute(path).parent_path().string();
  Scenario s = parse_scenario(j, base, catalog, path, overrides);
  s.path = path;
  // The same document in the file's key order (it parsed above, so this parse does too).
  std::ifstream in(path, std::ios::binary);
  nlohmann::ordered_json ordered = nlohmann::ordered_json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (ordered.is_object()) {
    for (const auto& o : overrides) apply_override_to(ordered, o);
    s.json_in_order = std::move(ordered);
  }
  return s;
}

}  // namespace kvsim
