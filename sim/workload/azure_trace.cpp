#include "workload/azure_trace.h"

#include "workload/text_number.h"
#include "workload/trace_request.h"

namespace kvsim {

AzureTraceReader::AzureTraceReader(std::string path, const TraceReaderOptions& options)
    : csv_(std::move(path)),
      clock_(options),
      prompt_column_(csv_.column("ContextTokens")),
      output_column_(csv_.column("GeneratedTokens")) {
  if (!clock_.generated()) time_column_ = csv_.column("TIMESTAMP");
}

bool AzureTraceReader::next(RequestSpec& out) {
  if (!csv_.next_row()) return false;
  if (!clock_.generated()) {
    const std::string_view text = csv_.field(time_column_);
    SimTime t;
    if (!parse_datetime_ns(text, t))
      csv_.fail(time_column_, "expected a date-time like 2023-11-16 18:15:46.6805900, found " +
                                  quote_field(text));
    if (!clock_.observe(t, csv_.line_number()))
      csv_.fail(time_column_, quote_field(text) + " " + out_of_order_message(t, clock_));
  }
  const uint32_t prompt = csv_.tokens(prompt_column_, 1);
  const uint32_t output = csv_.tokens(output_column_);
  make_trace_request(next_id_++, clock_.arrival(), prompt, output, out);
  return true;
}

}  // namespace kvsim
