#include "engine/kv_tier_report.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace kvsim {

void finish_kv_tiers(const std::vector<std::unique_ptr<Replica>>& replicas,
                     const std::vector<std::shared_ptr<TierStore>>& shared, SimTime end) {
  for (const auto& r : replicas) {
    r->finish_kv(end);
    if (r->outstanding() == 0 && r->kv_usage().blocks_used != 0)
      throw std::logic_error("KV block leak: replica " + std::to_string(r->id()) + " ends with " +
                             std::to_string(r->kv_usage().blocks_used) + " blocks in use and no request");
    if (const KvOffloader* o = r->offloader())
      for (const auto& t : o->tiers()) t->check_conservation();
  }
  for (const auto& s : shared)
    if (s) s->finish(end);
}

std::optional<KvTiersSummary> kv_tiers_summary(const ReplicaConfig& config,
                                               const std::vector<std::unique_ptr<Replica>>& replicas,
                                               KvTierTotals& totals) {
  totals = KvTierTotals{};
  std::vector<const KvOffloader*> offloaders;
  for (const auto& r : replicas)
    if (r->offloader()) offloaders.push_back(r->offloader());
  if (offloaders.empty()) return std::nullopt;
  KvTiersSummary k;

  uint64_t query_blocks = 0, gpu_hits = 0;
  for (const auto& r : replicas) {
    query_blocks += r->prefix_stats().query_blocks;
    gpu_hits += r->prefix_stats().hit_blocks;
  }
  const auto rate = [&](uint64_t hits) { return query_blocks ? static_cast<double>(hits) / query_blocks : 0.0; };

  // Each store once: a shared tier appears in every replica's offloader.
  uint64_t found = 0, loaded = 0;
  for (size_t t = 0; t < config.kv_tiers.tiers.size(); ++t) {
    // In replica order, not by address: the sums below are then the same whatever the heap's layout.
    std::vector<const TierStore*> stores;
    for (const KvOffloader* o : offloaders)
      if (std::find(stores.begin(), stores.end(), o->tiers()[t].get()) == stores.end()) stores.push_back(o->tiers()[t].get());
    TierStats sum;
    double storage = 0, transfer = 0, gb_months = 0;
    for (const TierStore* s : stores) {
      const TierStats& st = s->stats();
      sum.hit_blocks += st.hit_blocks;
      sum.loaded_blocks += st.loaded_blocks;
      sum.writes += st.writes;
      sum.refreshes += st.refreshes;
      sum.evictions += st.evictions;
      sum.expirations += st.expirations;
      sum.bytes_read += st.bytes_read;
      sum.bytes_written += st.bytes_written;
      sum.peak_blocks += st.peak_blocks;
      storage += s->storage_usd();
      transfer += s->transfer_usd();
      gb_months += s->gb_months();
    }
    found += sum.hit_blocks;
    loaded += sum.loaded_blocks;
    totals.storage_usd += storage;
    totals.transfer_usd += transfer;
    const TierSpec& spec = config.kv_tiers.tiers[t];
    TierSummary& ts = k.tiers.emplace_back();
    ts.name = spec.name;
    ts.kind = spec.kind;
    ts.shared = spec.shared;
    ts.stores = stores.size();
    ts.eviction_policy = spec.eviction_policy;
    ts.hit_blocks = sum.hit_blocks;
    ts.block_hit_rate = rate(sum.hit_blocks);
    ts.loaded_blocks = sum.loaded_blocks;
    ts.writes = sum.writes;
    ts.refreshes = sum.refreshes;
    ts.evictions = sum.evictions;
    ts.expirations = sum.expirations;
    ts.peak_blocks_sum = sum.peak_blocks;
    ts.gb_read = sum.bytes_read / 1e9;
    ts.gb_written = sum.bytes_written / 1e9;
    ts.gb_months = gb_months;
    ts.usd_storage = storage;
    ts.usd_transfer = transfer;
  }

  OffloadStats o;
  for (const KvOffloader* off : offloaders) {
    const OffloadStats& s = off->stats();
    o.loads += s.loads;
    o.loaded_blocks += s.loaded_blocks;
    o.declined_blocks += s.declined_blocks;
    o.load_wait_seconds += s.load_wait_seconds;
    o.recompute_seconds_saved += s.recompute_seconds_saved;
    o.offload_batches += s.offload_batches;
    o.offloaded_blocks += s.offloaded_blocks;
    o.swap_outs += s.swap_outs;
    o.swap_ins += s.swap_ins;
    o.swapped_blocks += s.swapped_blocks;
    o.swap_refused += s.swap_refused;
    o.swap_seconds += s.swap_seconds;
    for (const auto& [name, link] : off->links()) {
      LinkSummary& acc = k.links_per_gpu[name];
      const auto add = [&l = *link](LinkDirection d, LinkTraffic& t) {
        t.transfers += static_cast<double>(l.transfers(d));
        t.gb += l.bytes(d) / 1e9;
        t.busy_s += l.busy_seconds(d);
        t.queued_s += l.waited_seconds(d);
      };
      add(LinkDirection::kToGpu, acc.to_gpu);
      add(LinkDirection::kFromGpu, acc.from_gpu);
    }
  }
  k.config = kv_tiers_to_json(config.kv_tiers);
  k.gpu_hit_blocks = gpu_hits;
  k.query_blocks = query_blocks;
  k.block_hit_rate_gpu = rate(gpu_hits);
  k.block_hit_rate_found = rate(gpu_hits + found);
  k.block_hit_rate_reused = rate(gpu_hits + loaded);
  k.loads = o.loads;
  k.loaded_blocks = o.loaded_blocks;
  k.declined_blocks = o.declined_blocks;
  k.mean_load_s = o.loads ? o.load_wait_seconds / o.loads : 0.0;
  k.recompute_seconds_saved_by_loads = o.recompute_seconds_saved;
  k.offload_batches = o.offload_batches;
  k.offloaded_blocks = o.offloaded_blocks;
  k.swap = {o.swap_outs, o.swap_ins, o.swapped_blocks, o.swap_refused, o.swap_seconds};
  return k;
}

ReuseEconomics reuse_economics(const std::vector<std::unique_ptr<Replica>>& replicas, uint32_t gpus_per_replica,
                               double usd_per_gpu_hour, const KvTierTotals& totals) {
  double replica_seconds = 0;
  for (const auto& r : replicas) replica_seconds += r->prefix_stats().reuse_seconds_saved;
  const double gpu_seconds = replica_seconds * gpus_per_replica;
  const double usd_gpu = gpu_seconds / 3600.0 * usd_per_gpu_hour;
  ReuseEconomics r;
  r.gpu_seconds_saved = gpu_seconds;
  r.usd_gpu_saved = usd_gpu;
  r.usd_storage = totals.storage_usd;
  r.usd_transfer = totals.transfer_usd;
  r.usd_net_saved = usd_gpu - totals.storage_usd - totals.transfer_usd;
  return r;
}

}  // namespace kvsim
