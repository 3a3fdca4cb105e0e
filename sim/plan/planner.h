// The capacity planner (`kvsim plan PLAN.json --out DIR`, docs/plan.md): for every candidate
// deployment of a workload (GPU type and price, TP/PP, weight and KV dtypes, engine knobs,
// router), the minimum number of replicas that meets every SLO, found by a search that exploits
// monotonicity in the replica count and verifies that n passes and n-1 fails over several seeds;
// then the fleet's $/hour and $ per million tokens served within SLO, the Pareto frontier of cost
// against tail latency, a recommendation with what binds it, and the same at the workload's rate
// times k (growth).
//
// Each simulation is an ordinary deterministic run_scenario without output files. Runs are
// recorded one line each in DIR/points.jsonl (the sweep's results log, sweep_results.h), so a
// re-run of an interrupted plan reuses every run it already has. plan.json, candidates.csv,
// frontier.csv and report.md are written (write then rename) only when the plan completes.
//
// The GUI's Plan view calls parse_plan / load_plan and run_plan with a progress callback and a
// cancel flag, and plan_candidate_scenario to open a candidate's run in the other views.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"

namespace kvsim {

// The files run_plan writes into its output folder.
inline constexpr const char* kPlanJsonFile = "plan.json";            // everything below, as JSON
inline constexpr const char* kPlanCandidatesCsvFile = "candidates.csv";  // one row per candidate and growth factor
inline constexpr const char* kPlanFrontierCsvFile = "frontier.csv";  // the Pareto frontier at growth 1
inline constexpr const char* kPlanReportFile = "report.md";          // tables, recommendation, charts if rendered
inline constexpr const char* kPlanPointsFile = "points.jsonl";       // one line per simulation (resume)

// One SLO on a latency distribution of the run: summary[metric][stat] <= max_s.
struct PlanSlo {
  std::string metric;  // "ttft_s", "tpot_s" or "e2e_s"
  std::string stat;    // "p50", "p90", "p99", "mean" or "max"
  double max_s = 0;
  std::string key() const { return metric + "." + stat; }  // "ttft_s.p99", as in points.csv
};

struct PlanGpu {
  std::string name;                    // as in the catalog (aliases resolved to the catalog name)
  double usd_per_gpu_hour = 0;         // on demand; defaults to the catalog's price
  double spot_usd_per_gpu_hour = -1;   // < 0: no spot price given
};

// A plan file, parsed (format in docs/plan.md). Lists left out of the file hold one null
// (meaning: the base scenario's value, no override).
struct PlanSpec {
  std::string name;
  nlohmann::json base;      // the base scenario, inlined, with the plan's "set" overrides applied
  std::string base_dir;     // where the base's relative paths (traces) resolve

  std::vector<PlanSlo> slos;
  double min_goodput_fraction = 0;  // 0: not required; else the scenario's per-request "slo" must be set
  std::vector<PlanGpu> gpus;
  std::vector<nlohmann::json> tensor_parallel, pipeline_parallel, weight_dtype, kv_dtype;
  std::vector<nlohmann::json> max_num_seqs, max_num_batched_tokens, enable_prefix_caching, eviction_policy, router;
  // /cluster/disaggregation: objects with a "ratio" (the searched replicas split P:D), or null
  // (the base's own layout).
  std::vector<nlohmann::json> disaggregation;
  // The autoscaling axis (docs/plan.md): each entry an autoscaler object as /cluster/autoscaling
  // takes, without max_replicas (the searched value), or null for a fixed fleet. {null} when
  // neither the plan nor its base has one. The base itself holds no /cluster/autoscaling: a base's
  // autoscaler becomes this list's single entry (when the plan gives none), and the cluster fields
  // only an elastic fleet takes (cold_start, max_queue_wait_s, the initial replicas) move to
  // elastic_fields, which the autoscaled candidates write back.
  std::vector<nlohmann::json> autoscaling;
  nlohmann::json elastic_fields = nlohmann::json::object();  // {"cold_start": ..., ...}, keys of /cluster
  bool has_autoscaling_axis() const;  // some candidate is autoscaled
  uint32_t min_replicas = 1, max_replicas = 64;

  std::vector<uint64_t> seeds;              // default {1, 2, 3}
  std::vector<std::string> seed_pointers;   // default "/seed" and the base workload's seed
  double min_seed_pass_fraction = 1.0;      // n passes when at least this fraction of seeds pass

  std::vector<double> growth;               // factors of the workload's rate; growth[0] is 1
  std::string rate_pointer;                 // the field growth multiplies (default: the base's rate)
  std::string frontier_metric;              // an SLO key; default the first SLO's

  // The plan as run: a plan file again, base inlined. Written into plan.json.
  nlohmann::json to_json() const;
};

// Parses a plan; `dir` is where a relative "base" file is found, `where` prefixes errors (the
// file's name). Throws InputError listing every problem with its JSON pointer (an unknown GPU
// lists the known ones). Needs the catalog for GPU names and default prices.
PlanSpec parse_plan(const nlohmann::json& j, const std::string& dir, const Catalog& catalog,
                    const std::string& where = "plan");
PlanSpec load_plan(const std::string& path, const Catalog& catalog);

// One point of the candidate space: the overrides it writes on the base (in a fixed order).
struct PlanCandidate {
  size_t index = 0;
  std::string label;  // "H100-SXM TP2 fp8/fp16", plus the knobs that vary in the plan
  PlanGpu gpu;
  uint32_t gpus_per_replica = 1;  // TP x PP
  uint32_t min_replicas = 1;      // the least a search may try (2 for disaggregated pools)
  std::vector<std::pair<std::string, nlohmann::json>> overrides;  // "/gpu", "/deployment/tensor_parallel", ...
  // Autoscaled (an object, as PlanSpec::autoscaling): the searched count is the autoscaler's
  // max_replicas, not /cluster/replicas, and min_replicas is at least the autoscaler's minimum (or
  // largest schedule entry). Null: a fixed fleet.
  nlohmann::json autoscaling;
  bool autoscaled() const { return autoscaling.is_object(); }
};
// The candidates in order (the last list of the plan varies fastest).
std::vector<PlanCandidate> plan_candidates(const PlanSpec& spec);

enum class PlanStatus {
  feasible,    // meets every SLO at `replicas` (<= max_replicas)
  infeasible,  // misses an SLO even at max_replicas: never ranked or recommended
  invalid,     // the combination is not a valid scenario (model does not fit, TP does not divide heads...)
};
const char* plan_status_name(PlanStatus s);  // "feasible", "infeasible", "invalid"

struct PlanCandidateResult {
  PlanCandidate candidate;
  double growth = 1;
  PlanStatus status = PlanStatus::invalid;
  std::string error;                   // invalid: the scenario's message; infeasible: what missed

  uint32_t replicas = 0;               // feasible: the minimum n meeting every SLO
  double seeds_passing_at_n = 0;       // fraction of seeds meeting every SLO at n
  double seeds_passing_below = -1;     // the same at n-1; < 0 when n-1 < min_replicas (not run)
  nlohmann::json slo_values;           // {"ttft_s.p99": worst over the seeds at n, ...}
  std::string binding_slo;             // the SLO key closest to its limit at n
  double binding_ratio = 0;            // its value / its limit (<= 1 when feasible)
  std::string binds;                   // "memory", "compute" or "queueing" (what fails at n-1)
  std::string binds_detail;            // one sentence with the figures behind it
  double goodput_fraction = 0;         // worst over the seeds at n
  double requests_dropped = 0;         // most over the seeds at n (too long for max_model_len or a replica's KV)

  double usd_per_hour = 0;             // replicas x GPUs per replica x on-demand $/GPU-hour; autoscaled:
                                       // the fleet's dollars (cost.usd_gpu) per hour of the run, mean over the seeds at n
  double spot_usd_per_hour = -1;       // the same at the spot price, < 0 if none
  double usd_per_million_tokens_slo = 0;  // $ per million tokens of requests served within SLO, at n
  double requests_per_s_per_replica = 0;  // served at n: the workload's throughput / n
  double saturation_requests_per_s_per_replica = -1;  // throughput of one replica kept busy by an overload, < 0 if none seen
  size_t runs = 0;                     // simulations the search used (run now or reused)
  // Autoscaled candidates at n (< 0 otherwise): replica-hours held per hour of the run (mean over
  // the seeds), and the most replicas held at once (provisioning included; most over the seeds).
  double mean_replicas_held = -1;
  double peak_replicas_held = -1;
};

struct PlanGrowthResult {
  double factor = 1;
  std::vector<PlanCandidateResult> candidates;  // in candidate order
  std::vector<size_t> frontier;   // indices into candidates: non-dominated in ($/hour, frontier metric), by cost
  long recommended = -1;          // index into candidates of the cheapest feasible one, -1 if none
  std::string recommendation;     // why it wins and what binds it
};

struct PlanResult {
  PlanSpec spec;
  std::vector<PlanGrowthResult> growth;  // growth[0] is the workload as given (factor 1)
  size_t runs = 0, runs_reused = 0;      // simulations done now, and found in points.jsonl
  double wall_s = 0;
  std::vector<std::pair<std::string, std::string>> charts;  // {PNG file in the folder, caption} the renderer wrote
  std::string charts_error;              // the renderer's exception, if it threw (the report says so)
};

struct PlanProgress {
  size_t searches_total = 0;  // candidates x growth factors
  size_t searches_done = 0;
  size_t runs = 0;            // simulations finished by this call (run or reused)
  double wall_s = 0;
};

// Draws the plan's charts as PNG files into `dir` (e.g. the frontier: $/hour against the frontier
// metric, the SLO as a line, passing and failing candidates distinguished) and returns
// {file name, caption} for each written. Implemented by the GUI (Qt Charts, offscreen); report.md
// references only the images it returns.
using PlanChartRenderer =
    std::function<std::vector<std::pair<std::string, std::string>>(const PlanResult& result, const std::string& dir)>;

struct PlanOptions {
  std::string out_dir;   // empty: no files (and no resume)
  unsigned jobs = 0;     // simulations at once on threads; 0 = the number of cores
  std::function<void(const PlanProgress&)> on_progress;  // from one thread at a time
  const std::atomic<bool>* cancel = nullptr;  // set to stop: run_plan throws Cancelled, writes no summary files
  PlanChartRenderer render_charts;            // empty: no charts (report.md names no image)
};

// Runs the plan. Throws InputError for an unusable plan (nothing valid to run), IoError when the
// folder cannot be written or another kvsim holds it, Cancelled when cancelled.
PlanResult run_plan(const PlanSpec& spec, const PlanOptions& options);

// The scenario of a candidate's run: the base with its overrides at `replicas` replicas, the
// spec's growth factor and seed (index into spec.seeds), ready for parse_scenario.
nlohmann::json plan_candidate_scenario(const PlanSpec& spec, const PlanCandidate& candidate, uint32_t replicas,
                                       double growth = 1, size_t seed_index = 0);

// The outputs as text (what run_plan writes).
nlohmann::json plan_result_json(const PlanResult& result);
std::string plan_candidates_csv(const PlanResult& result);
std::string plan_frontier_csv(const PlanResult& result);
std::string plan_report_md(const PlanResult& result);

}  // namespace kvsim
