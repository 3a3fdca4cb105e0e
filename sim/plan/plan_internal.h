// Shared by the planner's sources (not part of its public interface): a candidate's run as a sweep
// point, so that runs are resolved, hashed, run and logged exactly as the sweep does it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "plan/planner.h"
#include "plan/sweep_spec.h"

namespace kvsim {

// The plan's base as a sweep without axes (for resolve_point, scenario_hash and run_point).
SweepSpec plan_base_sweep(const PlanSpec& spec);
// The run of `candidate` at `replicas`, growth factor and seed: its overrides on the base (the
// candidate's, then /cluster/replicas, then the grown rate unless growth is 1, then the seed).
SweepPoint plan_point(const PlanSpec& spec, const PlanCandidate& candidate, uint32_t replicas, double growth,
                      size_t seed_index);

// The SLO keys, then the frontier metric if it is none of them: the latency columns of the tables.
std::vector<std::string> plan_metric_keys(const PlanSpec& spec);

// "1", "0.05", "2.5": numbers in messages and tables, 6 significant digits.
std::string plan_number(double v);
// Sentences: 3 significant digits ("0.0675", "3.49"), and whole percents ("74%").
std::string plan_short(double v);
std::string plan_percent(double fraction);

}  // namespace kvsim
