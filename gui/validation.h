// The checks `kvsim validate` makes, for the form: each problem comes back with the JSON pointer
// it names, so the form can show it next to the field, and with the very text the CLI prints.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <exception>

#include "catalog/catalog.h"
#include "core/error.h"

namespace kvsim::gui {

// One problem: its JSON pointer ("" when it names no field) and its message.
using Issue = InputIssue;

// The issues an error carries: an InputError's own list (InputError::issues: a scenario's every
// error with its pointer, a missing trace file with the pointer of its path), else the whole
// message as one issue without a pointer. No message text is parsed.
std::vector<Issue> issues_of(const std::exception& error);

struct Validation {
  bool valid = false;
  std::vector<Issue> issues;
  std::string message;  // the InputError text, as `kvsim validate` prints it after "kvsim validate: "
  std::string details;  // when valid: "<model> on <gpu>, N replica(s), B KV blocks per replica, workload ..."
};

// parse_scenario, then open_workload (trace file present and readable), as `kvsim validate` does.
// `where` prefixes the message (the scenario's path, or "scenario"). Never throws.
Validation validate_scenario(const nlohmann::json& scenario, const std::string& base_dir, const Catalog& catalog,
                             const std::string& where);

}  // namespace kvsim::gui
