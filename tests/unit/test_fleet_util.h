// Helpers of the fleet tests (routing, response cache): the catalog, a scenario's error message,
// and a run's summary and files.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "run/simulation.h"
#include "scenario/scenario.h"
#include "test_run_util.h"

namespace kvsim::testing {

inline const Catalog& fleet_catalog() {
  static const Catalog c = Catalog::open_default();
  return c;
}

// The message parse_scenario gives for `j`, or "(no error)".
inline std::string scenario_error(const nlohmann::json& j) {
  try {
    parse_scenario(j, "", fleet_catalog());
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

struct FleetRun {
  RunSummary summary;
  std::string requests_csv, summary_json;
};

// Runs `j` into a temporary results folder (removed afterwards) and keeps what it wrote.
inline FleetRun run_fleet(const nlohmann::json& j, const std::string& tag) {
  namespace fs = std::filesystem;
  const fs::path out = fs::temp_directory_path() / ("kvsim_fleet_" + std::to_string(::getpid()) + "_" + tag);
  fs::remove_all(out);
  RunOptions o;
  o.out_dir = out.string();
  FleetRun r{run_scenario(parse_scenario(j, "", fleet_catalog()), o).summary, slurp(out / "requests.csv"),
             slurp(out / "summary.json")};
  fs::remove_all(out);
  return r;
}

}  // namespace kvsim::testing
