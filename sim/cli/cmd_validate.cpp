// kvsim validate SCENARIO.json [--set /pointer=value ...]
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "scenario/scenario.h"

namespace kvsim {

int cmd_validate(const Args& args) {
  std::string path;
  std::vector<std::string> overrides;
  CommandLine cl("validate", {"SCENARIO.json [--set /json/pointer=value ...]"},
                 "Checks every field of the scenario (types, ranges, names in the catalogs, the\n"
                 "workload, its trace file and its first request, the memory plan). Each error names its JSON pointer,\n"
                 "what was expected and what was found. Exit 0 when valid, 1 otherwise.");
  cl.positional("SCENARIO.json", path)
      .texts("set", overrides, "/ptr=value", "override a scenario field, as kvsim run --set (repeatable)");
  if (const auto rc = cl.parse(args)) return *rc;
  const Scenario sc = load_scenario(path, overrides, Catalog::open_default());
  // Opening the workload checks that the trace file exists and its header is readable; its first
  // request, that the rows are in the format the scenario names and that there is one.
  auto source = open_workload(sc.workload, sc.base_dir);
  RequestSpec first;
  read_first_request(*source, first);
  if (sc.disagg.enabled) {  // each pool: replicas x GPU and its KV blocks
    const auto pool = [](const Scenario& p) {
      return std::to_string(p.num_replicas) + " x " + p.gpu.name + " TP" + std::to_string(p.deployment.tensor_parallel) +
             " (" + std::to_string(p.replica.num_gpu_blocks) + " KV blocks each)";
    };
    std::cout << path << ": valid (" << sc.model.name << " disaggregated: prefill " << pool(*sc.prefill_pool)
              << ", decode " << pool(*sc.decode_pool) << ", KV over " << sc.disagg.link.link << ", workload "
              << source->describe() << ")\n";
    return 0;
  }
  std::cout << path << ": valid (" << sc.model.name << " on " << sc.gpu.name << ", " << sc.num_replicas
            << " replica(s), " << sc.replica.num_gpu_blocks << " KV blocks per replica, workload "
            << source->describe() << ")\n";
  return 0;
}

}  // namespace kvsim
