// A --set assignment ("/json/pointer=value") applied to the quickstart scenario, then the
// scenario validated as `kvsim validate --set` does. The base uses the roofline model, which
// reads no profile file, so that an input costs milliseconds.
#include "catalog/catalog.h"
#include "core/error.h"
#include "fuzz_util.h"
#include "scenario/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const kvsim::Catalog catalog = kvsim::Catalog::open_default();
  static const nlohmann::json quickstart = [] {
    nlohmann::json j = kvsim::read_json_file(KVSIM_SOURCE_DIR "/scenarios/quickstart.json");
    j["perf_model"] = {{"kind", "roofline"}};
    return j;
  }();
  const std::string assignment(kvsim::fuzz::as_text(data, size));
  try {
    nlohmann::json j = quickstart;
    kvsim::apply_override(j, assignment);
    kvsim::parse_scenario(j, KVSIM_SOURCE_DIR "/scenarios", catalog, "quickstart.json", {assignment});
  } catch (const kvsim::InputError&) {
  }
  return 0;
}
