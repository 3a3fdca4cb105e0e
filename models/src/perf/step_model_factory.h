// make_step_model: the StepModel a scenario's "perf_model" section asks for.
//
//   {"kind": "calibrated"}                     the default (also when the section is null): the
//       profile of the scenario's GPU, <models>/profiles/<gpu name>.json; when there is none, the
//       roofline, and describe() says so
//   {"kind": "calibrated", "profile": "path"}  an explicit profile (a path as given, else relative
//       to <models>/profiles/); it must describe the scenario's GPU
//   {"kind": "roofline"}                        the datasheet roofline (perf/roofline.h)
//   {"kind": "linear", ...coefficients}         perf/linear.h, for hand-checked tests
// "calibrated" and "roofline" also take the RooflineOptions fields (compute_efficiency,
// memory_efficiency, collective_latency_s, min_kernel_s, and for the roofline step_overhead_s):
// the calibrated model uses them for what its profile has not measured.
// "calibrated" runs its kernels inside an EngineStepModel (perf/engine_step_model.h): the engine
// overheads come from the profile's "engine" section (else the documented defaults), overridden
// field by field by the section's "engine" object; `engine` (may be null) receives them, for the
// simulator's per-request frontend terms. `sampling` is what the requests are sampled with (the
// engine model prices vLLM's sampler from it). The roofline is the datasheet model alone (its flat
// step_overhead_s stands for the engine); it leaves `engine` with no frontend cost.
// <models> is Catalog::open_default()'s folder. Problems are added to `errors` under `pointer`
// and the result is then null.
#pragma once
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "catalog/llm_spec.h"
#include "core/json_reader.h"
#include "perf/engine_overheads.h"
#include "perf/profile.h"
#include "perf/step_model.h"

namespace kvsim {

std::unique_ptr<StepModel> make_step_model(const nlohmann::json& perf_model_section, const LlmSpec& llm,
                                           const GpuSpec& gpu, const Deployment& deployment, ErrorList& errors,
                                           const std::string& pointer, uint32_t max_num_seqs = 256,
                                           EngineOverheads* engine = nullptr, const SamplingParams& sampling = {});

// The default profile file of a GPU: <models_dir>/profiles/<gpu name>.json.
std::string default_profile_path(const std::string& models_dir, const GpuSpec& gpu);

// True when `profile_gpu` names `gpu` (its name or an alias, case-insensitively).
bool profile_matches_gpu(const std::string& profile_gpu, const GpuSpec& gpu);

}  // namespace kvsim
