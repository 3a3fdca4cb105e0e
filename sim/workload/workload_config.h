// The "workload" object of a scenario: a trace to replay, a synthetic generator or inference-perf's
// shared_prefix generator, read with every problem reported by JSON pointer, and opened as a
// RequestSource. The fields, their units and defaults are documented in docs/workload.md.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/json_reader.h"
#include "workload/arrival_process.h"
#include "workload/burstgpt_trace.h"
#include "workload/request_source.h"
#include "workload/shared_prefix_source.h"
#include "workload/synthetic_source.h"
#include "workload/trace_window.h"

namespace kvsim {

struct TraceConfig {
  std::string format;  // a name from trace_format_names()
  std::string path;    // relative paths resolve against the scenario's folder
  TraceWindow window;
  // Replaces the trace's timestamps; required for traces without any (Vidur length files).
  std::optional<ArrivalConfig> arrivals;
  uint64_t seed = 1;  // seeds `arrivals`
  BurstGptFilter burstgpt;
  std::string pointer;  // where it was configured, e.g. "/workload/trace"; empty from C++
};

struct WorkloadConfig {
  std::optional<TraceConfig> trace;  // exactly one of the three is set
  std::optional<SyntheticConfig> synthetic;
  std::optional<SharedPrefixConfig> shared_prefix;
};

// The workload's generated arrival process, or nullptr when it replays a trace's own timestamps.
// Its stages (if any) are the load stages that the metrics report one by one.
const ArrivalConfig* workload_arrivals(const WorkloadConfig& config);

// Reads the workload object `r` points at (e.g. root.object("workload")). Problems go to
// r.errors() by JSON pointer, unknown keys included; the caller throws them with
// ErrorList::throw_if_any once the whole scenario is read.
WorkloadConfig parse_workload(JsonReader& r);

// The configuration as JSON in the scenario's schema, defaults filled in (for summaries).
nlohmann::json workload_to_json(const WorkloadConfig& config);

// Opens the configured workload. Relative file paths resolve against `base_dir` (the scenario
// file's folder; "" = the working directory). Throws InputError naming the path it tried when a
// file is missing, or the file and line when a trace is malformed.
std::unique_ptr<RequestSource> open_workload(const WorkloadConfig& config,
                                             const std::string& base_dir);

// A trace reader with its window, speed and request limit applied (paths used as given).
std::unique_ptr<RequestSource> open_trace(const TraceConfig& config);
// A plain reader of `format` ("azure", "mooncake", "vidur", "burstgpt") on `path`.
std::unique_ptr<RequestSource> open_trace(const std::string& format, const std::string& path);

// Reads the first request of `source` into `first`; throws InputError when the workload holds none
// (an empty trace, a header alone, or a window or filter that selects no row).
void read_first_request(RequestSource& source, RequestSpec& first);

}  // namespace kvsim
