#include "run/simulation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <optional>

#include "cluster/router.h"
#include "core/error.h"
#include "core/event_queue.h"
#include "cost/cost.h"
#include "engine/kv_tier_report.h"
#include "engine/replica.h"
#include "run/output_folder.h"
#include "workload/text_number.h"

namespace kvsim {

namespace {

constexpr uint32_t kArrivalTarget = UINT32_MAX;
constexpr uint32_t kSampleTarget = UINT32_MAX - 1;
// Kinds of the events targeted at a replica.
constexpr uint32_t kStepEnd = 0;
constexpr uint32_t kTransferDone = 1;  // a KV transfer completed; payload = its token

// Requests are recycled: a finished request's slot (and its block table's capacity) is reused,
// so a long run allocates nothing per request once warmed up.
class RequestPool {
 public:
  Request* acquire(const RequestSpec& spec) {
    Request* r;
    if (free_.empty()) {
      all_.push_back(std::make_unique<Request>());
      r = all_.back().get();
    } else {
      r = free_.back();
      free_.pop_back();
    }
    r->reset(spec);
    return r;
  }
  void release(Request* r) {
    r->spec.content.hash_ids.reset();
    free_.push_back(r);
  }

 private:
  std::vector<std::unique_ptr<Request>> all_;
  std::vector<Request*> free_;
};

// Forwards replica events to the metrics and recycles finished requests.
class Recycler final : public ReplicaObserver {
 public:
  Recycler(MetricsCollector& metrics, RequestPool& pool) : metrics_(metrics), pool_(pool) {}
  void on_step(uint32_t replica, const SchedulerOutput& out, SimTime start, SimTime end) override {
    metrics_.on_step(replica, out, start, end);
  }
  void on_finished(Request& req) override {
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
};

constexpr const char* kRequestsCsv = "requests.csv";
constexpr const char* kTimeseriesCsv = "timeseries.csv";
constexpr const char* kSummaryJson = "summary.json";

// summary.json; its "scenario" member in the scenario's own key order when that is known (the
// rest of the summary keeps its sorted keys).
void write_summary(const std::string& path, const nlohmann::json& summary, const nlohmann::ordered_json& scenario) {
  std::ofstream out(path);
  if (scenario.is_object()) {
    nlohmann::ordered_json ordered = nlohmann::ordered_json::parse(summary.dump());
    ordered["scenario"] = scenario;
    out << ordered.dump(2) << "\n";
  } else {
    out << summary.dump(2) << "\n";
  }
  out.close();
  if (!out) throw IoError("error writing " + path + " (disk full?)");
}

// Between events nothing changes, so after a sample that followed no event (`quiet`) every row
// repeats it but for its time. A quiet stretch longer than kQuietRows intervals is written as its
// first row and the last one before the next event; the rows between are only counted. Idle time
// then costs nothing, whatever the gap between two requests.
constexpr SimTime kQuietRows = 1000;

SimTime next_sample_time(const EventQueue& queue, SimTime now, SimTime interval, bool quiet,
                         MetricsCollector& metrics) {
  const SimTime gap = queue.top().time - now;
  if (!quiet || gap / interval <= kQuietRows) return now + interval;
  const SimTime intervals = (gap - 1) / interval;  // the last sample strictly before the event
  metrics.count_repeated_rows(static_cast<uint64_t>(intervals - 1));
  return now + intervals * interval;
}

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

  MetricsCollector metrics(sc.slo, sc.num_replicas, from_seconds(sc.engine.frontend.output_s));
  metrics.keep_timeseries(opt.keep_samples);
  if (const ArrivalConfig* arrivals = workload_arrivals(sc.workload)) metrics.set_stages(arrivals->stages);
  RequestPool pool;
  Recycler recycler(metrics, pool);
  if (folder) metrics.open_outputs(folder->staged(kRequestsCsv), folder->staged(kTimeseriesCsv));
  std::unique_ptr<RequestSource> source = open_workload(sc.workload, sc.base_dir);
  std::vector<std::unique_ptr<Replica>> replicas;
  const std::vector<std::shared_ptr<TierStore>> shared_tiers = make_shared_tier_stores(sc.replica.kv_tiers);
  for (uint32_t i = 0; i < sc.num_replicas; ++i)
    replicas.push_back(std::make_unique<Replica>(i, sc.replica, *sc.step_model, recycler, shared_tiers));
  std::unique_ptr<Router> router = make_router(sc.router);

  EventQueue queue;
  RequestSpec next;
  read_first_request(*source, next);
  bool have_next = true;
  // A request reaches the scheduler after the frontend (API server, tokenisation) has handled it;
  // its latencies still count from its arrival.
  const auto engine_arrival = [&sc](const RequestSpec& r) {
    return r.arrival + from_seconds(sc.engine.arrival_delay_s(r.prompt_tokens));
  };
  queue.schedule(engine_arrival(next), kArrivalTarget, 0);
  const SimTime sample_interval = std::max<SimTime>(1, from_seconds(sc.timeseries_interval_s));
  queue.schedule(0, kSampleTarget, 0);
  SimTime last_activity = 0;
  bool quiet = false;  // no event but samples since the last sample
  // KV transfers the replica started complete at known times: wake it then.
  const auto schedule_wakeups = [&queue](Replica& rep) {
    std::vector<Wakeup>* w = rep.wakeups();
    if (w == nullptr || w->empty()) return;
    for (const Wakeup& x : *w) queue.schedule(x.time, rep.id(), kTransferDone, x.token);
    w->clear();
  };

  auto last_report = wall_start;
  uint64_t since_check = 0;
  const auto report = [&](SimTime now) {
    if (!opt.on_progress) return;
    Progress p;
    p.simulated_s = to_seconds(now);
    p.requests_arrived = metrics.arrived();
    p.requests_done = metrics.completed() + metrics.dropped();
    p.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    opt.on_progress(p);
  };

  while (!queue.empty()) {
    const Event ev = queue.pop();
    const SimTime now = ev.time;
    if (ev.target == kArrivalTarget) {
      metrics.on_arrival(next.arrival);
      Request* req = pool.acquire(next);
      Replica& rep = *replicas[router->route(*req, replicas)];
      rep.add_request(req);
      if (!rep.busy()) {
        const SimTime end = rep.begin_step(now);
        if (end != kNever) queue.schedule(end, rep.id(), kStepEnd);
        schedule_wakeups(rep);
      }
      have_next = source->next(next);
      if (have_next) queue.schedule(std::max(engine_arrival(next), now), kArrivalTarget, 0);
      last_activity = now;
    } else if (ev.target == kSampleTarget) {
      metrics.sample(now, replicas);
      if (!queue.empty()) queue.schedule(next_sample_time(queue, now, sample_interval, quiet, metrics), kSampleTarget, 0);
    } else if (ev.kind == kTransferDone) {
      Replica& rep = *replicas[ev.target];
      rep.on_transfer_done(ev.payload, now);
      if (!rep.busy()) {
        const SimTime end = rep.begin_step(now);
        if (end != kNever) queue.schedule(end, rep.id(), kStepEnd);
      }
      schedule_wakeups(rep);
    } else {
      Replica& rep = *replicas[ev.target];
      rep.end_step(now);
      const SimTime end = rep.begin_step(now);
      if (end != kNever) queue.schedule(end, rep.id(), kStepEnd);
      schedule_wakeups(rep);
      last_activity = now;
    }
    quiet = ev.target == kSampleTarget;
    if (++since_check >= 4096) {
      since_check = 0;
      if (opt.cancel && opt.cancel->load(std::memory_order_relaxed)) throw Cancelled();
      const auto wall_now = std::chrono::steady_clock::now();
      if (std::chrono::duration<double>(wall_now - last_report).count() >= opt.progress_interval_s) {
        last_report = wall_now;
        report(now);
      }
    }
  }
  if (metrics.timeseries_rows() == 0 || to_seconds(metrics.last_sample()) < to_seconds(last_activity))
    metrics.sample(last_activity, replicas);
  report(last_activity);

  RunResult result;
  nlohmann::json summary = metrics.finish(last_activity, replicas);
  finish_kv_tiers(replicas, shared_tiers, last_activity);
  KvTierTotals tier_totals;
  const nlohmann::json kv_tiers = kv_tiers_summary(sc.replica, replicas, tier_totals);
  if (!kv_tiers.is_null()) summary["kv_tiers"] = kv_tiers;
  CostInputs ci;
  ci.num_gpus = sc.num_replicas * sc.gpus_per_replica();
  ci.usd_per_gpu_hour = sc.usd_per_gpu_hour;
  ci.simulated_seconds = to_seconds(last_activity);
  ci.input_tokens = metrics.input_tokens();
  ci.output_tokens = metrics.output_tokens();
  ci.storage_usd = tier_totals.storage_usd;
  ci.transfer_usd = tier_totals.transfer_usd;
  summary["cost"] = cost_summary(ci);
  summary["cost"]["reuse"] = reuse_economics(replicas, sc.gpus_per_replica(), sc.usd_per_gpu_hour, tier_totals);
  // GPU time actually computing (pay-per-use view; usd_gpu bills the whole provisioned run).
  const double busy_gpu_hours = summary["engine"].value("busy_fraction", 0.0) * ci.simulated_seconds * ci.num_gpus / 3600.0;
  summary["cost"]["reuse"]["gpu_busy_hours"] = busy_gpu_hours;
  summary["cost"]["reuse"]["usd_gpu_busy"] = busy_gpu_hours * sc.usd_per_gpu_hour;
  summary["kv"]["memory_plan"] = sc.memory_plan;
  summary["perf_model"] = sc.step_model->describe();
  summary["workload"] = {{"source", source->describe()}};
  summary["scenario"] = sc.json;
  summary["kvsim_version"] = "0.1.0";
  result.summary = summary;
  for (const auto& rep : replicas) result.kv_block_records += rep->kv_block_records();
  result.timeseries = metrics.timeseries();
  result.stages = metrics.stage_results();
  if (opt.keep_samples) {  // (the summary's percentiles left them partly ordered: sort for CDFs)
    result.latencies = std::move(metrics.samples());
    for (std::vector<double>* v : {&result.latencies.ttft, &result.latencies.tpot, &result.latencies.e2e,
                                   &result.latencies.queue})
      std::sort(v->begin(), v->end());
  }
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  result.events = queue.events_processed();
  if (folder) {
    write_summary(folder->staged(kSummaryJson), summary, sc.json_in_order);
    folder->publish({kRequestsCsv, kTimeseriesCsv, kSummaryJson});
  }
  return result;
}

}  // namespace kvsim
