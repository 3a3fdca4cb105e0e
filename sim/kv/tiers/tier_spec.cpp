#include "kv/tiers/tier_spec.h"

#include <set>

#include "kv/eviction_registry.h"

namespace kvsim {

namespace {

constexpr double kGB = 1e9;
constexpr double kGiB = 1024.0 * 1024 * 1024;

// Defaults of each kind: typical figures to start from; set the fields for your hardware.
struct KindDefaults {
  double read_gb_per_s, write_gb_per_s;  // 0 = the GPU's PCIe bandwidth
  double latency_s;
  double usd_per_gb_month;
  const char* link;
};

KindDefaults defaults_of(const std::string& kind) {
  // cpu: pinned host DRAM over the GPU's PCIe link (the GPU catalog's pcie figure).
  if (kind == "cpu") return {0, 0, 10e-6, 0, "pcie"};
  // nvme: a data-center PCIe 4.0 NVMe SSD (Samsung PM9A3 datasheet: 6,900 MB/s sequential
  // read, 4,100 MB/s sequential write); storage included in the instance price.
  if (kind == "nvme") return {6.9, 4.1, 100e-6, 0, "nvme"};
  // remote: a DRAM pool over RDMA (Mooncake Store, LMCache remote), one 200 Gb/s NIC per GPU.
  if (kind == "remote") return {25, 25, 50e-6, 0, "nic"};
  // object_store: S3-like; S3 Standard is $0.023 per GB-month for the first 50 TB (AWS S3
  // pricing, US East); first-byte latency of tens of milliseconds.
  if (kind == "object_store") return {5, 5, 30e-3, 0.023, "nic"};
  // block_volume: a provisioned network block volume (the setup of Li et al. 2025: $0.125 per
  // GB-month, read at 4 GB/s).
  return {4, 4, 1e-3, 0.125, "nic"};
}

double read_capacity(JsonReader& t, double& out_bytes) {
  const nlohmann::json& raw = t.raw("capacity_gib");
  if (raw.is_string() && raw.get<std::string>() == "inf") return out_bytes = INFINITY;
  if (raw.is_null()) {
    t.errors().add(t.child("capacity_gib"), "expected a capacity in GiB (a number > 0, or \"inf\"), found nothing (required)");
    return out_bytes = 0;
  }
  if (!raw.is_number() || !(raw.get<double>() > 0) || !std::isfinite(raw.get<double>())) {
    t.errors().add(t.child("capacity_gib"), "expected a number > 0 or \"inf\", found " + describe_json(raw));
    return out_bytes = 0;
  }
  return out_bytes = raw.get<double>() * kGiB;
}

}  // namespace

const std::vector<std::string>& tier_kind_names() {
  static const std::vector<std::string> names = {"cpu", "nvme", "remote", "object_store", "block_volume"};
  return names;
}

const std::vector<std::string>& load_policy_names() {
  static const std::vector<std::string> names = {"faster", "cheaper", "always", "never"};
  return names;
}

KvTiersConfig parse_kv_tiers(JsonReader& kv, const GpuSpec& gpu) {
  KvTiersConfig c;
  const double pcie = gpu.pcie_bytes_per_s > 0 ? gpu.pcie_bytes_per_s : 16e9;
  c.write_through = kv.choice("offload", "write_back", {"write_back", "write_through"}) == "write_through";
  const std::string load = kv.choice("load_policy", "faster", load_policy_names());
  c.load_policy = load == "cheaper" ? LoadPolicy::kCheaper
                  : load == "always" ? LoadPolicy::kAlways
                  : load == "never"  ? LoadPolicy::kNever
                                     : LoadPolicy::kFaster;
  // vLLM's default swap_space is 4 GiB per GPU.
  c.swap_space_bytes = kv.number("swap_space_gib", 4, 0, 1e6) * kGiB;
  c.swap_bytes_per_s = pcie;

  const nlohmann::json& tiers = kv.raw("tiers");
  if (tiers.is_null()) return c;
  if (!tiers.is_array()) {
    kv.errors().add(kv.child("tiers"), "expected an array of tier objects, found " + describe_json(tiers));
    return c;
  }
  std::set<std::string> names;
  bool have_cpu = false;
  for (size_t i = 0; i < tiers.size(); ++i) {
    JsonReader t(tiers[i], kv.child("tiers") + "/" + std::to_string(i), kv.errors());
    TierSpec s;
    s.kind = t.choice("kind", "cpu", tier_kind_names());
    const KindDefaults d = defaults_of(s.kind);
    s.name = t.string("name", s.kind);
    if (s.name.empty() || !names.insert(s.name).second || s.name == "gpu")
      t.errors().add(t.child("name"), "expected a tier name other than \"gpu\" and unique among the tiers, found \"" +
                                          s.name + "\"");
    read_capacity(t, s.capacity_bytes);
    s.read_bytes_per_s = t.number("read_gb_per_s", d.read_gb_per_s > 0 ? d.read_gb_per_s : pcie / kGB, 1e-6) * kGB;
    s.write_bytes_per_s = t.number("write_gb_per_s", d.write_gb_per_s > 0 ? d.write_gb_per_s : pcie / kGB, 1e-6) * kGB;
    s.latency_s = t.number("latency_s", d.latency_s, 0, 3600);
    s.usd_per_gb_month = t.number("usd_per_gb_month", d.usd_per_gb_month, 0);
    s.usd_per_gb_read = t.number("usd_per_gb_read", 0, 0);
    s.usd_per_gb_written = t.number("usd_per_gb_written", 0, 0);
    s.link = t.string("link", d.link);
    s.eviction_policy = t.choice("eviction_policy", "lru", eviction_policy_names());
    s.eviction_params = t.raw("eviction_params");
    if (!s.eviction_policy.empty())
      make_eviction_policy(s.eviction_policy, s.eviction_params, kv.errors(), t.child("eviction_params"));
    s.ttl_s = t.number("ttl_s", 0, 0);
    s.shared = t.boolean("shared", false);
    t.reject_unknown_keys();
    if (s.kind == "cpu" && !have_cpu) {  // swapping uses the first CPU tier's link
      have_cpu = true;
      c.swap_bytes_per_s = std::min(s.read_bytes_per_s, s.write_bytes_per_s);
      c.swap_link = s.link;
    }
    c.tiers.push_back(s);
  }
  return c;
}

nlohmann::json kv_tiers_to_json(const KvTiersConfig& c) {
  nlohmann::json tiers = nlohmann::json::array();
  for (const TierSpec& s : c.tiers) {
    tiers.push_back({{"name", s.name},
                     {"kind", s.kind},
                     {"capacity_gib", std::isinf(s.capacity_bytes) ? nlohmann::json("inf") : nlohmann::json(s.capacity_bytes / kGiB)},
                     {"read_gb_per_s", s.read_bytes_per_s / kGB},
                     {"write_gb_per_s", s.write_bytes_per_s / kGB},
                     {"latency_s", s.latency_s},
                     {"usd_per_gb_month", s.usd_per_gb_month},
                     {"usd_per_gb_read", s.usd_per_gb_read},
                     {"usd_per_gb_written", s.usd_per_gb_written},
                     {"link", s.link},
                     {"eviction_policy", s.eviction_policy},
                     {"ttl_s", s.ttl_s},
                     {"shared", s.shared}});
  }
  return {{"tiers", tiers},
          {"offload", c.write_through ? "write_through" : "write_back"},
          {"load_policy", load_policy_names()[static_cast<size_t>(c.load_policy)]},
          {"swap_space_gib", c.swap_space_bytes / kGiB},
          {"block_bytes", c.block_bytes},
          {"block_bytes_per_gpu", c.block_bytes_per_gpu}};
}

}  // namespace kvsim
