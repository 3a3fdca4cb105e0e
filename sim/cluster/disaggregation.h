// Prefill/decode disaggregation (docs/fleet.md, "Prefill/decode disaggregation"): a prefill
// pool and a decode pool of replicas, each with its own GPU, parallelism and engine settings;
// a request prefills on one pool, its KV moves over the interconnect to the other, and decoding
// starts when it has arrived. This is `cluster.disaggregation` as the scenario gives it; the pools'
// resolved scenarios are built by the scenario layer and the run by sim/run/disagg.h.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_reader.h"

namespace kvsim {

// Where the client's first token comes from. vLLM's disaggregated serving (and llm-d, Dynamo):
// the prefill instance's token is dropped, the decode instance loads all but the last prompt
// token's KV, recomputes that one and samples the first token, so TTFT includes the transfer.
// DistServe and Splitwise: the prefill instance returns the first token, the transfer delays the
// second.
enum class FirstTokenFrom : uint8_t { kDecode, kPrefill };

struct KvLinkConfig {
  std::string link = "infiniband_ndr";  // a preset (kv_link_presets) or "custom"
  double gpu_bytes_per_s = 0;      // per GPU and direction; 0 with "nvlink": the GPUs' NVLink
  double replica_bytes_per_s = 0;  // per replica and direction, instead of per GPU (0: per GPU)
  double latency_s = 0;            // per transfer: setup and completion notice
  double efficiency = 1;           // the share of the line rate a transfer achieves
  double fabric_bytes_per_s = 0;   // one link every transfer crosses (0: a non-blocking fabric)
  bool layerwise = false;          // layer by layer, overlapped with the prefill's last step
};

struct KvLinkPreset {
  const char* name;
  double gpu_bytes_per_s;  // 0: the GPUs' NVLink bandwidth from the catalog
  double latency_s;
  const char* source;
};
// nvlink, infiniband_ndr, infiniband_hdr, roce_100g, ethernet_25g (docs/fleet.md lists them).
const std::vector<KvLinkPreset>& kv_link_presets();
std::vector<std::string> kv_link_names();  // the presets' names and "custom"

struct DisaggPool {
  uint32_t replicas = 0;       // 0: from ratio x /cluster/replicas
  nlohmann::json overrides;    // the pool's own gpu, deployment, engine, kv_cache, cost, perf_model, router
};

struct DisaggConfig {
  bool enabled = false;
  DisaggPool prefill, decode;
  double ratio_prefill = 0, ratio_decode = 0;  // "P:D" (0: the pools give their replicas)
  KvLinkConfig link;
  FirstTokenFrom first_token = FirstTokenFrom::kDecode;
};

// The keys a pool may set, as in a scenario (merged onto the scenario's own: objects key by key).
const std::vector<std::string>& disagg_pool_keys();

// `cluster.disaggregation` from the cluster object (absent: disabled). Sets `replicas` to the
// two pools' total; problems go to the reader's errors with their pointers.
DisaggConfig parse_disaggregation(JsonReader& cluster, bool has_replicas, uint32_t& replicas);

// The prefill pool's replicas out of `total` at ratio P:D: round(total x P / (P + D)), at least
// one on each side.
uint32_t prefill_replicas_at_ratio(uint32_t total, double p, double d);

}  // namespace kvsim
