#include "run/simulation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <optional>

#include "cluster/response_cache.h"
#include "cluster/router.h"
#include "core/error.h"
#include "kvsim_version.h"
#include "cost/cost.h"
#include "engine/kv_tier_report.h"
#include "engine/replica.h"
#include "run/disagg.h"
#include "run/event_loop.h"
#include "run/fleet.h"
#include "run/output_folder.h"
#include "run/request_pool.h"
#include "workload/text_number.h"

namespace kvsim {

namespace {

// Forwards replica events to the metrics and recycles finished requests.
class Recycler final : public ReplicaObserver {
 public:
  Recycler(MetricsCollector& metrics, RequestPool& pool, ResponseCache* cache)
      : metrics_(metrics), pool_(pool), cache_(cache) {}
  void on_step(uint32_t replica, const SchedulerOutput& out, SimTime start, SimTime end) override {
    metrics_.on_step(replica, out, start, end);
  }
  void on_finished(Request& req) override {
    if (cache_) cache_->store(req.spec, req.finished);
    metrics_.on_finished(req);
    pool_.release(&req);
  }
  void on_dropped(Request& req, const char* reason) override {
    metrics_.on_dropped(req, reason);
    pool_.release(&req);
  }

 private:
  MetricsCollector& metrics_;
  RequestPool& pool_;
  ResponseCache* cache_;
};


// Bytes of memory this process can still take (MemAvailable), or infinity when unknown.
double available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  double kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024;
  return INFINITY;
}

void refuse_what_will_not_fit(const Scenario& sc) {
  const double need = estimated_state_bytes(sc), have = available_memory_bytes();
  if (need <= have) return;
  const auto gib = [](double bytes) { return format_number(std::round(bytes / (1 << 30) * 10) / 10) + " GiB"; };
  const auto mib = [](double bytes) { return format_number(std::round(bytes / (1 << 20) * 10) / 10) + " MiB"; };
  throw InputError("the scenario's " + std::to_string(sc.num_replicas) + " replica(s) need about " + gib(need) +
                   " of memory for their KV bookkeeping (" + mib(need / sc.num_replicas) + " each), more than the " +
                   gib(have) + " available: lower /cluster/replicas, /engine/num_gpu_blocks_override or the tiers' capacity");
}

}  // namespace

namespace {

// The requests the workload can send, or infinity when only the trace knows.
double request_bound(const WorkloadConfig& w) {
  if (w.synthetic && w.synthetic->num_requests > 0) return static_cast<double>(w.synthetic->num_requests);
  if (w.shared_prefix && w.shared_prefix->num_requests > 0) return static_cast<double>(w.shared_prefix->num_requests);
  if (w.trace && w.trace->window.max_requests > 0) return static_cast<double>(w.trace->window.max_requests);
  return INFINITY;
}

}  // namespace

double estimated_state_bytes(const Scenario& sc) {
  constexpr double kBytesPerBlock = 64, kBytesPerReplica = 8 * 1024;
  const ReplicaConfig& rc = sc.replica;
  const double replicas = sc.num_replicas;
  // GPU block records are made on first use under LRU (BlockPool): the fleet makes at most the
  // blocks of every request once, max_model_len tokens each (a recompute without prefix caching
  // may take more). Other policies and the radix tree make every record up front.
  const bool lazy = rc.kv_layout == KvLayout::kPaged && rc.eviction_policy == "lru" && !rc.radix_tree;
  const double request_blocks = std::ceil(static_cast<double>(rc.max_model_len) / std::max(rc.block_size, 1u));
  double gpu_blocks = replicas * rc.num_gpu_blocks;
  if (lazy) gpu_blocks = std::min(gpu_blocks, request_bound(sc.workload) * request_blocks);
  const KvTiersConfig& tiers = rc.kv_tiers;
  double tier_blocks = 0;
  for (const TierSpec& t : tiers.tiers) {
    if (!std::isfinite(t.capacity_bytes) || tiers.block_bytes <= 0) continue;  // grows with the work
    tier_blocks += t.capacity_bytes / tiers.block_bytes * (t.shared ? 1 : replicas);
  }
  return replicas * kBytesPerReplica + (gpu_blocks + tier_blocks) * kBytesPerBlock;
}

RunResult run_scenario(const Scenario& sc, const RunOptions& opt) {
  const auto wall_start = std::chrono::steady_clock::now();
  if (!sc.step_model) throw InputError("the scenario has no step model (it was not validated)");
  refuse_what_will_not_fit(sc);
  // Declared first, so destroyed last: on an exception the files are closed before the folder's
  // destructor removes what was staged.
  std::optional<OutputFolder> folder;
  if (!opt.out_dir.empty()) folder.emplace(opt.out_dir);

  // (An elastic fleet's replicas join the collector as they are made.)
  MetricsCollector metrics(sc.slo, sc.fleet.elastic() ? 0 : sc.num_replicas, from_seconds(sc.engine.frontend.output_s));
  metrics.keep_timeseries(opt.keep_samples);
  if (const ArrivalConfig* arrivals = workload_arrivals(sc.workload)) metrics.set_stages(arrivals->stages);
  RequestPool pool;
  std::unique_ptr<ResponseCache> cache;
  if (sc.response_cache.enabled) {
    cache = std::make_unique<ResponseCache>(sc.response_cache, sc.seed);
    metrics.with_cache_column();
  }
  Recycler recycler(metrics, pool, cache.get());
  std::unique_ptr<RequestSource> source = open_workload(sc.workload, sc.base_dir);
  std::vector<std::unique_ptr<Replica>> replicas;
  const std::vector<std::shared_ptr<TierStore>> shared_tiers = make_shared_tier_stores(sc.replica.kv_tiers);
  std::unique_ptr<Router> router = make_router(sc.router_config, {sc.seed, sc.replica.block_size});
  std::unique_ptr<Fleet> fleet;
  std::unique_ptr<DisaggCluster> disagg;
  ClusterControl* cluster = nullptr;
  if (sc.disagg.enabled) {
    disagg = std::make_unique<DisaggCluster>(sc, replicas, recycler);
    metrics.set_timeseries_extra(disagg.get());
    metrics.set_request_extra(disagg.get());
    cluster = disagg.get();
  } else if (sc.fleet.elastic()) {
    MetricsCollector* m = &metrics;
    fleet = std::make_unique<Fleet>(sc.fleet, sc.seed, replicas, *router, recycler, [&sc, &recycler, m](uint32_t id) {
      m->add_replica();
      return std::make_unique<Replica>(id, sc.replica, *sc.step_model, recycler);
    });
    metrics.set_timeseries_extra(fleet.get());
    fleet->start(sc.num_replicas);
    cluster = fleet.get();
  } else {
    for (uint32_t i = 0; i < sc.num_replicas; ++i)
      replicas.push_back(std::make_unique<Replica>(i, sc.replica, *sc.step_model, recycler, shared_tiers));
  }
  if (folder) metrics.open_outputs(folder->staged(kRequestsFile), folder->staged(kTimeseriesFile));

  ProgressReporter progress(opt.on_progress, opt.progress_interval_s, wall_start);
  EventLoop loop(sc, *source, replicas, *router, metrics, pool, Cancellation(opt.cancel), progress, cluster);
  loop.set_response_cache(cache.get());
  loop.run();
  const SimTime last_activity = loop.last_activity();
  if (metrics.timeseries_rows() == 0 || to_seconds(metrics.last_sample()) < to_seconds(last_activity))
    metrics.sample(last_activity, replicas);
  progress.report(last_activity, metrics.arrived(), metrics.completed() + metrics.dropped());

  RunResult result;
  RunSummary& summary = result.summary;
  summary = metrics.finish(last_activity, replicas);
  finish_kv_tiers(replicas, shared_tiers, last_activity);
  KvTierTotals tier_totals;
  summary.kv_tiers = kv_tiers_summary(sc.replica, replicas, tier_totals);
  CostInputs ci;
  ci.num_gpus = sc.num_replicas * sc.gpus_per_replica();
  ci.usd_per_gpu_hour = sc.usd_per_gpu_hour;
  if (disagg) {  // two pools, each with its GPUs and price: the fleet's mean price per GPU-hour
    ci.num_gpus = disagg->num_gpus();
    ci.usd_per_gpu_hour = disagg->usd_per_hour() / ci.num_gpus;
  }
  ci.simulated_seconds = to_seconds(last_activity);
  ci.input_tokens = metrics.input_tokens();
  ci.output_tokens = metrics.output_tokens();
  ci.storage_usd = tier_totals.storage_usd;
  ci.transfer_usd = tier_totals.transfer_usd;
  if (fleet) {
    ci.fleet_gpu_hours = fleet->gpu_hours(last_activity);
    ci.fleet_gpu_usd = fleet->usd_total(last_activity);
    summary.fleet = fleet->summary(last_activity);
  }
  summary.cost = cost_summary(ci);
  summary.cost.reuse = reuse_economics(replicas, sc.gpus_per_replica(), sc.usd_per_gpu_hour, tier_totals);
  // GPU time actually computing (pay-per-use view; usd_gpu bills the whole provisioned run).
  summary.cost.gpu_busy_hours = summary.engine.busy_fraction * ci.simulated_seconds * ci.num_gpus / 3600.0;
  if (fleet) {  // busy over the replica time held, not over the run x every replica that ever existed
    const double busy_s = summary.engine.busy_fraction * ci.simulated_seconds * static_cast<double>(replicas.size());
    const double held_s = fleet->gpu_hours(last_activity) * 3600.0 / sc.gpus_per_replica();
    summary.engine.busy_fraction = held_s > 0 ? busy_s / held_s : 0.0;
    summary.cost.gpu_busy_hours = busy_s * sc.gpus_per_replica() / 3600.0;
    summary.cost.num_gpus = fleet->counters().peak_serving * sc.gpus_per_replica();
  }
  if (disagg) {
    summary.cost.gpu_busy_hours = disagg->busy_gpu_hours();
    summary.disaggregation = disagg->summary(ci.simulated_seconds);
    // Conservation: every KV byte a prefill replica sent reached its decode replica.
    if (disagg->bytes_sent() != disagg->bytes_received())
      throw std::logic_error("disaggregation: KV bytes sent and received differ at the end of the run");
  }
  summary.cost.usd_gpu_busy = summary.cost.gpu_busy_hours * ci.usd_per_gpu_hour;
  if (cache) {  // a hit saves what the GPUs cost per request they served
    const uint64_t served = metrics.completed() - cache->stats().hits();
    summary.response_cache = cache->summary(served ? summary.cost.usd_gpu / served : 0.0);
  }
  summary.kv.memory_plan = sc.memory_plan;
  summary.perf_model = sc.step_model->describe();
  summary.workload_source = source->describe();
  summary.scenario = sc.json;
  summary.kvsim_version = kVersion;
  for (const auto& rep : replicas) result.kv_block_records += rep->kv_block_records();
  result.timeseries = metrics.timeseries();
  if (opt.keep_samples) {  // (the summary's percentiles left them partly ordered: sort for CDFs)
    result.latencies = std::move(metrics.samples());
    for (std::vector<double>* v : {&result.latencies.ttft, &result.latencies.tpot, &result.latencies.e2e,
                                   &result.latencies.queue})
      std::sort(v->begin(), v->end());
  }
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  result.events = loop.events();
  if (folder) {
    write_summary_json(folder->staged(kSummaryFile), summary, sc.json_in_order);
    folder->publish();
  }
  return result;
}

}  // namespace kvsim
