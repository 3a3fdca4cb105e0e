// kvsim validate SCENARIO.json [--set /pointer=value ...]
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "core/error.h"
#include "scenario/scenario.h"

namespace kvsim {

int cmd_validate(const Args& args) {
  if (wants_help(args) || args.empty()) {
    std::cout << "usage: kvsim validate SCENARIO.json [--set /json/pointer=value ...]\n\n"
                 "Checks every field of the scenario (types, ranges, names in the catalogs, the\n"
                 "workload, its trace file and its first request, the memory plan). Each error names its JSON pointer,\n"
                 "what was expected and what was found. Exit 0 when valid, 1 otherwise.\n";
    return args.empty() ? 2 : 0;
  }
  std::string path;
  std::vector<std::string> overrides;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--set") overrides.push_back(flag_value(args, i));
    else if (args[i][0] == '-') throw InputError("unknown flag " + args[i] + " (see kvsim validate --help)");
    else path = args[i];
  }
  const Scenario sc = load_scenario(path, overrides, Catalog::open_default());
  // Opening the workload checks that the trace file exists and its header is readable; its first
  // request, that the rows are in the format the scenario names and that there is one.
  auto source = open_workload(sc.workload, sc.base_dir);
  RequestSpec first;
  read_first_request(*source, first);
  std::cout << path << ": valid (" << sc.model.name << " on " << sc.gpu.name << ", " << sc.num_replicas
            << " replica(s), " << sc.replica.num_gpu_blocks << " KV blocks per replica, workload "
            << source->describe() << ")\n";
  return 0;
}

}  // namespace kvsim
