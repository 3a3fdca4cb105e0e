// A calibration profile (models/profiles/*.json) read and described, and one GEMM predicted.
#include "core/error.h"
#include "core/json_text.h"
#include "fuzz_util.h"
#include "perf/profile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const nlohmann::json j = kvsim::parse_json_text(kvsim::fuzz::as_text(data, size), "fuzz.json");
    const kvsim::CalibrationProfile p = kvsim::CalibrationProfile::from_json(j, "fuzz.json");
    p.describe();
    p.gemm_seconds(16, 4096, 4096, kvsim::GemmKind{});
  } catch (const kvsim::InputError&) {
  }
  return 0;
}
