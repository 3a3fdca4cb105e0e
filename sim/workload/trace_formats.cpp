#include "workload/trace_formats.h"

#include "core/error.h"
#include "workload/azure_trace.h"
#include "workload/mooncake_trace.h"
#include "workload/vidur_trace.h"

namespace kvsim {

const std::vector<std::string>& trace_format_names() {
  static const std::vector<std::string> kNames = {"azure", "mooncake", "vidur", "burstgpt"};
  return kNames;
}

bool is_trace_format(const std::string& format) {
  for (const auto& n : trace_format_names())
    if (n == format) return true;
  return false;
}

std::unique_ptr<RequestSource> open_trace_reader(const std::string& format, const std::string& path,
                                                 const TraceReaderOptions& options,
                                                 const BurstGptFilter& burstgpt) {
  if (format == "azure") return std::make_unique<AzureTraceReader>(path, options);
  if (format == "mooncake") return std::make_unique<MooncakeTraceReader>(path, options);
  if (format == "vidur") return std::make_unique<VidurTraceReader>(path, options);
  if (format == "burstgpt") return std::make_unique<BurstGptTraceReader>(path, burstgpt, options);
  std::string known;
  for (const auto& n : trace_format_names()) known += (known.empty() ? "" : ", ") + n;
  throw InputError("unknown trace format \"" + format + "\" (known: " + known + ")");
}

}  // namespace kvsim
