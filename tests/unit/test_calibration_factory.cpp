// make_step_model: the scenario's "perf_model" section to a StepModel.
#include <catch2/catch.hpp>

#include <string>

#include "catalog/catalog.h"
#include "perf/calibrated_step_model.h"
#include "perf/engine_step_model.h"
#include "perf/linear.h"
#include "perf/roofline.h"
#include "perf/step_model_factory.h"

using namespace kvsim;

namespace {
std::unique_ptr<StepModel> build(const nlohmann::json& section, const std::string& gpu, ErrorList& errors) {
  const Catalog c = Catalog::open_default();
  return make_step_model(section, c.llm("Llama-2-7B"), c.gpu(gpu), Deployment{}, errors, "/perf_model");
}
}  // namespace

TEST_CASE("a scenario without a perf_model section gets the calibrated model of its GPU") {
  ErrorList errors;
  auto m = build(nullptr, "H100-SXM", errors);
  REQUIRE(errors.empty());
  const auto* engine = dynamic_cast<const EngineStepModel*>(m.get());
  REQUIRE(engine != nullptr);
  REQUIRE(dynamic_cast<const CalibratedStepModel*>(&engine->kernels()) != nullptr);
  CHECK(m->describe()["profile"]["gpu"] == "H100-SXM");
  CHECK(m->describe().contains("engine"));
  CHECK(m->step_seconds(BatchShape{1, 100, 5050, 100, 0, 0, 1}) > 0);
}

TEST_CASE("a GPU without a calibration profile falls back to the roofline and says so") {
  ErrorList errors;
  auto m = build({{"kind", "calibrated"}}, "L40S", errors);
  REQUIRE(errors.empty());
  const auto* engine = dynamic_cast<const EngineStepModel*>(m.get());
  REQUIRE(engine != nullptr);  // the engine terms apply whatever prices the kernels
  CHECK(dynamic_cast<const CalibratedStepModel*>(&engine->kernels()) == nullptr);
  const nlohmann::json d = m->describe();
  CHECK(d["calibration"].get<std::string>().find("no calibration profile for L40S") != std::string::npos);
}

TEST_CASE("the perf_model kind selects the roofline or the linear model") {
  ErrorList errors;
  auto roof = build({{"kind", "roofline"}, {"step_overhead_s", 0.002}}, "H100-SXM", errors);
  auto lin = build({{"kind", "linear"}, {"base_s", 0.01}}, "H100-SXM", errors);
  REQUIRE(errors.empty());
  CHECK(dynamic_cast<const RooflineStepModel*>(roof.get()) != nullptr);
  REQUIRE(dynamic_cast<const LinearStepModel*>(lin.get()) != nullptr);
  CHECK(lin->step_seconds(BatchShape{1, 1, 1, 1, 0, 0, 1}) == Approx(0.01));
}

TEST_CASE("a bad perf_model section is reported under its JSON pointer") {
  ErrorList errors;
  CHECK(build({{"kind", "magic"}}, "H100-SXM", errors) == nullptr);
  CHECK(build({{"kind", "calibrated"}, {"profile", "no-such-profile.json"}}, "H100-SXM", errors) == nullptr);
  CHECK(build({{"kind", "calibrated"}, {"profile", "A100-80GB.json"}}, "H100-SXM", errors) == nullptr);
  CHECK(build({{"kind", "calibrated"}, {"profiel", "x"}}, "H100-SXM", errors) == nullptr);
  REQUIRE(errors.errors().size() == 4);
  CHECK(errors.errors()[0].find("/perf_model/kind") == 0);
  CHECK(errors.errors()[1].find("/perf_model/profile") == 0);
  CHECK(errors.errors()[1].find("no-such-profile.json") != std::string::npos);
  CHECK(errors.errors()[2].find("describes the GPU \"A100-80GB\"") != std::string::npos);
  CHECK(errors.errors()[3].find("/perf_model/profiel") == 0);
}

TEST_CASE("the calibrated model refuses the roofline's flat step overhead and names the engine terms instead") {
  ErrorList errors;
  CHECK(build({{"kind", "calibrated"}, {"step_overhead_s", 0.001}}, "H100-SXM", errors) == nullptr);
  REQUIRE(errors.errors().size() == 1);
  CHECK(errors.errors()[0].find("/perf_model/step_overhead_s") == 0);
  CHECK(errors.errors()[0].find("perf_model.engine.cpu") != std::string::npos);
}

TEST_CASE("perf_model.engine overrides the profile's engine terms field by field and rejects unknown ones") {
  ErrorList errors;
  EngineOverheads resolved;
  const Catalog c = Catalog::open_default();
  auto m = make_step_model({{"kind", "calibrated"}, {"engine", {{"cpu", {{"base_s", 0.02}}}}}}, c.llm("Llama-2-7B"),
                           c.gpu("H100-SXM"), Deployment{}, errors, "/perf_model", 256, &resolved);
  REQUIRE(errors.empty());
  CHECK(resolved.cpu.base_s == 0.02);
  const CalibrationProfile profile = CalibrationProfile::load(default_profile_path(c.models_dir(), c.gpu("H100-SXM")));
  CHECK(resolved.cpu.per_seq_s == (profile.has_engine ? profile.engine : EngineOverheads{}).cpu.per_seq_s);
  // A one-sequence decode of a 7B model takes about 5.5 ms on the GPU: 20 ms of CPU sets the pace.
  CHECK(m->step_seconds(BatchShape{0, 0, 0, 0, 1, 100, 1}) == Approx(0.02 + resolved.cpu.per_seq_s));
  CHECK(build({{"kind", "calibrated"}, {"engine", {{"cpu", {{"bsae_s", 1}}}}}}, "H100-SXM", errors) == nullptr);
  REQUIRE(errors.errors().size() == 1);
  CHECK(errors.errors()[0].find("/perf_model/engine/cpu/bsae_s") == 0);
}
