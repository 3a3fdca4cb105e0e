#include "workload/csv_trace_reader.h"

#include "workload/text_number.h"
#include "workload/trace_request.h"

namespace kvsim {

CsvTraceReader::CsvTraceReader(std::string path, const TraceReaderOptions& options, const char* prompt_column,
                               const char* output_column)
    : csv_(std::move(path)),
      clock_(options),
      prompt_column_(csv_.column(prompt_column)),
      output_column_(csv_.column(output_column)) {}

void CsvTraceReader::observe_time(SimTime t) {
  if (clock_.beyond_range(t))
    csv_.fail(time_column_, quote_field(csv_.field(time_column_)) + " " + beyond_range_message(t, clock_));
  if (!clock_.observe(t, csv_.line_number()))
    csv_.fail(time_column_, quote_field(csv_.field(time_column_)) + " " + out_of_order_message(t, clock_));
}

void CsvTraceReader::make_request(uint32_t prompt_tokens, uint32_t output_tokens, RequestSpec& out) {
  make_trace_request(next_id_++, clock_.arrival(), prompt_tokens, output_tokens, out);
}

}  // namespace kvsim
