// The trace formats kvsim reads, by the names used in scenarios and on the command line:
//   "azure"    Azure LLM inference trace CSV            (azure_trace.h)
//   "mooncake" Mooncake JSONL with prefix block hashes  (mooncake_trace.h)
//   "vidur"    Vidur request trace or length file CSV   (vidur_trace.h)
//   "burstgpt" BurstGPT CSV                              (burstgpt_trace.h)
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "workload/burstgpt_trace.h"
#include "workload/request_source.h"
#include "workload/trace_clock.h"

namespace kvsim {

const std::vector<std::string>& trace_format_names();
bool is_trace_format(const std::string& format);

// Opens a reader of `format` on `path`. Throws InputError for an unknown format or a file that
// cannot be read; `burstgpt` applies only to the "burstgpt" format.
std::unique_ptr<RequestSource> open_trace_reader(const std::string& format, const std::string& path,
                                                 const TraceReaderOptions& options = {},
                                                 const BurstGptFilter& burstgpt = {});

}  // namespace kvsim
