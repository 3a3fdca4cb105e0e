// The scenario File > New starts from: a small synthetic workload on a catalog model and GPU that
// runs in about a second, with every section present so the form shows where things go.
#pragma once
#include "catalog/catalog.h"
#include "json_path.h"

namespace kvsim::gui {

// Prefers Llama-3-8B on H100-SXM; falls back to the catalog's first model and GPU.
Json new_scenario_template(const Catalog& catalog);

}  // namespace kvsim::gui
