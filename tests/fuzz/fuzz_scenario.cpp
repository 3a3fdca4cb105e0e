// Scenario JSON through to the start of a run: parse, validate, resolve against the catalogs,
// plan memory, build the step model, open the workload, build the replicas and run the first 4096
// events (a run checks its cancel flag, set from the start, every 4096 events). Trace paths
// resolve against tests/data and only relative paths without ".." are opened, so that an input
// cannot make the harness read /dev/zero; fleets over 64 MB of state are left out.
#include "catalog/catalog.h"
#include "core/error.h"
#include "core/json_text.h"
#include "fuzz_util.h"
#include "run/simulation.h"
#include "scenario/scenario.h"
#include "workload/workload_config.h"

namespace {

bool inside_test_data(const std::string& path) {
  return !path.empty() && path[0] != '/' && path.find("..") == std::string::npos;
}

bool safe_length(const kvsim::LengthDist& d) {
  return d.kind != kvsim::LengthDist::Kind::kTrace || inside_test_data(d.path);
}

bool safe_workload(const kvsim::WorkloadConfig& w) {
  if (w.trace) return inside_test_data(w.trace->path);
  if (!w.synthetic) return false;
  const kvsim::SyntheticConfig& s = *w.synthetic;
  return safe_length(s.prompt_tokens) && safe_length(s.output_tokens) &&
         (s.sessions.fraction == 0 || safe_length(s.sessions.user_tokens));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const kvsim::Catalog catalog = kvsim::Catalog::open_default();
  try {
    const nlohmann::json j = kvsim::parse_json_text(kvsim::fuzz::as_text(data, size), "fuzz.json");
    const kvsim::Scenario sc = kvsim::parse_scenario(j, KVSIM_FUZZ_TEST_DATA, catalog, "fuzz.json");
    if (!safe_workload(sc.workload) || kvsim::estimated_state_bytes(sc) > 64e6) return 0;
    static const std::atomic<bool> cancel{true};
    kvsim::RunOptions options;
    options.cancel = &cancel;
    kvsim::run_scenario(sc, options);
  } catch (const kvsim::InputError&) {
  } catch (const kvsim::Cancelled&) {
  }
  return 0;
}
