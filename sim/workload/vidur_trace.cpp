#include "workload/vidur_trace.h"

#include "core/error.h"

namespace kvsim {

VidurTraceReader::VidurTraceReader(std::string path, const TraceReaderOptions& options)
    : CsvTraceReader(std::move(path), options, "num_prefill_tokens", "num_decode_tokens") {
  if (clock_.generated()) return;
  const auto time = csv_.find_column("arrived_at");
  if (!time)
    throw InputError(csv_.header_where() +
                     ": no \"arrived_at\" column: this is a lengths-only trace, which replays "
                     "only with an arrival process (\"arrivals\": {\"process\": \"poisson\", "
                     "\"rate\": ...} in the workload's \"trace\")");
  time_column_ = *time;
}

bool VidurTraceReader::next(RequestSpec& out) {
  if (!csv_.next_row()) return false;
  if (!clock_.generated()) observe_seconds();
  const uint32_t prompt = csv_.tokens(prompt_column_, 1);
  make_request(prompt, csv_.tokens(output_column_), out);
  return true;
}

}  // namespace kvsim
