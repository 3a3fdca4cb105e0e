#include "validation.h"

#include "core/error.h"
#include "scenario/scenario.h"
#include "workload/workload_config.h"

namespace kvsim::gui {

std::vector<Issue> issues_of(const std::exception& error) {
  if (const auto* input = dynamic_cast<const InputError*>(&error); input != nullptr && !input->issues().empty())
    return input->issues();
  return {Issue{"", error.what()}};
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
    v.issues = issues_of(e);
  } catch (const std::exception& e) {
    v.message = where + ": " + e.what();
    v.issues = {Issue{"", v.message}};
  }
  return v;
}

}  // namespace kvsim::gui
