// Scenario JSON through to the start of a run: parse, validate, resolve against the catalogs,
// plan memory, build the step model, open the workload and draw its first requests. Trace paths
// resolve against tests/data and only relative paths without ".." are opened, so that an input
// cannot make the harness read /dev/zero.
#include "catalog/catalog.h"
#include "core/error.h"
#include "core/json_text.h"
#include "fuzz_util.h"
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
    if (!safe_workload(sc.workload)) return 0;
    auto source = kvsim::open_workload(sc.workload, sc.base_dir);
    kvsim::RequestSpec r;
    kvsim::read_first_request(*source, r);
    for (int i = 0; i < 64 && source->next(r); ++i) {
    }
  } catch (const kvsim::InputError&) {
  }
  return 0;
}
