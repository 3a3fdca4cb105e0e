// open_workload() and open_trace(), declared in workload_config.h.
#include <filesystem>

#include "core/error.h"
#include "workload/trace_formats.h"
#include "workload/workload_config.h"

namespace kvsim {

namespace {

namespace fs = std::filesystem;

// `path` as configured, resolved against the scenario's folder, checked to exist.
std::string resolve(const std::string& path, const std::string& base_dir, const std::string& pointer) {
  fs::path p(path);
  if (p.is_relative() && !base_dir.empty()) p = (fs::path(base_dir) / p).lexically_normal();
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) {
    const fs::path tried = fs::absolute(p, ec).lexically_normal();
    const fs::file_status status = fs::status(p, ec);
    std::string message = !fs::exists(status)         ? "trace file not found: " + tried.string()
                          : fs::is_directory(status) ? "trace file " + tried.string() + " is a folder, not a file"
                                                     : "trace file " + tried.string() +
                                                           " is not a regular file (a device or a pipe)";
    if (!pointer.empty()) message += " (from " + pointer + ")";
    if (path.find("shared/") != std::string::npos)
      message += "; the shared traces live in ../shared/data/traces/ next to the repository";
    if (pointer.empty()) throw InputError(message);
    throw InputError(message, {{pointer, message}});
  }
  return p.string();
}

void resolve_length(LengthDist& d, const std::string& base_dir) {
  if (d.kind != LengthDist::Kind::kTrace) return;
  d.path = resolve(d.path, base_dir, d.pointer.empty() ? "" : d.pointer + "/path");
}

}  // namespace

std::unique_ptr<RequestSource> open_trace(const TraceConfig& config) {
  TraceReaderOptions options;
  options.arrivals = config.arrivals;
  options.seed = config.seed;
  auto reader = open_trace_reader(config.format, config.path, options, config.burstgpt);
  // A staged arrival process ends (kNever) at the end of its last stage; the window stops there.
  const bool staged = config.arrivals && !config.arrivals->stages.empty();
  if (config.window.is_identity() && !staged) return reader;
  return std::make_unique<TraceWindowSource>(std::move(reader), config.window);
}

std::unique_ptr<RequestSource> open_trace(const std::string& format, const std::string& path) {
  return open_trace_reader(format, path);
}

const ArrivalConfig* workload_arrivals(const WorkloadConfig& config) {
  if (config.trace) return config.trace->arrivals ? &*config.trace->arrivals : nullptr;
  if (config.synthetic) return &config.synthetic->arrivals;
  if (config.shared_prefix) return &config.shared_prefix->arrivals;
  return nullptr;
}

std::unique_ptr<RequestSource> open_workload(const WorkloadConfig& config,
                                             const std::string& base_dir) {
  if (config.trace.has_value() + config.synthetic.has_value() + config.shared_prefix.has_value() != 1)
    throw InputError("workload: expected exactly one of a trace, a synthetic and a shared_prefix generator");
  if (config.shared_prefix) {
    SharedPrefixConfig s = *config.shared_prefix;
    resolve_length(s.question_len, base_dir);
    resolve_length(s.output_len, base_dir);
    if (s.eos_tokens) resolve_length(*s.eos_tokens, base_dir);
    return make_shared_prefix_source(s);
  }
  if (config.trace) {
    TraceConfig t = *config.trace;
    t.path = resolve(t.path, base_dir, t.pointer.empty() ? "" : t.pointer + "/path");
    return open_trace(t);
  }
  SyntheticConfig s = *config.synthetic;
  resolve_length(s.prompt_tokens, base_dir);
  resolve_length(s.output_tokens, base_dir);
  if (s.sessions.fraction > 0) resolve_length(s.sessions.user_tokens, base_dir);
  if (s.eos_tokens) resolve_length(*s.eos_tokens, base_dir);
  return make_synthetic_source(s);
}

void read_first_request(RequestSource& source, RequestSpec& first) {
  if (!source.next(first))
    throw InputError("workload " + source.describe() +
                     ": holds no request (an empty trace, a header alone, or a window or filter that selects no row)");
}

}  // namespace kvsim
