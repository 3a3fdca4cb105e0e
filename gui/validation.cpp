#include "validation.h"

#include <sstream>

#include "core/error.h"
#include "scenario/scenario.h"
#include "workload/workload_config.h"

namespace kvsim::gui {

namespace {

// "/a/b: message" -> {"/a/b", "message"}; false when the line does not start with a pointer.
bool split_pointer_line(const std::string& line, Issue& out) {
  if (line.empty() || line[0] != '/') return false;
  const size_t colon = line.find(": ");
  if (colon == std::string::npos) return false;
  out.pointer = line.substr(0, colon);
  out.message = line.substr(colon + 2);
  return true;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

}  // namespace

std::vector<Issue> issues_from_message(const std::string& message) {
  std::vector<Issue> issues;
  const auto lines = lines_of(message);
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    Issue issue;
    if (line.rfind("  ", 0) == 0 && split_pointer_line(line.substr(2), issue)) {
      issues.push_back(issue);
    } else if (!issues.empty()) {
      issues.back().message += "\n" + line;  // the continuation of a multi-line entry
    }
  }
  if (!issues.empty()) return issues;

  Issue whole;
  whole.message = message;
  const std::string marker = "(from /";
  const size_t from = message.rfind(marker);
  if (from != std::string::npos) {
    const size_t end = message.find(')', from);
    if (end != std::string::npos) whole.pointer = message.substr(from + 6, end - from - 6);
  } else if (lines.size() == 1) {
    Issue located;
    if (split_pointer_line(message, located)) return {located};
  }
  return {whole};
}

Validation validate_scenario(const nlohmann::json& scenario, const std::string& base_dir, const Catalog& catalog,
                             const std::string& where) {
  Validation v;
  try {
    const Scenario sc = parse_scenario(scenario, base_dir, catalog, where);
    const auto source = open_workload(sc.workload, sc.base_dir);
    v.valid = true;
    v.details = sc.model.name + " on " + sc.gpu.name + ", " + std::to_string(sc.num_replicas) + " replica(s), " +
                std::to_string(sc.replica.num_gpu_blocks) + " KV blocks per replica, workload " + source->describe();
  } catch (const InputError& e) {
    v.message = e.what();
  } catch (const std::exception& e) {
    v.message = where + ": " + e.what();
  }
  if (!v.valid) v.issues = issues_from_message(v.message);
  return v;
}

}  // namespace kvsim::gui
