// Reader of Vidur's request traces (microsoft/vidur): arrived_at (seconds), num_prefill_tokens,
// num_decode_tokens. Vidur's processed length files (data/processed_traces/*.csv) have no
// arrived_at column; they replay only with an arrival process in the options, which may also
// replace the arrival times of a trace that has them. Other columns (num_total_tokens, pd_ratio)
// are ignored.
#pragma once
#include <string>

#include "workload/csv_trace_reader.h"

namespace kvsim {

class VidurTraceReader : public CsvTraceReader {
 public:
  // Throws InputError if the file cannot be opened, lacks a column, or has no arrived_at column
  // and no arrival process was given.
  explicit VidurTraceReader(std::string path, const TraceReaderOptions& options = {});
  bool next(RequestSpec& out) override;
  std::string describe() const override {
    return "vidur-csv " + csv_.path() + clock_.describe_arrivals();
  }
};

}  // namespace kvsim
