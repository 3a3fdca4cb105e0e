// kvsim fit RUNS.json... : replay measured serving runs, fit the engine-overhead terms, report.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "catalog/catalog.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "fit/e2e_report.h"
#include "fit/fit.h"
#include "perf/profile.h"
#include "perf/step_model_factory.h"

namespace kvsim {

namespace {

const char* kFitAbout =
    "Replays real serving runs (measurements in the layout of\n"
    "../shared/data/serving/vllm_h100_trainval.json, docs/calibration.md section 7) through kvsim with\n"
    "their exact configuration and workload, compares the predicted client figures (E2E, TTFT\n"
    "mean/P90/P99, mean ITL) with the measured ones stage by stage, and fits the engine-overhead\n"
    "terms of the GPU profile (perf_model.engine: engine CPU per step and per sequence, frontend\n"
    "per request, custom all-reduce latency) to minimise the error. By default it fits on all runs,\n"
    "then reports every run with the fitted terms.";

struct FitCli {
  std::vector<std::string> files;
  bool lomo = false, evaluate_only = false, check = false;
  std::string profile, write_profile, report, scenarios;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  int max_evaluations = 80;
  double fit_scale = 1.0;
};

// The command line, or the exit code when the command stops at once (--help, usage).
std::optional<int> parse_args(const Args& args, FitCli& c) {
  uint64_t jobs = c.jobs, max_evaluations = static_cast<uint64_t>(c.max_evaluations);
  CommandLine cl("fit",
                 {"RUNS.json [RUNS.json ...] [--leave-one-model-out | --evaluate]",
                  "          [--profile PATH] [--write-profile OUT.json] [--report OUT.md]",
                  "          [--jobs N] [--max-evaluations N] [--fit-duration-scale X] [--check] [--scenarios DIR]"},
                 kFitAbout);
  cl.positionals("RUNS.json", c.files, 0)
      .flag("leave-one-model-out", c.lomo,
            "for each model, fit on the other models' runs and predict its runs; the report's headline is these "
            "held-out errors (then the all-runs fit)")
      .flag("evaluate", c.evaluate_only, "no fit: compare the profile as it is")
      .text("profile", c.profile, "PATH", "the calibration profile to start from (default: models/profiles/<gpu>.json)")
      .text("write-profile", c.write_profile, "OUT",
            "write the profile with the fitted engine terms (all-runs fit); never written when the fit fails")
      .text("report", c.report, "OUT.md", "write the markdown report (docs/validation-e2e.md is one)")
      .integer("jobs", jobs, 1, 256, "N", "runs replayed in parallel (default: all cores)")
      .integer("max-evaluations", max_evaluations, 1, 100000, "N", "objective evaluations per fit (default 80)")
      .number("fit-duration-scale", c.fit_scale, 0.01, 1, "X",
              "simulate this fraction of each stage while fitting (default 1; reports always replay whole stages)")
      .flag("check", c.check, "exit 1 if an accuracy goal of docs/validation-e2e.md is missed")
      .text("scenarios", c.scenarios, "DIR",
            "also write each run's replay as a scenario, DIR/<run id>.json, to run or inspect with kvsim run (no fit "
            "needed)");
  if (const auto rc = cl.parse(args)) return rc;
  c.jobs = static_cast<unsigned>(jobs);
  c.max_evaluations = static_cast<int>(max_evaluations);
  if (c.files.empty()) throw InputError("give at least one measurement file (see kvsim fit --help)");
  if (c.lomo && c.evaluate_only) throw InputError("--leave-one-model-out fits; it cannot go with --evaluate");
  if (c.evaluate_only && !c.write_profile.empty()) throw InputError("--write-profile needs a fit; drop --evaluate");
  return std::nullopt;
}

std::string command_line(const Args& args) {
  std::string s = "kvsim fit";
  for (const std::string& a : args) s += " " + a;
  return s;
}

std::vector<const ServingRun*> pointers(const std::vector<ServingRun>& runs, const std::string& except_model = "",
                                        const std::string& only_model = "") {
  std::vector<const ServingRun*> out;
  for (const ServingRun& r : runs)
    if ((except_model.empty() || r.model_key != except_model) && (only_model.empty() || r.model_key == only_model))
      out.push_back(&r);
  return out;
}

}  // namespace

int cmd_fit(const Args& args) {
  FitCli cli;
  if (const auto rc = parse_args(args, cli)) return *rc;
  const Catalog catalog = Catalog::open_default();
  std::vector<ServingRun> runs;
  for (const std::string& f : cli.files) {
    std::vector<ServingRun> more = read_serving_runs(f);
    runs.insert(runs.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }
  resolve_model_keys(runs, catalog);
  std::set<std::string> gpus, models;
  for (const ServingRun& r : runs) {
    gpus.insert(catalog.gpu(r.gpu).name);
    models.insert(r.model_key);
  }
  if (gpus.size() != 1)
    throw InputError("the runs are on " + std::to_string(gpus.size()) +
                     " GPU types: a profile describes one GPU, so fit each GPU's runs separately");
  const GpuSpec gpu = catalog.gpu(*gpus.begin());
  const std::string base_profile =
      cli.profile.empty() ? default_profile_path(catalog.models_dir(), gpu) : cli.profile;

  FitOptions options;
  options.replay.perf_model = {{"kind", "calibrated"}};
  if (!cli.profile.empty()) options.replay.perf_model["profile"] = cli.profile;
  options.jobs = cli.jobs;
  options.max_evaluations = cli.max_evaluations;
  options.replay.duration_scale = cli.fit_scale;
  const std::vector<FitParameter> params = default_fit_parameters();
  ReplayOptions full = options.replay;
  full.duration_scale = 1.0;
  const std::string command = command_line(args);
  if (!cli.scenarios.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(cli.scenarios, ec);
    if (ec) throw InputError("--scenarios " + cli.scenarios + ": cannot create the folder: " + ec.message());
    for (const ServingRun& r : runs)
      write_text((std::filesystem::path(cli.scenarios) / (r.id + ".json")).string(),
                 replay_scenario(r, full, catalog).dump(2) + "\n");
    std::cerr << "kvsim fit: wrote " << runs.size() << " replay scenarios to " << cli.scenarios << "\n";
  }

  std::ostringstream md;
  md << "# End-to-end accuracy against real serving runs\n\n"
     << "Generated by `" << command << "` (" << runs.size() << " runs, " << models.size() << " models, "
     << gpu.name << "); docs/calibration.md section 10 explains the method. Every run is replayed with "
        "its engine configuration, its KV block count, its workload (inference-perf shared_prefix, load "
        "stages back to back in one run, Poisson arrivals) and the answer length its own E2E, TTFT and "
        "ITL imply; the simulated client figures are compared with the measured ones per stage. "
        "Errors are (predicted - measured) / measured; the goals are issue #9's.\n\n"
     << "Fitted terms (bounds in docs/calibration.md):\n\n";
  for (const FitParameter& p : params) md << "- `" << p.name << "`: " << p.meaning << "\n";
  md << "\n";

  if (cli.evaluate_only) {
    const Evaluation ev = evaluate(pointers(runs), options.replay.perf_model, full, catalog, cli.jobs);
    md << "## The profile as it is\n\n" << e2e_headline_markdown(ev) << "\n" << e2e_table_markdown(ev);
    std::cout << e2e_headline_markdown(ev);
    if (!cli.report.empty()) write_text(cli.report, md.str());
    return cli.check && !e2e_goals_met(ev) ? 1 : 0;
  }

  // A live line on a terminal; in a log, one line per 25 evaluations.
  const bool tty = isatty(fileno(stderr));
  auto progress = [tty](const std::string& label) {
    return [label, tty](int n, double objective) {
      if (tty) std::fprintf(stderr, "\rkvsim fit: %s: evaluation %d, objective %.4f   ", label.c_str(), n, objective);
      else if (n % 25 == 0) std::fprintf(stderr, "kvsim fit: %s: evaluation %d, objective %.4f\n", label.c_str(), n, objective);
      std::fflush(stderr);
    };
  };
  bool goals_met = true;
  std::vector<std::pair<std::string, FitResult>> fits;
  if (cli.lomo) {
    Evaluation held_out;
    for (const std::string& model : models) {
      options.on_evaluation = progress("without " + model);
      const std::vector<const ServingRun*> train = pointers(runs, model);
      if (train.empty()) throw InputError("leave-one-model-out needs runs of at least two models");
      FitResult f = fit_parameters(train, params, options, catalog);
      Evaluation ev = evaluate(pointers(runs, "", model), f.perf_model, full, catalog, cli.jobs);
      for (RunComparison& c : ev.runs) held_out.runs.push_back(std::move(c));
      fits.emplace_back("without " + model, std::move(f));
    }
    if (tty) std::fprintf(stderr, "\n");
    score(held_out);
    goals_met = e2e_goals_met(held_out);
    md << "## Leave one model out (the headline)\n\nFor each model, the engine terms are fitted on the other "
          "models' runs and its own runs are predicted.\n\n"
       << e2e_headline_markdown(held_out) << "\n" << e2e_table_markdown(held_out) << "\n### Terms fitted per fold\n\n"
       << fitted_terms_markdown(params, fits) << "\n";
    std::cout << "leave one model out:\n" << e2e_headline_markdown(held_out);
  }

  options.on_evaluation = progress("all runs");
  const FitResult all = fit_parameters(pointers(runs), params, options, catalog);
  if (tty) std::fprintf(stderr, "\n");
  const Evaluation in_sample = evaluate(pointers(runs), all.perf_model, full, catalog, cli.jobs);
  if (!cli.lomo) goals_met = e2e_goals_met(in_sample);
  md << "## Fitted on all runs (the terms a written profile carries)\n\n"
     << fitted_terms_markdown(params, {{"all runs", all}}) << "\n"
     << e2e_headline_markdown(in_sample) << "\n" << e2e_table_markdown(in_sample);
  std::cout << "fitted on all runs:\n" << e2e_headline_markdown(in_sample);
  for (size_t i = 0; i < params.size(); ++i) std::printf("  %-45s %.4g\n", params[i].name.c_str(), all.values[i]);

  if (!cli.write_profile.empty()) {
    std::vector<std::string> ids;
    for (const ServingRun& r : runs) ids.push_back(r.id);
    write_text(cli.write_profile,
               profile_with_fit(CalibrationProfile::load(base_profile), all, ids, command).to_text());
    std::cerr << "kvsim fit: wrote " << cli.write_profile << "\n";
  }
  if (!cli.report.empty()) {
    write_text(cli.report, md.str());
    std::cerr << "kvsim fit: wrote " << cli.report << "\n";
  }
  return cli.check && !goals_met ? 1 : 0;
}

}  // namespace kvsim
