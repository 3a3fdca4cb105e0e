#include "workload/azure_trace.h"

#include "workload/text_number.h"

namespace kvsim {

AzureTraceReader::AzureTraceReader(std::string path, const TraceReaderOptions& options)
    : CsvTraceReader(std::move(path), options, "ContextTokens", "GeneratedTokens") {
  if (!clock_.generated()) time_column_ = csv_.column("TIMESTAMP");
}

bool AzureTraceReader::next(RequestSpec& out) {
  if (!csv_.next_row()) return false;
  if (!clock_.generated()) {
    const std::string_view text = csv_.field(time_column_);
    SimTime t;
    if (!parse_datetime_ns(text, t))
      csv_.fail(time_column_, "expected a date-time like 2023-11-16 18:15:46.6805900 (years " +
                                  std::to_string(kMinYear) + " to " + std::to_string(kMaxYear) + "), found " +
                                  quote_field(text));
    observe_time(t);
  }
  const uint32_t prompt = csv_.tokens(prompt_column_, 1);
  make_request(prompt, csv_.tokens(output_column_), out);
  return true;
}

}  // namespace kvsim
