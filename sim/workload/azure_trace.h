// Reader of the Azure LLM inference traces (Azure/AzurePublicDataset, 2023 and 2024):
//   TIMESTAMP,ContextTokens,GeneratedTokens
//   2023-11-16 18:15:46.6805900,374,44
// TIMESTAMP is a UTC date-time (an offset such as "+00:00" is honoured); a request's prompt is
// ContextTokens and its answer GeneratedTokens. The trace carries no prefix-sharing information,
// so every request has its own tokens.
#pragma once
#include <string>

#include "workload/csv_trace_reader.h"

namespace kvsim {

class AzureTraceReader : public CsvTraceReader {
 public:
  // Throws InputError if the file cannot be opened or lacks a column.
  explicit AzureTraceReader(std::string path, const TraceReaderOptions& options = {});
  bool next(RequestSpec& out) override;
  std::string describe() const override { return "azure-csv " + csv_.path() + clock_.describe_arrivals(); }
};

}  // namespace kvsim
