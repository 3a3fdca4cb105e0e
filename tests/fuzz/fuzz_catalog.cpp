// A catalog entry (models/llm/*.json or models/gpu/*.json) read as both kinds, with the derived
// figures `kvsim info` prints.
#include "catalog/catalog.h"
#include "core/error.h"
#include "core/json_text.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json j;
  try {
    j = kvsim::parse_json_text(kvsim::fuzz::as_text(data, size), "fuzz.json");
  } catch (const kvsim::InputError&) {
    return 0;
  }
  try {
    kvsim::describe_llm(kvsim::parse_llm_spec(j, "fuzz", "fuzz.json"));
  } catch (const kvsim::InputError&) {
  }
  try {
    kvsim::describe_gpu(kvsim::parse_gpu_spec(j, "fuzz", "fuzz.json"));
  } catch (const kvsim::InputError&) {
  }
  return 0;
}
