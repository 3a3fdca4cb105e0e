// A scenario is the single source of truth of a run: model, GPU, deployment, cluster, engine,
// KV cache, performance model, workload, SLOs, prices and seed. It is read from JSON (fields and
// defaults in docs/scenario.md), validated in full (every error names its JSON pointer), and
// recorded back into summary.json exactly as run.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "cluster/autoscaler.h"
#include "cluster/disaggregation.h"
#include "cluster/response_cache.h"
#include "cluster/router.h"
#include "engine/replica.h"
#include "metrics/metrics.h"
#include "perf/engine_overheads.h"
#include "perf/step_model.h"
#include "workload/workload_config.h"

namespace kvsim {

struct Scenario {
  nlohmann::json json;    // the scenario as run (overrides applied)
  // The same in its own key order (null when not known): summary.json's "scenario" is written from
  // it, so a results folder gives the scenario back as the user wrote it.
  nlohmann::ordered_json json_in_order;
  std::string path;       // the file it came from, if any
  std::string base_dir;   // relative trace paths resolve against this
  std::string name;
  uint64_t seed = 1;

  LlmSpec model;
  GpuSpec gpu;
  Deployment deployment;
  uint32_t num_replicas = 1;
  std::string router = "round_robin";  // the router's name, or its kind when configured as an object
  RouterConfig router_config;
  FleetConfig fleet;             // autoscaling and spot capacity (elastic() false: a fixed fleet)
  ReplicaConfig replica;         // num_gpu_blocks comes from the memory plan
  nlohmann::json memory_plan;    // how num_gpu_blocks was derived
  std::shared_ptr<const StepModel> step_model;
  // The engine terms the step model was built with; the simulator applies their per-request
  // frontend costs (arrival delay, output lag). All zero for the roofline and linear models.
  // The sampling parameters the requests run with (engine.generation_config, engine.sampling).
  SamplingParams sampling;
  EngineOverheads engine;
  WorkloadConfig workload;
  SloConfig slo;
  double timeseries_interval_s = 1.0;
  double usd_per_gpu_hour = 0;
  ResponseCacheConfig response_cache;  // in front of the router (disabled unless the scenario has one)
  // Prefill/decode disaggregation (disagg.enabled): the two pools as scenarios of their own (the
  // scenario with the pool's settings merged in, its replicas the pool's); num_replicas is their
  // total. This scenario's replica and step model then only describe the base.
  DisaggConfig disagg;
  std::shared_ptr<const Scenario> prefill_pool, decode_pool;

  uint32_t gpus_per_replica() const { return deployment.tensor_parallel * deployment.pipeline_parallel; }
};

// Validates and resolves a scenario; throws InputError listing every problem with its pointer.
// `overrides` are the --set assignments already applied to `j`: errors at or below their pointers
// say that the value came from --set.
Scenario parse_scenario(const nlohmann::json& j, const std::string& base_dir, const Catalog& catalog,
                        const std::string& where = "scenario", const std::vector<std::string>& overrides = {});
// Reads a scenario file, applies `--set` overrides ("/json/pointer=value"), then parse_scenario.
Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides, const Catalog& catalog);
// Applies one "/json/pointer=value" assignment; value is parsed as JSON, else taken as a string.
// Missing objects on the way are created; an array index may be at most the array's size (which
// appends, as "-" does), so that no array is padded with nulls. Throws InputError naming --set.
void apply_override(nlohmann::json& j, const std::string& assignment);

}  // namespace kvsim
