// The KV tiers' and KV reuse's part of summary.json: per tier hits, loads, writes, evictions,
// bytes moved, GB-months held and dollars; per link traffic and queueing; swap activity; and the
// economics of reuse (GPU time saved at $/GPU-hour against storage and transfer dollars).
#pragma once
#include <memory>
#include <optional>
#include <vector>

#include "cost/cost.h"
#include "engine/kv_tier_summary.h"
#include "engine/replica.h"

namespace kvsim {

struct KvTierTotals {
  double storage_usd = 0;
  double transfer_usd = 0;
};

// Integrates every tier's storage up to `end` (private and shared stores alike), and checks that
// no KV block leaked: with no request left, every GPU block is free and every tier's index
// agrees with what it holds. Throws std::logic_error otherwise.
void finish_kv_tiers(const std::vector<std::unique_ptr<Replica>>& replicas,
                     const std::vector<std::shared_ptr<TierStore>>& shared, SimTime end);

// summary.json's "kv_tiers" (none when no replica has tiers or swapping); fills `totals`.
std::optional<KvTiersSummary> kv_tiers_summary(const ReplicaConfig& config, const std::vector<std::unique_ptr<Replica>>& replicas,
                                KvTierTotals& totals);

// summary.json's "cost"."reuse", but for the GPU busy time (the run's to add). GPU seconds count
// every GPU of a replica.
ReuseEconomics reuse_economics(const std::vector<std::unique_ptr<Replica>>& replicas, uint32_t gpus_per_replica,
                               double usd_per_gpu_hour, const KvTierTotals& totals);

}  // namespace kvsim
