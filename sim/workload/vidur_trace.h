// Reader of Vidur's request traces (microsoft/vidur): arrived_at (seconds), num_prefill_tokens,
// num_decode_tokens. Vidur's processed length files (data/processed_traces/*.csv) have no
// arrived_at column; they replay only with an arrival process in the options, which may also
// replace the arrival times of a trace that has them. Other columns (num_total_tokens, pd_ratio)
// are ignored.
#pragma once
#include <optional>
#include <string>

#include "workload/csv_file.h"
#include "workload/request_source.h"
#include "workload/trace_clock.h"

namespace kvsim {

class VidurTraceReader : public RequestSource {
 public:
  // Throws InputError if the file cannot be opened, lacks a column, or has no arrived_at column
  // and no arrival process was given.
  explicit VidurTraceReader(std::string path, const TraceReaderOptions& options = {});
  bool next(RequestSpec& out) override;
  std::string describe() const override {
    return "vidur-csv " + csv_.path() + clock_.describe_arrivals();
  }

 private:
  CsvFile csv_;
  TraceClock clock_;
  size_t time_column_ = 0;
  size_t prompt_column_;
  size_t output_column_;
  uint64_t next_id_ = 0;
};

}  // namespace kvsim
