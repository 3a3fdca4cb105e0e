#include "cluster/disaggregation.h"

#include <algorithm>
#include <cmath>

namespace kvsim {

namespace {

constexpr double kGB = 1e9;
// Per-transfer latencies are order-of-magnitude estimates (an RDMA read round trip is a few
// microseconds; the connector adds its request and completion messages): docs/fleet.md says so.
const std::vector<KvLinkPreset> kPresets = {
    {"nvlink", 0, 10e-6, "the GPUs' NVLink bandwidth per direction from the catalog (NVIDIA datasheets)"},
    {"infiniband_ndr", 50 * kGB, 20e-6,
     "NDR InfiniBand, 400 Gb/s per GPU: NVIDIA DGX H100 has one ConnectX-7 400 Gb/s NIC per GPU"},
    {"infiniband_hdr", 25 * kGB, 20e-6,
     "HDR InfiniBand, 200 Gb/s per GPU: NVIDIA DGX A100 has one ConnectX-6 200 Gb/s NIC per GPU"},
    {"roce_100g", 12.5 * kGB, 20e-6, "RoCE over 100 GbE, one NIC per GPU: 100 Gb/s line rate"},
    {"ethernet_25g", 3.125 * kGB, 50e-6, "TCP over 25 GbE per GPU: 25 Gb/s line rate (DistServe's cross-node links)"},
};

const std::vector<std::string> kPoolKeys = {"replicas", "gpu",      "deployment", "engine",
                                            "kv_cache", "cost",     "perf_model", "router"};

// "P:D" or [P, D] into p and d (> 0 each); false if malformed.
bool parse_ratio(const nlohmann::json& v, double& p, double& d) {
  if (v.is_array() && v.size() == 2 && v[0].is_number() && v[1].is_number()) {
    p = v[0].get<double>();
    d = v[1].get<double>();
  } else if (v.is_string()) {
    const std::string s = v.get<std::string>();
    const size_t colon = s.find(':');
    if (colon == std::string::npos) return false;
    try {
      size_t used = 0;
      p = std::stod(s.substr(0, colon), &used);
      if (used != colon) return false;
      const std::string rest = s.substr(colon + 1);
      d = std::stod(rest, &used);
      if (used != rest.size()) return false;
    } catch (const std::exception&) {
      return false;
    }
  } else {
    return false;
  }
  return std::isfinite(p) && std::isfinite(d) && p > 0 && d > 0;
}

DisaggPool parse_pool(JsonReader& dis, const std::string& key) {
  DisaggPool pool;
  const nlohmann::json& v = dis.raw(key);
  const std::string at = dis.child(key);
  if (v.is_null()) return pool;
  if (!v.is_object()) {
    dis.errors().add(at, "expected an object (the pool's replicas and what it sets differently), found " +
                             describe_json(v));
    return pool;
  }
  JsonReader r(v, at, dis.errors());
  pool.replicas = static_cast<uint32_t>(r.integer("replicas", 0, 1, 100000));
  for (const std::string& k : kPoolKeys)
    if (k != "replicas" && r.has(k)) {
      const nlohmann::json& x = r.raw(k);
      if (k != "gpu" && k != "router" && k != "perf_model" && !x.is_object())
        dis.errors().add(json_pointer_child(at, k), "expected an object, found " + describe_json(x));
      pool.overrides[k] = x;
    }
  r.reject_unknown_keys();
  return pool;
}

}  // namespace

const std::vector<KvLinkPreset>& kv_link_presets() { return kPresets; }

std::vector<std::string> kv_link_names() {
  std::vector<std::string> names;
  for (const KvLinkPreset& p : kPresets) names.push_back(p.name);
  names.push_back("custom");
  return names;
}

const std::vector<std::string>& disagg_pool_keys() { return kPoolKeys; }

uint32_t prefill_replicas_at_ratio(uint32_t total, double p, double d) {
  const double exact = static_cast<double>(total) * p / (p + d);
  const auto n = static_cast<uint32_t>(std::llround(exact));
  return std::clamp<uint32_t>(n, 1, total > 1 ? total - 1 : 1);
}

DisaggConfig parse_disaggregation(JsonReader& cluster, bool has_replicas, uint32_t& replicas) {
  DisaggConfig c;
  if (!cluster.has("disaggregation") || cluster.raw("disaggregation").is_null()) return c;
  ErrorList& errors = cluster.errors();
  JsonReader dis = cluster.object("disaggregation");
  c.enabled = true;
  c.prefill = parse_pool(dis, "prefill");
  c.decode = parse_pool(dis, "decode");
  if (dis.has("ratio")) {
    if (!parse_ratio(dis.raw("ratio"), c.ratio_prefill, c.ratio_decode))
      errors.add(dis.child("ratio"), "expected prefill:decode replicas as \"P:D\" or [P, D] with P, D > 0, found " +
                                         describe_json(dis.raw("ratio")));
  }
  c.first_token = dis.choice("first_token", "decode", {"decode", "prefill"}) == "prefill" ? FirstTokenFrom::kPrefill
                                                                                          : FirstTokenFrom::kDecode;
  {
    JsonReader l = dis.object("kv_transfer");
    KvLinkConfig& k = c.link;
    k.link = l.choice("link", "infiniband_ndr", kv_link_names());
    const KvLinkPreset* preset = nullptr;
    for (const KvLinkPreset& p : kPresets)
      if (k.link == p.name) preset = &p;
    k.gpu_bytes_per_s = l.number("gpu_gb_per_s", preset ? preset->gpu_bytes_per_s / kGB : 0, 0, 1e6) * kGB;
    k.replica_bytes_per_s = l.number("replica_gb_per_s", 0, 0, 1e7) * kGB;
    k.latency_s = l.number("latency_us", preset ? preset->latency_s * 1e6 : 0, 0, 1e9) * 1e-6;
    k.efficiency = l.number("efficiency", 1, 1e-3, 1);
    k.fabric_bytes_per_s = l.number("fabric_gb_per_s", 0, 0, 1e9) * kGB;
    k.layerwise = l.choice("overlap", "none", {"none", "layerwise"}) == "layerwise";
    if (!preset && k.gpu_bytes_per_s <= 0 && k.replica_bytes_per_s <= 0)
      errors.add(l.child("link"), "a \"custom\" link needs gpu_gb_per_s or replica_gb_per_s (> 0)");
    if (l.has("gpu_gb_per_s") && l.has("replica_gb_per_s"))
      errors.add(l.child("replica_gb_per_s"), "expected gpu_gb_per_s or replica_gb_per_s, not both");
    l.reject_unknown_keys();
  }
  dis.reject_unknown_keys();

  const bool explicit_sizes = c.prefill.replicas > 0 && c.decode.replicas > 0;
  if (explicit_sizes) {
    const uint32_t total = c.prefill.replicas + c.decode.replicas;
    if (c.ratio_prefill > 0)
      errors.add(dis.child("ratio"), "expected either a ratio or both pools' replicas, not both");
    if (has_replicas && replicas != total)
      errors.add(cluster.child("replicas"), "expected the pools' total, " + std::to_string(total) + " (prefill " +
                                                std::to_string(c.prefill.replicas) + " + decode " +
                                                std::to_string(c.decode.replicas) + "), or nothing, found " +
                                                std::to_string(replicas));
    replicas = total;
  } else if (c.ratio_prefill > 0) {
    if (c.prefill.replicas > 0 || c.decode.replicas > 0)
      errors.add(dis.child("ratio"), "expected either a ratio or both pools' replicas, not both");
    if (!has_replicas || replicas < 2)
      errors.add(cluster.child("replicas"), "a ratio splits /cluster/replicas between the pools: expected 2 or more");
  } else {
    errors.add(dis.pointer(), "expected prefill.replicas and decode.replicas, or a \"ratio\" (\"P:D\") that splits "
                              "/cluster/replicas");
  }
  if (c.ratio_prefill > 0 && replicas >= 2) {
    c.prefill.replicas = prefill_replicas_at_ratio(replicas, c.ratio_prefill, c.ratio_decode);
    c.decode.replicas = replicas - c.prefill.replicas;
  }
  return c;
}

}  // namespace kvsim
