#include "perf/step_model_factory.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <cmath>
#include <optional>

#include "catalog/catalog.h"
#include "core/error.h"
#include "perf/calibrated_step_model.h"
#include "perf/engine_step_model.h"
#include "perf/linear.h"
#include "perf/roofline.h"

namespace kvsim {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The roofline standing in for a calibrated model whose GPU has no profile; describe() says so.
class UncalibratedStepModel : public StepModel {
 public:
  UncalibratedStepModel(std::unique_ptr<RooflineStepModel> roofline, std::string missing_profile)
      : roofline_(std::move(roofline)), missing_(std::move(missing_profile)) {}
  double step_seconds(const BatchShape& batch) const override { return roofline_->step_seconds(batch); }
  nlohmann::json describe() const override {
    nlohmann::json d = roofline_->describe();
    d["requested_kind"] = "calibrated";
    d["calibration"] = "no calibration profile for " + roofline_->gpu().name + " (looked for " + missing_ +
                       "); the datasheet roofline was used instead";
    return d;
  }

 private:
  std::unique_ptr<RooflineStepModel> roofline_;
  std::string missing_;
};

}  // namespace

std::string default_profile_path(const std::string& models_dir, const GpuSpec& gpu) {
  return (std::filesystem::path(models_dir) / "profiles" / (gpu.name + ".json")).string();
}

bool profile_matches_gpu(const std::string& profile_gpu, const GpuSpec& gpu) {
  const std::string want = lower(profile_gpu);
  if (lower(gpu.name) == want) return true;
  return std::any_of(gpu.aliases.begin(), gpu.aliases.end(), [&](const std::string& a) { return lower(a) == want; });
}

std::unique_ptr<StepModel> make_step_model(const nlohmann::json& section, const LlmSpec& llm, const GpuSpec& gpu,
                                           const Deployment& deployment, ErrorList& errors,
                                           const std::string& pointer, uint32_t max_num_seqs,
                                           EngineOverheads* engine_out, const SamplingParams& sampling) {
  JsonReader r(section, pointer, errors);
  const size_t errors_before = errors.errors().size();
  const std::string kind = r.choice("kind", "calibrated", {"calibrated", "roofline", "linear"});
  if (engine_out) {
    *engine_out = EngineOverheads{};  // the roofline and linear models have no engine around them
    engine_out->frontend = FrontendTerms{0, 0, 0};
    engine_out->cpu.async_scheduling = false;
  }
  if (kind == "linear") {
    const LinearCoefficients c = LinearStepModel::read(r);
    r.reject_unknown_keys();
    if (errors.errors().size() != errors_before) return nullptr;
    return std::make_unique<LinearStepModel>(c);
  }
  const std::string profile_arg = kind == "calibrated" ? r.string("profile", "") : "";
  if (kind == "calibrated" && r.has("step_overhead_s"))
    errors.add(r.child("step_overhead_s"),
               "the calibrated model prices the engine's CPU time per step with perf_model.engine.cpu "
               "(base_s, per_seq_s); step_overhead_s belongs to the roofline model");
  const bool section_sets_memory_efficiency = r.has("memory_efficiency");
  RooflineOptions options = read_roofline_options(r);
  const nlohmann::json engine_override = kind == "calibrated" ? r.raw("engine") : nlohmann::json();
  r.reject_unknown_keys();
  if (errors.errors().size() != errors_before) return nullptr;

  // The engine terms: the profile's (if any), then the scenario's, field by field; null when the
  // scenario's override is invalid (the errors say why).
  auto resolve_engine = [&](const CalibrationProfile* profile) -> std::optional<EngineOverheads> {
    EngineOverheads o = profile && profile->has_engine ? profile->engine : EngineOverheads{};
    JsonReader e(engine_override, json_pointer_child(pointer, "engine"), errors);
    o.read(e);
    e.reject_unknown_keys();
    if (errors.errors().size() != errors_before) return std::nullopt;
    if (engine_out) *engine_out = o;
    return o;
  };
  auto engine_model = [&](std::unique_ptr<StepModel> kernels, const EngineOverheads& o) {
    return std::make_unique<EngineStepModel>(std::move(kernels), o, llm.num_layers, deployment.tensor_parallel,
                                             max_num_seqs, sampling, llm.vocab_size);
  };

  try {
    if (kind == "roofline") return std::make_unique<RooflineStepModel>(llm, gpu, deployment, options);
    options.step_overhead_s = 0;  // the engine model's CPU terms replace it

    namespace fs = std::filesystem;
    std::error_code ec;
    const std::string models_dir = Catalog::open_default().models_dir();
    std::string path;
    if (profile_arg.empty()) {
      path = default_profile_path(models_dir, gpu);
      if (!fs::is_regular_file(path, ec)) {
        const std::optional<EngineOverheads> o = resolve_engine(nullptr);
        if (!o) return nullptr;
        return engine_model(std::make_unique<UncalibratedStepModel>(
                                std::make_unique<RooflineStepModel>(llm, gpu, deployment, options), path),
                            *o);
      }
    } else {
      const std::string in_profiles = (fs::path(models_dir) / "profiles" / profile_arg).string();
      if (fs::is_regular_file(profile_arg, ec)) path = profile_arg;
      else if (fs::is_regular_file(in_profiles, ec)) path = in_profiles;
      else {
        errors.add(r.child("profile"), "cannot find the calibration profile \"" + profile_arg + "\" (looked at " +
                                           profile_arg + " and " + in_profiles +
                                           "); give a path to a file written by `kvsim calibrate`");
        return nullptr;
      }
    }
    auto profile = std::make_shared<CalibrationProfile>(CalibrationProfile::load(path));
    if (!profile_matches_gpu(profile->gpu, gpu)) {
      errors.add(r.child("profile"), "the profile " + path + " describes the GPU \"" + profile->gpu +
                                         "\", not the scenario's " + gpu.name + "; use a profile of " + gpu.name +
                                         " or leave out \"profile\" to use " + default_profile_path(models_dir, gpu));
      return nullptr;
    }
    const std::optional<EngineOverheads> o = resolve_engine(profile.get());
    if (!o) return nullptr;
    // The profile's fitted decode-attention bandwidth, unless the scenario sets memory_efficiency.
    if (std::isfinite(profile->attention_decode_bandwidth_fraction) && !section_sets_memory_efficiency)
      options.memory_efficiency = profile->attention_decode_bandwidth_fraction;
    return engine_model(
        std::make_unique<CalibratedStepModel>(profile, llm, gpu, deployment, options, o->custom_all_reduce), *o);
  } catch (const InputError& e) {
    errors.add(pointer, e.what());
    return nullptr;
  }
}

}  // namespace kvsim
