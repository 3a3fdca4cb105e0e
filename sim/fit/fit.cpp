#include "fit/fit.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <thread>

#include "core/error.h"
#include "perf/engine_overheads.h"

namespace kvsim {

namespace {

// The goal figures the objective weighs (indices into kFigureNames): E2E mean, E2E P99, TTFT mean,
// TTFT P99, ITL mean.
constexpr size_t kObjectiveFigures[] = {0, 2, 3, 5, 6};
constexpr double kRegimePenalty = 1.0;

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double to_unit(const FitParameter& p, double v) {
  v = std::clamp(v, p.lower, p.upper);
  if (p.log_scale) return std::log(v / p.lower) / std::log(p.upper / p.lower);
  return (v - p.lower) / (p.upper - p.lower);
}

double from_unit(const FitParameter& p, double u) {
  u = std::clamp(u, 0.0, 1.0);
  if (p.log_scale) return p.lower * std::pow(p.upper / p.lower, u);
  return p.lower + u * (p.upper - p.lower);
}

}  // namespace

// A client report has no queue trace: a stage counts as saturated when its mean TTFT exceeds 2 s.
bool measured_saturated(const LatencyFigures& m) { return m.ttft_mean > 2.0; }

std::vector<FitParameter> default_fit_parameters() {
  const EngineOverheads d;
  return {
      {"engine.cpu.base_s", "/engine/cpu/base_s", 1e-4, 2e-2, d.cpu.base_s, true,
       "engine CPU time per step (scheduling, input preparation, sampling, output processing)"},
      {"engine.cpu.per_seq_s", "/engine/cpu/per_seq_s", 1e-7, 2e-4, d.cpu.per_seq_s, true,
       "engine CPU time per scheduled sequence and step"},
      {"engine.frontend.arrival_s", "/engine/frontend/arrival_s", 1e-4, 5e-2, d.frontend.arrival_s, true,
       "API server and tokenisation before a request reaches the scheduler"},
      {"engine.custom_all_reduce.one_shot_latency_s", "/engine/custom_all_reduce/one_shot_latency_s", 1e-6, 3e-5,
       d.custom_all_reduce.one_shot_latency_s, true, "fixed cost of one small all-reduce over NVLink"},
      {"engine.frontend.per_prompt_token_s", "/engine/frontend/per_prompt_token_s", 1e-8, 3e-6,
       d.frontend.per_prompt_token_s, true, "tokenisation and request handling per prompt token"},
      {"engine.sampler.top_k_top_p_s", "/engine/sampler/top_k_top_p_s", 1e-5, 3e-3, d.sampler.top_k_top_p_s, true,
       "vLLM's PyTorch-native top-k/top-p sampler per step, beyond the sort"},
      {"attention.decode_bandwidth_fraction", "/memory_efficiency", 0.2, 1.0, 0.8, false,
       "fraction of HBM bandwidth paged decode attention reaches"},
  };
}

CalibrationProfile profile_with_fit(CalibrationProfile p, const FitResult& fit, const std::vector<std::string>& run_ids,
                                    const std::string& command) {
  ErrorList errors;
  const nlohmann::json engine = fit.perf_model.value("engine", nlohmann::json::object());
  JsonReader e(engine, "/engine", errors);  // the reader keeps a reference: `engine` outlives it
  p.engine.read(e);
  e.reject_unknown_keys();
  errors.throw_if_any("fitted engine terms");
  p.has_engine = true;
  if (fit.perf_model.contains("memory_efficiency"))
    p.attention_decode_bandwidth_fraction = fit.perf_model["memory_efficiency"].get<double>();
  p.source["engine_fit"] = {{"command", command}, {"runs", run_ids}, {"objective", fit.objective},
                            {"evaluations", fit.evaluations}};
  return p;
}

void set_parameter(nlohmann::json& section, const std::string& pointer, double value) {
  section[nlohmann::json::json_pointer(pointer)] = value;
}

Evaluation evaluate(const std::vector<const ServingRun*>& runs, const nlohmann::json& perf_model,
                    const ReplayOptions& replay, const Catalog& catalog, unsigned jobs) {
  Evaluation ev;
  ev.runs.resize(runs.size());
  ReplayOptions options = replay;
  options.perf_model = perf_model;
  std::atomic<size_t> next{0};
  auto worker = [&]() {
    for (size_t i = next++; i < runs.size(); i = next++) {
      ev.runs[i].run = runs[i];
      ev.runs[i].predicted = replay_run(*runs[i], options, catalog);
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < std::max(1u, jobs); ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();

  score(ev);
  return ev;
}

void score(Evaluation& ev) {
  ev.failed_runs = 0;
  ev.regime_mismatches = 0;
  std::array<std::vector<double>, kNumFigures> abs_errors;
  // Each model weighs the same, however many runs and stages it was measured in: the terms are
  // meant to carry over to models the fit never saw, not to the model measured most.
  std::map<std::string, std::pair<double, size_t>> by_model;  // model -> (sum of terms, stages)
  for (RunComparison& c : ev.runs) {
    c.stage_errors.clear();
    if (!c.predicted.error.empty() || c.predicted.stages.size() != c.run->measured_stages.size()) {
      ++ev.failed_runs;
      continue;
    }
    for (size_t s = 0; s < c.run->measured_stages.size(); ++s) {
      const LatencyFigures& m = c.run->measured_stages[s];
      const LatencyFigures& p = c.predicted.stages[s];
      std::array<double, kNumFigures> err{};
      for (size_t f = 0; f < kNumFigures; ++f) {
        const double mv = figure(m, f), pv = figure(p, f);
        err[f] = std::isfinite(mv) && mv > 0 ? (pv - mv) / mv : NAN;
        if (std::isfinite(err[f])) abs_errors[f].push_back(std::fabs(err[f]));
      }
      c.stage_errors.push_back(err);
      double term = 0;
      for (size_t f : kObjectiveFigures) {
        const double mv = figure(m, f), pv = figure(p, f);
        if (std::isfinite(mv) && mv > 0) term += std::fabs(std::log(std::max(pv, 1e-9) / mv));
      }
      if (c.predicted.saturated[s] != measured_saturated(m)) {
        ++ev.regime_mismatches;
        term += kRegimePenalty;
      }
      auto& [sum, stages] = by_model[c.run->model_key.empty() ? c.run->model : c.run->model_key];
      sum += term;
      ++stages;
    }
  }
  for (size_t f = 0; f < kNumFigures; ++f) ev.median_abs_error[f] = median(abs_errors[f]);
  double total = 0;
  for (const auto& [model, sum_stages] : by_model) total += sum_stages.first / static_cast<double>(sum_stages.second);
  ev.objective = by_model.empty() ? INFINITY : total / static_cast<double>(by_model.size());
}

FitResult fit_parameters(const std::vector<const ServingRun*>& runs, const std::vector<FitParameter>& params,
                         const FitOptions& options, const Catalog& catalog) {
  const size_t n = params.size();
  FitResult result;
  auto section_at = [&](const std::vector<double>& unit) {
    nlohmann::json section = options.replay.perf_model.is_object() ? options.replay.perf_model : nlohmann::json::object();
    for (size_t i = 0; i < n; ++i) set_parameter(section, params[i].pointer, from_unit(params[i], unit[i]));
    return section;
  };
  std::string first_error;  // why a run could not be replayed, for the message if none could
  auto objective = [&](const std::vector<double>& unit) {
    const Evaluation ev = evaluate(runs, section_at(unit), options.replay, catalog, options.jobs);
    ++result.evaluations;
    for (const RunComparison& c : ev.runs)
      if (first_error.empty() && !c.predicted.error.empty()) first_error = "run " + c.run->id + ": " + c.predicted.error;
    const double value = ev.failed_runs == static_cast<int>(runs.size()) ? INFINITY : ev.objective;
    if (options.on_evaluation) options.on_evaluation(result.evaluations, value);
    return value;
  };

  // Nelder-Mead (standard coefficients) on the unit cube; points are clamped into it.
  std::vector<std::vector<double>> simplex(n + 1, std::vector<double>(n));
  std::vector<double> values(n + 1);
  for (size_t i = 0; i < n; ++i) simplex[0][i] = to_unit(params[i], params[i].initial);
  for (size_t v = 1; v <= n; ++v) {
    simplex[v] = simplex[0];
    const double step = 0.2;
    simplex[v][v - 1] = simplex[0][v - 1] + (simplex[0][v - 1] + step <= 1 ? step : -step);
  }
  for (size_t v = 0; v <= n; ++v) values[v] = objective(simplex[v]);
  if (!std::isfinite(values[0]))
    throw InputError("none of the runs could be replayed, so nothing can be fitted (" + first_error + ")");
  auto clamp_point = [](std::vector<double>& p) {
    for (double& x : p) x = std::clamp(x, 0.0, 1.0);
  };
  while (result.evaluations < options.max_evaluations) {
    std::vector<size_t> order(n + 1);
    for (size_t i = 0; i <= n; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
    const size_t best = order[0], worst = order[n], second = order[n - 1];
    if (values[worst] - values[best] < 1e-4) break;
    std::vector<double> centroid(n, 0.0);
    for (size_t v = 0; v <= n; ++v)
      if (v != worst)
        for (size_t i = 0; i < n; ++i) centroid[i] += simplex[v][i] / static_cast<double>(n);
    auto along = [&](double t) {
      std::vector<double> p(n);
      for (size_t i = 0; i < n; ++i) p[i] = centroid[i] + t * (simplex[worst][i] - centroid[i]);
      clamp_point(p);
      return p;
    };
    std::vector<double> reflected = along(-1.0);
    const double fr = objective(reflected);
    if (fr < values[best]) {
      std::vector<double> expanded = along(-2.0);
      const double fe = objective(expanded);
      if (fe < fr) simplex[worst] = expanded, values[worst] = fe;
      else simplex[worst] = reflected, values[worst] = fr;
    } else if (fr < values[second]) {
      simplex[worst] = reflected, values[worst] = fr;
    } else {
      std::vector<double> contracted = fr < values[worst] ? along(-0.5) : along(0.5);
      const double fc = objective(contracted);
      if (fc < std::min(fr, values[worst])) {
        simplex[worst] = contracted, values[worst] = fc;
      } else {  // shrink towards the best point
        for (size_t v = 0; v <= n; ++v) {
          if (v == best) continue;
          for (size_t i = 0; i < n; ++i) simplex[v][i] = simplex[best][i] + 0.5 * (simplex[v][i] - simplex[best][i]);
          values[v] = objective(simplex[v]);
        }
      }
    }
  }
  const size_t best = static_cast<size_t>(std::min_element(values.begin(), values.end()) - values.begin());
  result.values.resize(n);
  for (size_t i = 0; i < n; ++i) result.values[i] = from_unit(params[i], simplex[best][i]);
  result.perf_model = section_at(simplex[best]);
  result.objective = values[best];
  return result;
}

}  // namespace kvsim
