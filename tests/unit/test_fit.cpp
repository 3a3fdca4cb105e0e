// kvsim fit: reading serving measurements, replaying them, the end-to-end accuracy of the shipped
// H100 profile on the 13 real vLLM runs, and the optimiser.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <string>

#include "catalog/catalog.h"
#include "core/error.h"
#include "fit/e2e_report.h"
#include "fit/fit.h"
#include "fit/replay.h"
#include "fit/serving_runs.h"

using namespace kvsim;

namespace {

const std::string kRunsFile = std::string(KVSIM_TEST_DATA) + "/serving/vllm_h100_trainval.json";

std::vector<ServingRun> shared_runs() {
  std::vector<ServingRun> runs = read_serving_runs(kRunsFile);
  resolve_model_keys(runs, Catalog::open_default());
  return runs;
}

std::vector<const ServingRun*> all(const std::vector<ServingRun>& runs) {
  std::vector<const ServingRun*> p;
  for (const ServingRun& r : runs) p.push_back(&r);
  return p;
}

std::string error_of(const nlohmann::json& j) {
  try {
    parse_serving_runs(j, "runs.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the shared serving measurements read as 13 runs of 6 models with their stages") {
  const std::vector<ServingRun> runs = shared_runs();
  REQUIRE(runs.size() == 13);
  std::set<std::string> models;
  for (const ServingRun& r : runs) {
    models.insert(r.model_key);
    CHECK(r.measured_stages.size() == r.stages.size());
    CHECK(r.gpu == "H100-SXM");
  }
  CHECK(models.size() == 6);
  const ServingRun& scout = runs[0];
  CHECK(scout.id == "17");
  CHECK(scout.weight_dtype == "fp8");
  CHECK(scout.stages[1].rate_rps == 6.0);
  CHECK(scout.measured_stages[0].itl_mean == Approx(17.902e-3));
  CHECK(scout.prompts_per_group == 5);  // general-lite
}

TEST_CASE("a run's output length is what its own E2E, TTFT and ITL imply, never above the cap") {
  const std::vector<ServingRun> runs = shared_runs();
  const auto& llama2_reasoning = *std::find_if(runs.begin(), runs.end(), [](const ServingRun& r) { return r.id == "67"; });
  // The data's own note: about 1,120 generated tokens of the 1,448 cap.
  CHECK(llama2_reasoning.implied_output_tokens() == Approx(1120).margin(5));
  ServingRun capped = llama2_reasoning;
  capped.measured_summary.itl_mean /= 10;  // would imply 10x the tokens
  CHECK(capped.implied_output_tokens() == 1448);
}

TEST_CASE("a bad measurement file names the run, the JSON pointer and what was expected") {
  nlohmann::json j = nlohmann::json::parse(std::ifstream(kRunsFile));
  j["experiments"][8]["measured_ms"]["stage0"].erase("itl_mean");
  j["experiments"][2]["engine"]["max_num_seqs"] = "many";
  const std::string e = error_of(j);
  CHECK(e.find("runs.json: 2 errors") == 0);
  CHECK(e.find("run 64: /experiments/8/measured_ms/stage0/itl_mean: expected a number") != std::string::npos);
  CHECK(e.find("run 21: /experiments/2/engine/max_num_seqs") != std::string::npos);
  nlohmann::json inconsistent = nlohmann::json::parse(std::ifstream(kRunsFile));
  inconsistent["experiments"][0]["measured_ms"]["summary"]["ttft_mean"] = 1e6;
  CHECK(error_of(inconsistent).find("ttft_mean is not below e2e_mean") != std::string::npos);
  CHECK(error_of(nlohmann::json::object()).find("/experiments: expected a non-empty array") != std::string::npos);
}

TEST_CASE("a replay is the run's configuration: model, TP, KV blocks, shared-prefix stages, answers at EOS") {
  const std::vector<ServingRun> runs = shared_runs();
  const Catalog catalog = Catalog::open_default();
  const ServingRun& r = *std::find_if(runs.begin(), runs.end(), [](const ServingRun& x) { return x.id == "67"; });
  const nlohmann::json s = replay_scenario(r, ReplayOptions{}, catalog);
  CHECK(s["deployment"]["tensor_parallel"] == 1);
  CHECK(s["engine"]["num_gpu_blocks_override"] == 7463);
  CHECK(s["kv_cache"]["tiers"][0]["capacity_gib"] == 8.0);  // cpu_offload_gib_per_gpu 8, TP 1
  const nlohmann::json& w = s["workload"]["shared_prefix"];
  CHECK(w["num_groups"] == 23);
  CHECK(w["num_prompts_per_group"] == 1);  // reasoning-lite
  CHECK(w["output_len"] == 1448);
  CHECK(w["eos_tokens"] == 1120);
  CHECK(w["arrivals"]["stages"][0]["rate"] == 1.0);
}

TEST_CASE("the shipped H100 profile replays the 13 real vLLM runs within the end-to-end goals") {
  // In sample: these runs fitted the profile's engine terms. docs/validation-e2e.md has the
  // leave-one-model-out figures, which are the honest measure; this guards the fit and the replay.
  const std::vector<ServingRun> runs = shared_runs();
  const Evaluation ev = evaluate(all(runs), {{"kind", "calibrated"}}, ReplayOptions{}, Catalog::open_default(), 2);
  CHECK(ev.failed_runs == 0);
  CHECK(ev.regime_mismatches == 0);
  const auto& e = ev.median_abs_error;
  // Issue #9's goals, every one (held out, docs/validation-e2e.md meets them too).
  CHECK(e[0] <= 0.05);   // E2E mean
  CHECK(e[2] <= 0.075);  // E2E P99
  CHECK(e[3] <= 0.10);   // TTFT mean
  CHECK(e[5] <= 0.20);   // TTFT P99
  CHECK(e[6] <= 0.05);   // ITL mean
}

TEST_CASE("the fit lowers the objective from its starting point and stays inside the bounds") {
  const std::vector<ServingRun> runs = shared_runs();
  std::vector<const ServingRun*> two = {&runs[6], &runs[9]};  // Mistral-Nemo TP 2, Yi-34B TP 2
  FitOptions o;
  o.replay.perf_model = {{"kind", "calibrated"}};
  o.replay.duration_scale = 0.25;
  o.jobs = 2;
  o.max_evaluations = 14;
  double first = NAN;
  o.on_evaluation = [&first](int n, double objective) {
    if (n == 1) first = objective;
  };
  const std::vector<FitParameter> params = default_fit_parameters();
  const FitResult f = fit_parameters(two, params, o, Catalog::open_default());
  CHECK(f.evaluations >= 14);
  CHECK(f.objective < first);  // strictly: the defaults are not the optimum for these runs
  for (size_t i = 0; i < params.size(); ++i) {
    CHECK(f.values[i] >= params[i].lower);
    CHECK(f.values[i] <= params[i].upper);
  }
  CHECK(f.perf_model["engine"]["cpu"]["base_s"].get<double>() == Approx(f.values[0]));
}

TEST_CASE("a fit with no replayable run fails instead of fitting nothing") {
  std::vector<ServingRun> runs = shared_runs();
  runs[0].model = "no-such-model";
  runs[0].model_architecture.reset();
  FitOptions o;
  o.max_evaluations = 3;
  CHECK_THROWS_WITH(fit_parameters({&runs[0]}, default_fit_parameters(), o, Catalog::open_default()),
                    Catch::Contains("none of the runs could be replayed"));
}

TEST_CASE("the report marks each goal as met or not from the medians") {
  Evaluation ev;
  ev.median_abs_error = {0.04, 0.1, 0.08, 0.09, 0.1, 0.19, 0.06};
  const std::string md = e2e_headline_markdown(ev);
  CHECK(md.find("| e2e_mean | 4.0 % | <= 5.0 % | yes |") != std::string::npos);
  CHECK(md.find("| e2e_p99 | 8.0 % | <= 7.5 % | **no** |") != std::string::npos);
  CHECK(md.find("| itl_mean | 6.0 % | <= 5.0 % | **no** |") != std::string::npos);
  CHECK_FALSE(e2e_goals_met(ev));
  ev.median_abs_error = {0.04, 0.1, 0.07, 0.09, 0.1, 0.19, 0.05};
  CHECK(e2e_goals_met(ev));
  ev.regime_mismatches = 1;
  CHECK_FALSE(e2e_goals_met(ev));
}

TEST_CASE("a profile written from a fit carries the fitted engine terms and decode bandwidth") {
  const Catalog c = Catalog::open_default();
  CalibrationProfile base =
      CalibrationProfile::load(c.models_dir() + "/profiles/A100-80GB.json");  // no engine section
  FitResult fit;
  fit.perf_model = {{"kind", "calibrated"}, {"memory_efficiency", 0.55}};
  set_parameter(fit.perf_model, "/engine/cpu/base_s", 0.0031);
  set_parameter(fit.perf_model, "/engine/frontend/arrival_s", 0.0042);
  fit.objective = 0.5;
  const CalibrationProfile p = profile_with_fit(base, fit, {"a", "b"}, "kvsim fit x.json");
  const CalibrationProfile back = CalibrationProfile::from_json(nlohmann::json::parse(p.to_text()), "written");
  CHECK(back.has_engine);
  CHECK(back.engine.cpu.base_s == Approx(0.0031));
  CHECK(back.engine.frontend.arrival_s == Approx(0.0042));
  CHECK(back.engine.cpu.per_seq_s == EngineOverheads{}.cpu.per_seq_s);  // not fitted: the default
  CHECK(back.attention_decode_bandwidth_fraction == Approx(0.55));
  CHECK(back.source["engine_fit"]["runs"].size() == 2);
}

TEST_CASE("a vllm bench serve result replays as a random-dataset run with its rate, count and lengths") {
  std::vector<ServingRun> runs =
      read_serving_runs(std::string(KVSIM_TEST_DATA) + "/serving/vllm_bench_serve_runs_handmade.json");
  REQUIRE(runs.size() == 1);
  const ServingRun& r = runs[0];
  CHECK(r.random_dataset);
  CHECK(r.num_requests == 400);
  CHECK(r.question_tokens == 1000);
  CHECK(r.implied_output_tokens() == 200);
  CHECK(r.stages[0].rate_rps == 4.0);
  CHECK(r.stages[0].duration_s == 100.0);
  CHECK(r.measured_summary.e2e_mean == Approx(1.4441));
  CHECK(r.measured_summary.itl_mean == Approx(0.0071));
  const Catalog catalog = Catalog::open_default();
  const nlohmann::json s = replay_scenario(r, ReplayOptions{}, catalog);
  CHECK(s["workload"]["synthetic"]["num_requests"] == 400);
  CHECK(s["workload"]["synthetic"]["output_tokens"] == 200);
  CHECK(s["workload"]["synthetic"]["arrivals"]["process"] == "poisson");
  // vllm bench serve samples greedily unless told otherwise: no top-k/top-p, no penalty.
  CHECK(s["engine"]["sampling"]["temperature"] == 0.0);
  CHECK(s["engine"]["sampling"]["repetition_penalty"] == 1.0);
  const ReplayResult p = replay_run(r, ReplayOptions{}, catalog);
  REQUIRE(p.error.empty());
  REQUIRE(p.stages.size() == 1);
  CHECK(p.stages[0].itl_mean > 0.003);  // a 7B model on one H100: milliseconds per token
  CHECK(p.stages[0].itl_mean < 0.02);
}

TEST_CASE("a run's sampling member is what its requests were sampled with, checked where it is written") {
  nlohmann::json j = nlohmann::json::parse(
      std::ifstream(std::string(KVSIM_TEST_DATA) + "/serving/vllm_bench_serve_runs_handmade.json"));
  j["experiments"][0]["vllm_bench_serve"] = nlohmann::json::parse(
      std::ifstream(std::string(KVSIM_TEST_DATA) + "/serving/bench_serve_result_handmade.json"));
  j["experiments"][0]["sampling"] = {{"temperature", 0.8}, {"top_p", 0.95}};
  const ServingRun r = parse_serving_runs(j, "runs.json")[0];
  const nlohmann::json s = replay_scenario(r, ReplayOptions{}, Catalog::open_default());
  CHECK(s["engine"]["sampling"] == j["experiments"][0]["sampling"]);
  // An inference-perf run without one samples as the server's generation config says: no field.
  const std::vector<ServingRun> shared = shared_runs();
  CHECK_FALSE(replay_scenario(shared[0], ReplayOptions{}, Catalog::open_default())["engine"].contains("sampling"));
  j["experiments"][0]["sampling"] = {{"top_p", 2}};
  CHECK(error_of(j).find("/experiments/0/sampling/top_p") != std::string::npos);
}

TEST_CASE("a vllm bench serve result without E2E takes TTFT plus the answer's tokens; closed loops are refused") {
  nlohmann::json result = nlohmann::json::parse(
      std::ifstream(std::string(KVSIM_TEST_DATA) + "/serving/bench_serve_result_handmade.json"));
  result.erase("mean_e2el_ms");
  result.erase("p99_e2el_ms");
  result["burstiness"] = 4.0;
  nlohmann::json j = nlohmann::json::parse(
      std::ifstream(std::string(KVSIM_TEST_DATA) + "/serving/vllm_bench_serve_runs_handmade.json"));
  j["experiments"][0]["vllm_bench_serve"] = result;
  const ServingRun r = parse_serving_runs(j, "runs.json")[0];
  CHECK(r.measured_summary.e2e_mean == Approx(0.0312 + 0.0071 * 199));
  CHECK(std::isnan(r.measured_summary.e2e_p99));
  CHECK(r.arrival_cv == Approx(0.5));  // Gamma gaps of shape 4
  result["max_concurrency"] = 32;
  j["experiments"][0]["vllm_bench_serve"] = result;
  CHECK(error_of(j).find("run bench-qwen: /experiments/0/vllm_bench_serve/max_concurrency: a concurrency-limited") !=
        std::string::npos);
}
