// run_plan: for every candidate and growth factor, the minimum replica count meeting every SLO.
//
// The search per candidate: a first run at the bottom of the range (or, for a growth factor, at
// the previous factor's answer scaled by the ratio of the factors); if it fails with the engine
// saturated, a capacity estimate from its throughput per replica and the workload's offered rate
// jumps towards the answer; then the range is bracketed by steps that double (upwards while
// failing, downwards from the first pass) and closed by bisection, which relies on the SLO metrics
// falling as replicas are added. The answer n is verified: n passes and n-1 fails (both are runs,
// never assumed), and both are run on every seed so the answer carries the fraction of seeds
// passing at n and at n-1. Every simulation goes through the sweep's run_point and is logged in
// points.jsonl, so an interrupted plan resumes where it stopped.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "core/atomic_file.h"
#include "core/error.h"
#include "plan/plan_internal.h"
#include "plan/planner.h"
#include "plan/sweep_results.h"
#include "plan/sweep_runner.h"
#include "scenario/scenario.h"
#include "workload/workload_config.h"

namespace kvsim {

namespace {

// A latency distribution of the summary by its name in summary.json ("ttft_s", "tpot_s", "e2e_s",
// "queue_s"); null for any other name.
const Distribution* distribution_of(const RunSummary& s, const std::string& metric) {
  if (metric == "ttft_s") return &s.ttft_s;
  if (metric == "tpot_s") return &s.tpot_s;
  if (metric == "e2e_s") return &s.e2e_s;
  if (metric == "queue_s") return &s.queue_s;
  return nullptr;
}

// "ttft_s.p99" (a metric, then p50, p90, p99, mean, max or min), or `def` when the summary has no
// such figure.
double summary_value(const RunSummary& s, const std::string& key, double def = 0) {
  const size_t dot = key.find('.');
  const Distribution* d = dot == std::string::npos ? nullptr : distribution_of(s, key.substr(0, dot));
  if (!d) return def;
  const std::string stat = key.substr(dot + 1);
  if (stat == "p50") return d->p50;
  if (stat == "p90") return d->p90;
  if (stat == "p99") return d->p99;
  if (stat == "mean") return d->mean;
  if (stat == "max") return d->max;
  if (stat == "min") return d->min;
  return def;
}

// A run's error without the "point 0: " the sweep's run_point puts before the scenario's errors.
std::string run_error(const nlohmann::json& line) {
  std::string e = line.value("error", std::string());
  const std::string prefix = "point 0: ";
  if (e.rfind(prefix, 0) == 0) e = e.substr(prefix.size());
  return e;
}

// One run as the planner keeps it: its summary (typed: from run_scenario for a run of this call,
// read once with summary_from_json for one resumed from points.jsonl), or its error.
struct RunRecord {
  std::shared_ptr<const RunSummary> summary;  // null: the run is invalid
  std::string error;
};

RunRecord record_of(const nlohmann::json& line, std::optional<RunSummary> summary) {
  RunRecord r;
  if (summary) {
    summary->perf_model = nullptr;  // large, the same for every run of a candidate; not judged
    summary->scenario = nullptr;
    r.summary = std::make_shared<const RunSummary>(std::move(*summary));
  } else {
    r.error = run_error(line);
  }
  return r;
}

// One seed's run, judged against the plan's SLOs.
struct SeedRun {
  bool valid = false;
  bool pass = false;
  std::string error;       // invalid: the scenario's message
  std::string failed;      // the first thing it missed, e.g. "ttft_s.p99 = 3.2 s > 1 s"
  std::string worst;       // the SLO key furthest beyond (or closest to) its limit
  double worst_ratio = 0;  // its value / limit
  std::shared_ptr<const RunSummary> summary;
};

// An invalid seed's figures (a later seed of a valid level can be invalid): every one 0, as an
// empty summary reads.
const RunSummary& figures(const SeedRun& r) {
  static const RunSummary none;
  return r.summary ? *r.summary : none;
}

SeedRun judge(const PlanSpec& spec, const RunRecord& run) {
  SeedRun r;
  if (!run.summary) {
    r.error = run.error;
    return r;
  }
  r.valid = true;
  r.summary = run.summary;
  const RunSummary& s = *r.summary;
  // Dropped requests (longer than max_model_len or than a replica's KV) are not judged here: no
  // replica count changes them. They are reported, and count against min_goodput_fraction.
  r.pass = true;
  for (const PlanSlo& slo : spec.slos) {
    const double v = s.requests.completed > 0 ? summary_value(s, slo.key(), INFINITY) : INFINITY;
    const double ratio = v / slo.max_s;
    if (r.worst.empty() || ratio > r.worst_ratio) {
      r.worst = slo.key();
      r.worst_ratio = ratio;
    }
    if (v > slo.max_s && r.pass) {
      r.pass = false;
      // 3 digits, unless that reads as the limit itself ("1 s > 1 s").
      const std::string value = plan_short(v) == plan_short(slo.max_s) ? plan_number(v) : plan_short(v);
      r.failed = slo.key() + " = " + value + " s > " + plan_number(slo.max_s) + " s";
    }
  }
  if (spec.min_goodput_fraction > 0) {
    const double g = s.goodput.fraction;
    const double ratio = g > 0 ? spec.min_goodput_fraction / g : INFINITY;
    if (r.worst.empty() || ratio > r.worst_ratio) {
      r.worst = "goodput.fraction";
      r.worst_ratio = ratio;
    }
    if (g < spec.min_goodput_fraction && r.pass) {
      r.pass = false;
      r.failed = "goodput.fraction = " + plan_short(g) + " < " + plan_number(spec.min_goodput_fraction);
    }
  }
  return r;
}

// The runs of one replica count (every seed, or up to the seed that decided a failure).
struct Level {
  uint32_t n = 0;
  std::vector<SeedRun> seeds;
  bool valid = true;
  bool complete = false;  // every seed ran
  size_t passing = 0;
  bool pass = false;
};

struct Context {
  const PlanSpec& spec;
  const PlanOptions& options;
  SweepSpec base;
  Catalog catalog;
  std::unique_ptr<PointsLog> log;
  std::mutex mu;
  std::map<std::string, RunRecord> runs;        // by hash: runs of this call, and of points.jsonl once used
  std::map<std::string, nlohmann::json> logged;  // by hash: lines of points.jsonl not used yet
  std::vector<double> offered_rps;              // per growth factor: requests / arrival span, 0 unknown
  PlanProgress progress;
  size_t runs_now = 0, runs_reused = 0;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

  Context(const PlanSpec& s, const PlanOptions& o) : spec(s), options(o), base(plan_base_sweep(s)), catalog(Catalog::open_default()) {}

  void report() {  // with mu held
    progress.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (options.on_progress) options.on_progress(progress);
  }

  RunRecord run(const SweepPoint& p) {
    {
      std::lock_guard<std::mutex> lock(mu);
      auto it = runs.find(p.hash);
      if (it == runs.end()) {
        const auto line = logged.find(p.hash);
        if (line != logged.end()) {  // resumed: its summary read once
          std::optional<RunSummary> summary;
          if (line->second.contains("summary")) summary = summary_from_json(line->second["summary"]);
          it = runs.emplace(p.hash, record_of(line->second, std::move(summary))).first;
          logged.erase(line);
        }
      }
      if (it != runs.end()) {
        ++runs_reused;
        ++progress.runs;
        report();
        return it->second;
      }
    }
    if (options.cancel && options.cancel->load()) throw Cancelled();
    PointRun run = run_point_typed(base, p, catalog, options.cancel);
    if (run.line.contains("summary")) run.line["summary"].erase("perf_model");  // large, the same for every run of a candidate
    if (log) log->append(run.line);  // thread-safe; outside mu so that other runs go on during its fdatasync
    RunRecord record = record_of(run.line, std::move(run.summary));
    std::lock_guard<std::mutex> lock(mu);
    runs.emplace(p.hash, record);
    ++runs_now;
    ++progress.runs;
    report();
    return record;
  }
};

size_t required_passes(const PlanSpec& spec) {
  const double need = std::ceil(spec.min_seed_pass_fraction * static_cast<double>(spec.seeds.size()) - 1e-9);
  return static_cast<size_t>(std::max(1.0, need));
}

// Runs the seeds of level `n` not run yet; stops at the failure that decides it unless `full`.
void evaluate(Context& ctx, const PlanCandidate& c, double growth, Level& level, bool full) {
  const PlanSpec& spec = ctx.spec;
  const size_t need = required_passes(spec);
  for (size_t i = level.seeds.size(); i < spec.seeds.size(); ++i) {
    const size_t failing = level.seeds.size() - level.passing;
    if (!full && failing > spec.seeds.size() - need) break;
    SeedRun r = judge(spec, ctx.run(plan_point(spec, c, level.n, growth, i)));
    if (!r.valid) {
      level.valid = false;
      level.seeds.push_back(std::move(r));
      return;
    }
    level.passing += r.pass;
    level.seeds.push_back(std::move(r));
  }
  level.complete = level.seeds.size() == spec.seeds.size();
  level.pass = level.passing >= need;
}

// Replicas the offered load needs at the throughput per replica of a saturated run, or 0.
uint32_t capacity_estimate(const Context& ctx, size_t growth_index, const Level& failed) {
  if (failed.seeds.empty() || ctx.offered_rps[growth_index] <= 0) return 0;
  const RunSummary& s = figures(failed.seeds.front());
  const double busy = s.engine.busy_fraction, served = s.throughput.requests_per_s;
  if (busy < 0.9 || served <= 0) return 0;
  const double per_replica = served / failed.n;
  return static_cast<uint32_t>(std::min(1e9, std::ceil(ctx.offered_rps[growth_index] / (0.9 * per_replica))));
}

// What makes the failing run fail: memory, compute or queueing, with the figures.
void explain_binding(const Level& level, PlanCandidateResult& out) {
  const SeedRun* r = nullptr;
  for (const SeedRun& s : level.seeds)
    if (!s.pass) {
      r = &s;
      break;
    }
  if (!r)
    for (const SeedRun& s : level.seeds)
      if (!r || s.worst_ratio > r->worst_ratio) r = &s;
  if (!r) return;
  const RunSummary& s = figures(*r);
  const std::string at = "at " + std::to_string(level.n) + " replica" + (level.n == 1 ? "" : "s");
  const std::string what = r->pass ? "closest to its limit: " + r->worst + " at " + plan_percent(r->worst_ratio)
                                   : r->failed;
  const auto too_big_it = s.requests.dropped_by_reason.find("exceeds_kv_capacity");
  const double preemptions = static_cast<double>(s.requests.preemptions);
  const double too_big = too_big_it == s.requests.dropped_by_reason.end() ? 0 : static_cast<double>(too_big_it->second);
  const double peak = s.kv.peak_utilization, busy = s.engine.busy_fraction;
  if (too_big > 0 || preemptions > 0 || peak >= 0.95) {
    out.binds = "memory";
    out.binds_detail = at + " " + what + ": KV blocks run out (" + plan_number(preemptions) + " preemptions, peak KV use " +
                       plan_percent(peak) + (too_big > 0 ? ", " + plan_number(too_big) + " requests larger than a replica's KV" : "") + ")";
    return;
  }
  const size_t dot = r->worst.find('.');
  const std::string metric = r->worst.substr(0, dot), stat = dot == std::string::npos ? "p99" : r->worst.substr(dot + 1);
  if (metric == "ttft_s" || metric == "e2e_s" || metric == "goodput") {
    const std::string qstat = metric == "goodput" ? "p99" : stat;
    const double queue = summary_value(s, "queue_s." + qstat), total = summary_value(s, (metric == "goodput" ? std::string("ttft_s") : metric) + "." + qstat);
    if (total > 0 && queue >= 0.5 * total) {
      out.binds = "queueing";
      out.binds_detail = at + " " + what + ": requests wait for a slot (queue_s." + qstat + " " + plan_short(queue) + " s of " +
                         (metric == "goodput" ? std::string("ttft_s") : metric) + "." + qstat + " " + plan_short(total) +
                         " s, engine busy " + plan_percent(busy) + ")";
      return;
    }
  }
  out.binds = "compute";
  out.binds_detail = at + " " + what + ": the engine steps are too slow (engine busy " + plan_percent(busy) + ", tpot_s.p99 " +
                     plan_short(s.tpot_s.p99) + " s, queue_s.p99 " + plan_short(s.queue_s.p99) + " s)";
}

PlanCandidateResult search(Context& ctx, const PlanCandidate& c, size_t growth_index, uint32_t hint) {
  const PlanSpec& spec = ctx.spec;
  const double growth = spec.growth[growth_index];
  PlanCandidateResult out;
  out.candidate = c;
  out.growth = growth;
  std::map<uint32_t, Level> levels;
  const auto level = [&](uint32_t n) -> Level& {
    Level& l = levels[n];
    l.n = n;
    return l;
  };
  const uint32_t min = std::min(std::max(spec.min_replicas, c.min_replicas), spec.max_replicas), max = spec.max_replicas;
  uint32_t lo = min - 1, hi = max + 1;  // lo fails (or is below the range), hi passes (or is above it)
  uint32_t n = std::clamp(hint ? hint : min, min, max);
  uint32_t up = 1, down = 1;
  bool estimated = false, failed_below_pass = false;
  for (;;) {
    Level& l = level(n);
    evaluate(ctx, c, growth, l, false);
    if (!l.valid) {
      out.status = PlanStatus::invalid;
      out.error = l.seeds.back().error;
      out.runs = l.seeds.size();
      return out;
    }
    if (l.pass) hi = n;
    else {
      lo = n;
      if (hi <= max) failed_below_pass = true;
    }
    if (hi == lo + 1 || lo >= max) break;
    if (hi > max) {  // no pass yet: jump by the capacity estimate once, then by doubling steps
      const uint32_t est = estimated ? 0 : capacity_estimate(ctx, growth_index, l);
      estimated = estimated || est > 0;
      if (est > n) n = std::min(max, est);
      else {
        n = static_cast<uint32_t>(std::min<uint64_t>(max, static_cast<uint64_t>(lo) + up));
        up *= 2;
      }
    } else if (!failed_below_pass) {  // passes so far: step down by doubling steps
      n = std::max(lo + 1, hi > down ? hi - down : 0u);
      down *= 2;
    } else {
      n = lo + (hi - lo) / 2;
    }
  }
  // The saturation throughput per replica: from the failing run kept busy (>= 95%) by an overload
  // with the most replicas (levels ascend; the first such seed of each level).
  for (const auto& [k, l] : levels)
    for (const SeedRun& s : l.seeds)
      if (!s.pass && figures(s).engine.busy_fraction >= 0.95 && figures(s).throughput.requests_per_s > 0) {
        out.saturation_requests_per_s_per_replica = figures(s).throughput.requests_per_s / k;
        break;
      }
  const uint32_t at_n = hi <= max ? hi : max;
  Level& top = level(at_n);
  evaluate(ctx, c, growth, top, true);
  if (lo >= min && hi <= max) evaluate(ctx, c, growth, level(lo), true);  // the confidence of n-1 failing
  for (const auto& [k, l] : levels) out.runs += l.seeds.size();
  // The figures at n (or, infeasible, at the top of the range): the worst over the seeds.
  out.slo_values = nlohmann::json::object();
  const std::vector<std::string> keys = plan_metric_keys(spec);
  double rps = 0, usd_per_m = 0;
  bool usd_known = true;
  out.goodput_fraction = 1;
  for (const SeedRun& seed : top.seeds) {
    const RunSummary& s = figures(seed);
    for (const std::string& k : keys) {
      const double v = seed.summary ? summary_value(s, k, INFINITY) : INFINITY;
      if (!out.slo_values.contains(k) || v > out.slo_values[k].get<double>()) out.slo_values[k] = v;
    }
    out.goodput_fraction = std::min(out.goodput_fraction, s.goodput.fraction);
    out.requests_dropped = std::max(out.requests_dropped, static_cast<double>(s.requests.dropped));
    rps += s.throughput.requests_per_s;
    const double g = s.goodput.fraction;
    if (g > 0) usd_per_m += s.cost.usd_per_million_tokens / g;
    else usd_known = false;
  }
  for (auto& [k, v] : out.slo_values.items())
    if (std::isinf(v.get<double>())) v = nullptr;
  const size_t seeds_run = std::max<size_t>(1, top.seeds.size());
  out.binding_slo.clear();
  for (const PlanSlo& s : spec.slos) {
    const nlohmann::json& v = out.slo_values[s.key()];
    const double ratio = v.is_number() ? v.get<double>() / s.max_s : INFINITY;
    if (out.binding_slo.empty() || ratio > out.binding_ratio) {
      out.binding_slo = s.key();
      out.binding_ratio = ratio;
    }
  }
  if (spec.min_goodput_fraction > 0) {
    const double ratio = out.goodput_fraction > 0 ? spec.min_goodput_fraction / out.goodput_fraction : INFINITY;
    if (out.binding_slo.empty() || ratio > out.binding_ratio) {
      out.binding_slo = "goodput.fraction";
      out.binding_ratio = ratio;
    }
  }
  out.usd_per_hour = static_cast<double>(at_n) * c.gpus_per_replica * c.gpu.usd_per_gpu_hour;
  if (c.gpu.spot_usd_per_gpu_hour >= 0) out.spot_usd_per_hour = static_cast<double>(at_n) * c.gpus_per_replica * c.gpu.spot_usd_per_gpu_hour;
  out.usd_per_million_tokens_slo = usd_known ? usd_per_m / static_cast<double>(seeds_run) : INFINITY;
  out.requests_per_s_per_replica = rps / static_cast<double>(seeds_run) / at_n;
  if (c.autoscaled()) {  // the fleet's own dollars over the run, and the replicas it held
    std::vector<const RunSummary*> summaries;
    for (const SeedRun& s : top.seeds) summaries.push_back(&figures(s));
    autoscaled_figures(summaries, out);
    if (out.mean_replicas_held > 0) out.requests_per_s_per_replica = rps / static_cast<double>(seeds_run) / out.mean_replicas_held;
  }
  out.seeds_passing_at_n = static_cast<double>(top.passing) / static_cast<double>(spec.seeds.size());
  if (hi <= max) {
    out.status = PlanStatus::feasible;
    out.replicas = hi;
    if (lo >= min) {
      const Level& below = levels.at(lo);
      out.seeds_passing_below = static_cast<double>(below.passing) / static_cast<double>(spec.seeds.size());
      explain_binding(below, out);
    } else {
      explain_binding(top, out);
      out.binds_detail += " (the bottom of the replica range: no smaller fleet was tried)";
    }
  } else {
    out.status = PlanStatus::infeasible;
    out.replicas = max;
    for (const SeedRun& s : top.seeds)
      if (!s.pass) {
        out.error = "misses the SLOs at " + std::to_string(max) + " replicas (the top of the range): " + s.failed;
        break;
      }
    explain_binding(top, out);
  }
  return out;
}

// Requests per second the workload offers (requests over the span of their arrivals), per growth
// factor, from the first candidate whose scenario is valid; 0 when none is.
void measure_offered_rates(Context& ctx, const std::vector<PlanCandidate>& candidates) {
  ctx.offered_rps.assign(ctx.spec.growth.size(), 0);
  for (size_t g = 0; g < ctx.spec.growth.size(); ++g)
    for (const PlanCandidate& c : candidates) {
      try {
        const Scenario s = parse_scenario(plan_candidate_scenario(ctx.spec, c, std::max(ctx.spec.min_replicas, c.min_replicas),
                                                                  ctx.spec.growth[g], 0),
                                          ctx.spec.base_dir, ctx.catalog);
        std::unique_ptr<RequestSource> source = open_workload(s.workload, s.base_dir);
        RequestSpec r;
        uint64_t count = 0;
        SimTime first = 0, last = 0;
        while (source->next(r)) {
          if (count++ == 0) first = r.arrival;
          last = r.arrival;
          if (ctx.options.cancel && ctx.options.cancel->load()) throw Cancelled();
        }
        if (count > 1 && last > first) ctx.offered_rps[g] = static_cast<double>(count - 1) / (static_cast<double>(last - first) * 1e-9);
        break;
      } catch (const InputError&) {
        continue;  // this candidate is invalid; its search will say so
      }
    }
}

// The frontier and the recommendation of one growth factor.
void rank(const PlanSpec& spec, PlanGrowthResult& g) {
  const auto metric = [&](const PlanCandidateResult& r) {
    const nlohmann::json& v = r.slo_values.contains(spec.frontier_metric) ? r.slo_values[spec.frontier_metric] : nlohmann::json();
    return v.is_number() ? v.get<double>() : INFINITY;
  };
  std::vector<size_t> feasible;
  for (size_t i = 0; i < g.candidates.size(); ++i)
    if (g.candidates[i].status == PlanStatus::feasible) feasible.push_back(i);
  std::sort(feasible.begin(), feasible.end(), [&](size_t a, size_t b) {
    const PlanCandidateResult &x = g.candidates[a], &y = g.candidates[b];
    if (x.usd_per_hour != y.usd_per_hour) return x.usd_per_hour < y.usd_per_hour;
    if (metric(x) != metric(y)) return metric(x) < metric(y);
    if (x.usd_per_million_tokens_slo != y.usd_per_million_tokens_slo) return x.usd_per_million_tokens_slo < y.usd_per_million_tokens_slo;
    return a < b;
  });
  g.frontier.clear();
  double best = INFINITY;  // by cost ascending, a point is on the frontier when its latency beats every cheaper one
  for (size_t i : feasible) {
    const double m = metric(g.candidates[i]);
    if (m < best || (g.frontier.empty())) {
      if (!g.frontier.empty() && g.candidates[g.frontier.back()].usd_per_hour == g.candidates[i].usd_per_hour) continue;
      g.frontier.push_back(i);
      best = std::min(best, m);
    }
  }
  g.recommended = feasible.empty() ? -1 : static_cast<long>(feasible.front());
  if (feasible.empty()) {
    const bool all_invalid = std::all_of(g.candidates.begin(), g.candidates.end(),
                                         [](const PlanCandidateResult& r) { return r.status == PlanStatus::invalid; });
    g.recommendation = all_invalid ? "No candidate is a valid scenario: see each candidate's error."
                                   : "No candidate meets every SLO within " + std::to_string(spec.max_replicas) +
                                         " replicas: widen the replica range, relax an SLO or add larger GPUs.";
    return;
  }
  const PlanCandidateResult& r = g.candidates[feasible.front()];
  std::string text = r.candidate.label + " x " + plan_fleet_text(r) + " (" +
                     std::to_string(r.replicas * r.candidate.gpus_per_replica) + " GPUs" + (r.candidate.autoscaled() ? " at most" : "") +
                     ") at $" + plan_number(r.usd_per_hour) + "/hour" + (r.candidate.autoscaled() ? " (its dollars over the run)" : "") +
                     " is the cheapest fleet meeting every SLO";
  text += " (" + std::to_string(static_cast<int>(std::lround(r.seeds_passing_at_n * spec.seeds.size()))) + "/" +
          std::to_string(spec.seeds.size()) + " seeds pass";
  if (r.seeds_passing_below >= 0)
    text += ", " + std::to_string(static_cast<int>(std::lround(r.seeds_passing_below * spec.seeds.size()))) + "/" +
            std::to_string(spec.seeds.size()) + " at " + std::to_string(r.replicas - 1);
  text += "); $" + plan_short(r.usd_per_million_tokens_slo) + " per million tokens served within SLO.";
  if (feasible.size() > 1) {
    const PlanCandidateResult& next = g.candidates[feasible[1]];
    text += " Next: " + next.candidate.label + " x " + (next.candidate.autoscaled() ? "up to " : "") + std::to_string(next.replicas) + " at $" + plan_number(next.usd_per_hour) +
            "/hour" + (r.usd_per_hour > 0 ? " (+" + plan_percent(next.usd_per_hour / r.usd_per_hour - 1) + ")" : "") + ".";
  }
  text += " Binding SLO: " + r.binding_slo + " at " + plan_percent(r.binding_ratio) + " of its limit; what binds: " + r.binds +
          " (" + r.binds_detail + ").";
  g.recommendation = text;
}

void remove_outputs(const std::string& dir) {
  for (const char* f : {kPlanJsonFile, kPlanCandidatesCsvFile, kPlanFrontierCsvFile, kPlanReportFile}) {
    std::error_code ec;
    std::filesystem::remove(std::filesystem::path(dir) / f, ec);
  }
}

}  // namespace

PlanResult run_plan(const PlanSpec& spec, const PlanOptions& options) {
  if (spec.seeds.empty() || spec.growth.empty() || spec.growth[0] != 1.0)
    throw InputError("plan: expected at least one seed and growth factor 1 first (parse the plan with parse_plan)");
  Context ctx(spec, options);
  const std::vector<PlanCandidate> candidates = plan_candidates(spec);
  if (!options.out_dir.empty()) {
    try {
      ctx.log = std::make_unique<PointsLog>(options.out_dir);
    } catch (const IoError& e) {
      std::string m = e.what();
      const std::string sweep = "another kvsim sweep";
      if (const size_t at = m.find(sweep); at != std::string::npos) m.replace(at, sweep.size(), "another kvsim sweep or plan");
      throw IoError(m);
    }
    ctx.logged = ctx.log->lines();
    remove_outputs(options.out_dir);  // until this plan completes, no file in DIR looks like its result
  }
  PlanResult result;
  result.spec = spec;
  result.growth.resize(spec.growth.size());
  for (size_t g = 0; g < spec.growth.size(); ++g) {
    result.growth[g].factor = spec.growth[g];
    result.growth[g].candidates.resize(candidates.size());
  }
  ctx.progress.searches_total = candidates.size() * spec.growth.size();
  measure_offered_rates(ctx, candidates);

  // One thread per candidate at a time: its growth factors in order (each starts from the last).
  std::atomic<size_t> next{0};
  std::mutex failure_mu;
  std::exception_ptr failure;
  const auto work = [&] {
    for (;;) {
      const size_t k = next.fetch_add(1);
      if (k >= candidates.size()) return;
      try {
        uint32_t hint = 0;
        for (size_t g = 0; g < spec.growth.size(); ++g) {
          PlanCandidateResult r;
          if (g > 0 && result.growth[0].candidates[k].status == PlanStatus::invalid) {
            r = result.growth[0].candidates[k];
            r.growth = spec.growth[g];
            r.runs = 0;
          } else {
            r = search(ctx, candidates[k], g, hint);
          }
          if (g + 1 < spec.growth.size()) {
            const double ratio = spec.growth[g + 1] / spec.growth[g];
            hint = r.status == PlanStatus::feasible ? static_cast<uint32_t>(std::max(1.0, std::ceil(r.replicas * ratio)))
                   : r.status == PlanStatus::infeasible && ratio >= 1 ? spec.max_replicas : 0;
          }
          result.growth[g].candidates[k] = std::move(r);
          std::lock_guard<std::mutex> lock(ctx.mu);
          ++ctx.progress.searches_done;
          ctx.report();
        }
      } catch (...) {  // cancelled, or points.jsonl cannot be written: stop everyone
        std::lock_guard<std::mutex> lock(failure_mu);
        if (!failure) failure = std::current_exception();
        next.store(candidates.size());
        return;
      }
    }
  };
  unsigned jobs = options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  jobs = std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(candidates.size())));
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < jobs; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
  if (options.cancel && options.cancel->load()) throw Cancelled();

  for (PlanGrowthResult& g : result.growth) rank(spec, g);
  result.runs = ctx.runs_now;
  result.runs_reused = ctx.runs_reused;
  if (!options.out_dir.empty()) {
    if (const PlanChartRenderer& renderer = options.render_charts) {
      try {
        for (auto& chart : renderer(result, options.out_dir))  // report.md names only images that exist
          if (std::filesystem::is_regular_file(std::filesystem::path(options.out_dir) / chart.first)) result.charts.push_back(std::move(chart));
      } catch (const std::exception& e) {  // the tables are still worth having
        result.charts.clear();
        result.charts_error = e.what();
      }
    }
    write_file_atomically(options.out_dir + "/" + kPlanCandidatesCsvFile, plan_candidates_csv(result));
    write_file_atomically(options.out_dir + "/" + kPlanFrontierCsvFile, plan_frontier_csv(result));
    write_file_atomically(options.out_dir + "/" + kPlanReportFile, plan_report_md(result));
    write_file_atomically(options.out_dir + "/" + kPlanJsonFile, plan_result_json(result).dump(2) + "\n");
  }
  result.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx.start).count();
  return result;
}

}  // namespace kvsim
