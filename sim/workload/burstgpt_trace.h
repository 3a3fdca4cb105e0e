// Reader of the BurstGPT traces (HPMLL/BurstGPT; Wang et al., "BurstGPT", arXiv:2401.17644):
//   Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type
//   5,ChatGPT,472,18,490,Conversation log
// Timestamp is in seconds from the start of the collection. Rows can be kept by Model ("ChatGPT",
// "GPT-4") and by Log Type ("Conversation log", "API log"), compared without regard to case.
// Failed requests have 0 response tokens; they are kept (as prefill-only requests) unless
// skip_failed is set, because the load they put on prefill was real. Rows with 0 request tokens
// are always skipped: a request without a prompt cannot be served.
#pragma once
#include <string>

#include "workload/csv_trace_reader.h"

namespace kvsim {

struct BurstGptFilter {
  std::string model;     // empty = every model
  std::string log_type;  // empty = every log type
  bool skip_failed = false;  // drop rows with 0 response tokens
};

class BurstGptTraceReader : public CsvTraceReader {
 public:
  // Throws InputError if the file cannot be opened or lacks a needed column.
  BurstGptTraceReader(std::string path, BurstGptFilter filter = {},
                      const TraceReaderOptions& options = {});
  bool next(RequestSpec& out) override;
  std::string describe() const override;

 private:
  bool keep() const;

  BurstGptFilter filter_;
  size_t model_column_ = 0;
  size_t log_type_column_ = 0;
};

}  // namespace kvsim
