// The KV memory hierarchy below a replica's GPU HBM, as the scenario's "kv_cache" section
// configures it (fields and defaults in docs/kv-policies.md): an ordered list of tiers, each with
// a capacity, read and write bandwidth, a latency, prices, the link its transfers cross and its
// own eviction policy; how blocks reach the tiers (write-back or write-through); when a replica
// loads stored KV instead of recomputing it; and the CPU swap space of swap preemption.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/llm_spec.h"
#include "core/json_reader.h"

namespace kvsim {

struct TierSpec {
  std::string name;                 // unique among the tiers, e.g. "cpu"
  std::string kind;                 // cpu | nvme | remote | object_store | block_volume
  double capacity_bytes = 0;        // of one replica's KV (all its GPUs), or of the cluster if shared; inf allowed
  double read_bytes_per_s = 0;      // tier to GPU, per GPU (each GPU moves its own shard)
  double write_bytes_per_s = 0;     // GPU to tier, per GPU
  double latency_s = 0;             // added to every transfer, not occupying the link
  double usd_per_gb_month = 0;      // storage, per GB (1e9 bytes) held, per 30-day month
  double usd_per_gb_read = 0;       // per GB moved out of the tier
  double usd_per_gb_written = 0;    // per GB moved into the tier
  std::string link;                 // transfers over the same link of a replica queue FIFO
  std::string eviction_policy = "lru";
  nlohmann::json eviction_params;
  double ttl_s = 0;                 // drop KV unused this long (0 = keep until evicted)
  bool shared = false;              // one store for all replicas (a remote pool / object store)
};

enum class LoadPolicy { kFaster, kCheaper, kAlways, kNever };

struct KvTiersConfig {
  std::vector<TierSpec> tiers;      // in lookup order, nearest first
  bool write_through = false;       // else write-back: a tier receives what the tier above evicts
  LoadPolicy load_policy = LoadPolicy::kFaster;
  double swap_space_bytes = 0;      // per GPU, for preemption_mode "swap" (vLLM's swap_space)
  double swap_bytes_per_s = 0;      // GPU <-> host, per GPU, one direction
  std::string swap_link = "pcie";
  // Filled from the deployment, not read from JSON:
  double block_bytes_per_gpu = 0;   // KV bytes of one block on one GPU
  double block_bytes = 0;           // KV bytes of one block of the replica (what a tier stores)
  uint32_t num_gpus = 1;
  double usd_per_gpu_hour = 0;

  bool empty() const { return tiers.empty(); }
};

// Names of the tier kinds, each with defaults (docs/kv-policies.md).
const std::vector<std::string>& tier_kind_names();
const std::vector<std::string>& load_policy_names();

// Reads "tiers", "offload", "load_policy", "swap_space_gib" from the kv_cache object `kv`
// (marking them known); problems go to kv.errors() by JSON pointer. `gpu` gives the PCIe
// bandwidth that the "cpu" kind and swapping default to.
KvTiersConfig parse_kv_tiers(JsonReader& kv, const GpuSpec& gpu);
nlohmann::json kv_tiers_to_json(const KvTiersConfig& config);

}  // namespace kvsim
