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
#include "core/error.h"
#include "fit/e2e_report.h"
#include "fit/fit.h"
#include "perf/profile.h"
#include "perf/step_model_factory.h"

namespace kvsim {

namespace {

std::string fmt_number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

const char* kFitHelp =
    "usage: kvsim fit RUNS.json [RUNS.json ...] [--leave-one-model-out | --evaluate]\n"
    "                 [--profile PATH] [--write-profile OUT.json] [--report OUT.md]\n"
    "                 [--jobs N] [--max-evaluations N] [--fit-duration-scale X] [--check]\n\n"
    "Replays real serving runs (measurements in the layout of\n"
    "../shared/data/serving/vllm_h100_trainval.json, docs/calibration.md section 7) through kvsim with\n"
    "their exact configuration and workload, compares the predicted client figures (E2E, TTFT\n"
    "mean/P90/P99, mean ITL) with the measured ones stage by stage, and fits the engine-overhead\n"
    "terms of the GPU profile (perf_model.engine: engine CPU per step and per sequence, frontend\n"
    "per request, custom all-reduce latency) to minimise the error.\n\n"
    "  (default)               fit on all runs, then report every run with the fitted terms\n"
    "  --leave-one-model-out   for each model, fit on the other models' runs and predict its runs;\n"
    "                          the report's headline is these held-out errors (then the all-runs fit)\n"
    "  --evaluate              no fit: compare the profile as it is\n"
    "  --profile PATH          the calibration profile to start from (default: models/profiles/<gpu>.json)\n"
    "  --write-profile OUT     write the profile with the fitted engine terms (all-runs fit); never\n"
    "                          written when the fit fails\n"
    "  --report OUT.md         write the markdown report (docs/validation-e2e.md is one)\n"
    "  --jobs N                runs replayed in parallel (default: all cores)\n"
    "  --max-evaluations N     objective evaluations per fit (default 80)\n"
    "  --fit-duration-scale X  simulate this fraction of each stage while fitting (default 1;\n"
    "                          reports always replay whole stages)\n"
    "  --check                 exit 1 if an accuracy goal of docs/validation-e2e.md is missed\n"
    "  --scenarios DIR         also write each run's replay as a scenario, DIR/<run id>.json, to run\n"
    "                          or inspect with kvsim run (no fit needed)\n";

struct FitCli {
  std::vector<std::string> files;
  bool lomo = false, evaluate_only = false, check = false;
  std::string profile, write_profile, report, scenarios;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  int max_evaluations = 80;
  double fit_scale = 1.0;
};

FitCli parse_args(const Args& args) {
  FitCli c;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto number = [&](double lo, double hi) {
      const std::string v = flag_value(args, i);
      size_t used = 0;
      double x = 0;
      try {
        x = std::stod(v, &used);
      } catch (...) {
        used = 0;
      }
      if (used != v.size() || !(x >= lo && x <= hi))
        throw InputError(a + ": expected a number in [" + fmt_number(lo) + ", " + fmt_number(hi) + "], found \"" +
                         v.substr(0, 40) + "\"");
      return x;
    };
    if (a == "--leave-one-model-out") c.lomo = true;
    else if (a == "--evaluate") c.evaluate_only = true;
    else if (a == "--check") c.check = true;
    else if (a == "--profile") c.profile = flag_value(args, i);
    else if (a == "--write-profile") c.write_profile = flag_value(args, i);
    else if (a == "--report") c.report = flag_value(args, i);
    else if (a == "--scenarios") c.scenarios = flag_value(args, i);
    else if (a == "--jobs") c.jobs = static_cast<unsigned>(number(1, 256));
    else if (a == "--max-evaluations") c.max_evaluations = static_cast<int>(number(1, 100000));
    else if (a == "--fit-duration-scale") c.fit_scale = number(0.01, 1);
    else if (!a.empty() && a[0] == '-') throw InputError("unknown argument \"" + a + "\" (see kvsim fit --help)");
    else c.files.push_back(a);
  }
  if (c.files.empty()) throw InputError("give at least one measurement file (see kvsim fit --help)");
  if (c.lomo && c.evaluate_only) throw InputError("--leave-one-model-out fits; it cannot go with --evaluate");
  if (c.evaluate_only && !c.write_profile.empty()) throw InputError("--write-profile needs a fit; drop --evaluate");
  return c;
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
  if (wants_help(args)) {
    std::cout << kFitHelp;
    return 0;
  }
  if (args.empty()) {
    std::cerr << kFitHelp;
    return 2;
  }
  const FitCli cli = parse_args(args);
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
