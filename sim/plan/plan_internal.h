// Shared by the planner's sources (not part of its public interface): a candidate's run as a sweep
// point, so that runs are resolved, hashed, run and logged exactly as the sweep does it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/json_reader.h"
#include "metrics/run_summary.h"
#include "plan/planner.h"
#include "plan/sweep_spec.h"

namespace kvsim {

// The plan's base as a sweep without axes (for resolve_point, scenario_hash and run_point).
SweepSpec plan_base_sweep(const PlanSpec& spec);
// The run of `candidate` at `replicas`, growth factor and seed: its overrides on the base (the
// candidate's, then /cluster/replicas, then the grown rate unless growth is 1, then the seed).
SweepPoint plan_point(const PlanSpec& spec, const PlanCandidate& candidate, uint32_t replicas, double growth,
                      size_t seed_index);

// The autoscaling axis (plan_autoscaling.cpp). Reads `candidates.autoscaling` (at `at`; null when
// the plan has none) into spec.autoscaling after the replica range is known, taking the base's own
// autoscaler out of spec.base and, when some candidate is autoscaled, the elastic-only cluster
// fields into spec.elastic_fields.
void read_autoscaling_axis(const nlohmann::json& list, const std::string& at, PlanSpec& spec, bool base_ok, ErrorList& errors);
// Writes the axis and the elastic fields back into the plan as run (PlanSpec::to_json).
void write_autoscaling_axis(const PlanSpec& spec, nlohmann::json& plan);
// Each candidate once per entry of the axis (the axis varies fastest), with its label, overrides
// and least searched count; the candidates unchanged without an axis.
std::vector<PlanCandidate> expand_autoscaling_axis(const PlanSpec& spec, std::vector<PlanCandidate> candidates);
// The overrides that give a run `replicas`: /cluster/replicas for a fixed fleet, the autoscaler's
// max_replicas (and the base's initial fleet, clamped into range) for an autoscaled one.
void add_replica_overrides(const PlanSpec& spec, const PlanCandidate& candidate, uint32_t replicas, SweepPoint& point);
// An autoscaled candidate's cost and fleet figures from its runs at n (one summary per seed).
void autoscaled_figures(const std::vector<const RunSummary*>& summaries, PlanCandidateResult& out);
// "3 replicas", or "up to 4 replicas, 2.31 held on average" for an autoscaled candidate.
std::string plan_fleet_text(const PlanCandidateResult& r);

// The SLO keys, then the frontier metric if it is none of them: the latency columns of the tables.
std::vector<std::string> plan_metric_keys(const PlanSpec& spec);

// "1", "0.05", "2.5": numbers in messages and tables, 6 significant digits.
std::string plan_number(double v);
// Sentences: 3 significant digits ("0.0675", "3.49"), and whole percents ("74%").
std::string plan_short(double v);
std::string plan_percent(double fraction);

}  // namespace kvsim
