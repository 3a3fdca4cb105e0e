#include "workload/burstgpt_trace.h"

#include "workload/text_number.h"

namespace kvsim {

BurstGptTraceReader::BurstGptTraceReader(std::string path, BurstGptFilter filter,
                                         const TraceReaderOptions& options)
    : CsvTraceReader(std::move(path), options, "Request tokens", "Response tokens"), filter_(std::move(filter)) {
  if (!clock_.generated()) time_column_ = csv_.column("Timestamp");
  if (!filter_.model.empty()) model_column_ = csv_.column("Model");
  if (!filter_.log_type.empty()) log_type_column_ = csv_.column("Log Type");
}

std::string BurstGptTraceReader::describe() const {
  std::string d = "burstgpt-csv " + csv_.path();
  if (!filter_.model.empty()) d += " model=" + filter_.model;
  if (!filter_.log_type.empty()) d += " log_type=" + filter_.log_type;
  if (filter_.skip_failed) d += " skip_failed";
  return d + clock_.describe_arrivals();
}

bool BurstGptTraceReader::keep() const {
  if (!filter_.model.empty() && !equal_ignoring_case(csv_.field(model_column_), filter_.model))
    return false;
  if (!filter_.log_type.empty() &&
      !equal_ignoring_case(csv_.field(log_type_column_), filter_.log_type))
    return false;
  return true;
}

bool BurstGptTraceReader::next(RequestSpec& out) {
  while (csv_.next_row()) {
    // Every row is checked, kept or not, so that a bad file is reported whatever the filter.
    if (!clock_.generated()) observe_seconds();
    const uint32_t prompt = csv_.tokens(prompt_column_);
    const uint32_t output = csv_.tokens(output_column_);
    if (prompt == 0 || !keep() || (filter_.skip_failed && output == 0)) continue;
    make_request(prompt, output, out);
    return true;
  }
  return false;
}

}  // namespace kvsim
