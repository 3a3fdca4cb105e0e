#include "workload/vidur_trace.h"

#include "core/error.h"
#include "workload/text_number.h"
#include "workload/trace_request.h"

namespace kvsim {

VidurTraceReader::VidurTraceReader(std::string path, const TraceReaderOptions& options)
    : csv_(std::move(path)),
      clock_(options),
      prompt_column_(csv_.column("num_prefill_tokens")),
      output_column_(csv_.column("num_decode_tokens")) {
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
  if (!clock_.generated()) {
    const SimTime t = csv_.seconds(time_column_);
    if (!clock_.observe(t, csv_.line_number()))
      csv_.fail(time_column_,
                quote_field(csv_.field(time_column_)) + " " + out_of_order_message(t, clock_));
  }
  const uint32_t prompt = csv_.tokens(prompt_column_, 1);
  const uint32_t output = csv_.tokens(output_column_);
  make_trace_request(next_id_++, clock_.arrival(), prompt, output, out);
  return true;
}

}  // namespace kvsim
