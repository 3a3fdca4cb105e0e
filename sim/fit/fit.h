// `kvsim fit`: the sim-to-real loop. Replays measured serving runs (fit/replay.h), measures how
// far kvsim's client figures are from the measured ones, and fits the engine-overhead terms of the
// step model (perf/engine_overheads.h) — few, bounded, each with a physical meaning — to minimise
// that distance. Leave-one-model-out (fit on the other models' runs, predict the held-out model's)
// is how the result is judged: docs/validation-e2e.md.
//
// Objective: the mean, over every stage of every run, of |ln(predicted / measured)| summed over the
// goal figures (E2E mean and P99, TTFT mean and P99, ITL mean), plus 1 for every stage whose
// simulated queue grows through it while the measured run held (or the reverse). Log ratios weigh
// over- and under-prediction alike. The optimiser is Nelder-Mead on the unit cube of the bounded
// parameters (log-scaled where a parameter spans orders of magnitude), deterministic.
#pragma once
#include <array>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "fit/replay.h"
#include "fit/serving_runs.h"
#include "perf/profile.h"

namespace kvsim {

struct FitParameter {
  std::string name;     // e.g. "engine.cpu.base_s"
  std::string pointer;  // where it goes in the scenario's perf_model section, e.g. "/engine/cpu/base_s"
  double lower = 0, upper = 1;
  double initial = 0.5;
  bool log_scale = false;
  std::string meaning;  // one line, for reports
};

// The terms `kvsim fit` adjusts by default, with their bounds (docs/calibration.md §7).
std::vector<FitParameter> default_fit_parameters();

// One run's stage-by-stage comparison.
struct RunComparison {
  const ServingRun* run = nullptr;
  ReplayResult predicted;
  // Relative error (predicted - measured) / measured per stage and figure (NaN where unmeasured).
  std::vector<std::array<double, kNumFigures>> stage_errors;
};

struct Evaluation {
  std::vector<RunComparison> runs;
  // Median over all stages of |relative error| per figure, and the count of stages whose
  // saturation the simulation got wrong.
  std::array<double, kNumFigures> median_abs_error{};
  int regime_mismatches = 0;
  int failed_runs = 0;
  double objective = 0;
};

struct FitOptions {
  ReplayOptions replay;         // perf_model here is the base the parameters are written into
  unsigned jobs = 1;            // runs replayed in parallel
  int max_evaluations = 80;
  std::function<void(int evaluation, double objective)> on_evaluation;  // progress, may be empty
};

// Replays `runs` under `perf_model` and compares; runs in parallel on `jobs` threads.
Evaluation evaluate(const std::vector<const ServingRun*>& runs, const nlohmann::json& perf_model,
                    const ReplayOptions& replay, const Catalog& catalog, unsigned jobs);

// Recomputes the errors, medians, mismatches and objective of `ev` from its runs' predictions
// (after runs from several evaluations were put together).
void score(Evaluation& ev);
// Whether a measured stage was saturated: its mean TTFT above 2 s (the shared runs held at tens of
// milliseconds; a queue growing for minutes reaches tens of seconds).
bool measured_saturated(const LatencyFigures& m);

struct FitResult {
  std::vector<double> values;     // per parameter, in the order given
  nlohmann::json perf_model;      // the base perf_model with the fitted values written in
  double objective = 0;
  int evaluations = 0;
};

// Fits `params` on `runs`. Throws InputError if no run can be replayed.
FitResult fit_parameters(const std::vector<const ServingRun*>& runs, const std::vector<FitParameter>& params,
                         const FitOptions& options, const Catalog& catalog);

// `base` with the fit written in: its engine section takes the fitted engine terms (the others
// kept), its attention.decode_bandwidth_fraction the fitted memory_efficiency, and its source
// records the fit (command, runs, objective). Throws InputError if the fitted terms are invalid.
CalibrationProfile profile_with_fit(CalibrationProfile base, const FitResult& fit, const std::vector<std::string>& run_ids,
                                    const std::string& command);

// Writes `value` at `pointer` inside `section` (creating objects on the way).
void set_parameter(nlohmann::json& section, const std::string& pointer, double value);

}  // namespace kvsim
