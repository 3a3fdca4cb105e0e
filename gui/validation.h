// The checks `kvsim validate` makes, for the form: each problem comes back with the JSON pointer
// it names, so the form can show it next to the field, and with the very text the CLI prints.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"

namespace kvsim::gui {

struct Issue {
  std::string pointer;  // "/engine/max_num_seqs"; "" when the message names no field
  std::string message;  // what follows "<pointer>: ", or the whole message when pointer is ""
  std::string text() const { return pointer.empty() ? message : pointer + ": " + message; }
};

// Splits an InputError message into issues. A list as ErrorList::throw_if_any writes it
// ("where: 2 errors\n  /a: ...\n  /b: ...") gives one issue per entry; a single message that ends
// "(from /pointer)" (a missing trace file) is attributed to that pointer; anything else is one
// issue without a pointer.
std::vector<Issue> issues_from_message(const std::string& message);

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
