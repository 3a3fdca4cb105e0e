// kvsim: the command-line front end. Dispatches to a subcommand; every error is one clear
// message on stderr and a non-zero exit, never a crash.
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "core/error.h"
#include "kvsim_version.h"

namespace {

struct Command {
  const char* name;
  int (*run)(const kvsim::Args&);
  const char* summary;
};

const Command kCommands[] = {
    {"run", kvsim::cmd_run, "simulate a scenario and write summary.json, requests.csv, timeseries.csv"},
    {"validate", kvsim::cmd_validate, "check a scenario file; errors name the JSON pointer"},
    {"info", kvsim::cmd_info, "print a catalog model or GPU with derived figures (JSON)"},
    {"import-model", kvsim::cmd_import_model, "write a catalog model from a Hugging Face config.json"},
    {"predict", kvsim::cmd_predict, "per-operator latency of one layer and one step (JSON)"},
    {"calibrate", kvsim::cmd_calibrate, "turn microbenchmark or Vidur measurements into a GPU profile"},
    {"validate-profile", kvsim::cmd_validate_profile,
     "leave-one-model-out validation of the calibrated model (docs/validation.md)"},
    {"cache-replay", kvsim::cmd_cache_replay, "replay a trace through the KV cache only: hit rates per policy and tier"},
    {"sweep", kvsim::cmd_sweep, "run a scenario over axes of values on every core or MPI rank; resumable (docs/sweep.md)"},
    {"plan", kvsim::cmd_plan, "the cheapest fleet meeting the SLOs per candidate GPU/TP/dtype/knobs; frontier, growth (docs/plan.md)"},
    {"fit", kvsim::cmd_fit, "replay measured serving runs, fit the engine overheads, report end-to-end accuracy"},
};

void print_help() {
  std::cout << "kvsim - discrete-event simulator and capacity planner for LLM serving\n\n"
               "usage: kvsim COMMAND [ARGS...]\n       kvsim COMMAND --help\n       kvsim --version\n\ncommands:\n";
  for (const auto& c : kCommands) std::printf("  %-14s %s\n", c.name, c.summary);
  std::cout << "\nCatalogs are read from $KVSIM_HOME/models when KVSIM_HOME is set, else from the\n"
               "source tree's models/. Documentation: docs/ (scenario fields: docs/scenario.md).\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_help();
    return 2;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_help();
    return 0;
  }
  if (name == "--version") {
    std::cout << "kvsim " << kvsim::kVersion << "\n";
    return 0;
  }
  kvsim::Args args(argv + 2, argv + argc);
  for (const auto& c : kCommands) {
    if (name != c.name) continue;
    try {
      return c.run(args);
    } catch (const kvsim::InputError& e) {
      std::cerr << "kvsim " << name << ": " << e.what() << "\n";
      return 1;
    } catch (const kvsim::Cancelled&) {
      std::cerr << "kvsim " << name << ": cancelled; no outputs were published\n";
      return 130;
    } catch (const std::exception& e) {
      std::cerr << "kvsim " << name << ": internal error: " << e.what() << "\n";
      return 3;
    }
  }
  std::cerr << "kvsim: unknown command \"" << name << "\" (try kvsim --help)\n";
  return 2;
}
