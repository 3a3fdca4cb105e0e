#include "workload/burstgpt_trace.h"

#include <cctype>

#include "workload/text_number.h"
#include "workload/trace_request.h"

namespace kvsim {

namespace {
bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}
}  // namespace

BurstGptTraceReader::BurstGptTraceReader(std::string path, BurstGptFilter filter,
                                         const TraceReaderOptions& options)
    : csv_(std::move(path)),
      filter_(std::move(filter)),
      clock_(options),
      prompt_column_(csv_.column("Request tokens")),
      output_column_(csv_.column("Response tokens")) {
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
    if (!clock_.generated()) {
      const SimTime t = csv_.seconds(time_column_);
      if (!clock_.observe(t, csv_.line_number()))
        csv_.fail(time_column_,
                  quote_field(csv_.field(time_column_)) + " " + out_of_order_message(t, clock_));
    }
    const uint32_t prompt = csv_.tokens(prompt_column_);
    const uint32_t output = csv_.tokens(output_column_);
    if (prompt == 0 || !keep() || (filter_.skip_failed && output == 0)) continue;
    make_trace_request(next_id_++, clock_.arrival(), prompt, output, out);
    return true;
  }
  return false;
}

}  // namespace kvsim
