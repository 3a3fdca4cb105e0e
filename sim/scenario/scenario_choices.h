// The scenario's enumerated fields and their defaults, listed once: parse_scenario validates
// against these lists and the GUI's form (gui/form_fields.h) offers them, so a value the form
// offers is one the parser accepts and the default the form shows is the one the parser applies.
// (Fields whose lists belong to another layer — KV tier offload and load policies, perf model
// kinds, trace formats, arrival processes — are read there.)
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace kvsim {

struct ScenarioChoice {
  std::string pointer;               // "/engine/scheduling_policy"
  std::vector<std::string> options;  // every accepted value, in the order a form lists them
  std::string default_value;         // applied when the field is absent
  std::string default_note;          // how the form names the default: "fcfs", "paged with continuous batching"
};

// Every enumerated field, in the order of docs/scenario.md.
const std::vector<ScenarioChoice>& scenario_choices();
// The field at `pointer`; throws std::out_of_range for a pointer that is not listed.
const ScenarioChoice& scenario_choice(std::string_view pointer);

// Numeric fields with a fixed default (the others depend on the model, the GPU or other fields).
struct ScenarioNumber {
  std::string pointer;
  double default_value;
  std::string default_text;  // as the form shows it: "256"
};
const std::vector<ScenarioNumber>& scenario_numbers();
const ScenarioNumber& scenario_number(std::string_view pointer);

}  // namespace kvsim
