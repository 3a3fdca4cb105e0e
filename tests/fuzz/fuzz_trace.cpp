// One trace reader (KVSIM_FUZZ_FORMAT: azure, mooncake, vidur or burstgpt) on the input as a file,
// read to its end twice: with the trace's own timestamps, and with generated arrivals.
#include "core/error.h"
#include "fuzz_util.h"
#include "workload/trace_formats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = kvsim::fuzz::write_input_file(kvsim::fuzz::as_text(data, size), "." KVSIM_FUZZ_FORMAT);
  for (const bool generated : {false, true}) {
    try {
      kvsim::TraceReaderOptions options;
      if (generated) options.arrivals = kvsim::ArrivalConfig{};
      auto reader = kvsim::open_trace_reader(KVSIM_FUZZ_FORMAT, path, options);
      kvsim::RequestSpec r;
      while (reader->next(r)) {
      }
    } catch (const kvsim::InputError&) {
    }
  }
  return 0;
}
