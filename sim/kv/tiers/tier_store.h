// TierStore: the KV blocks one tier below the GPU holds (host DRAM, NVMe, a remote pool, an
// object store), found by their chained hash. A bounded tier is a BlockPool with the tier's own
// eviction policy, every block free between accesses; an infinite one never evicts. Both apply
// the tier's TTL. The store accounts what the tier costs: the bytes it holds over time (storage
// at $/GB-month, integrated exactly, expiries at their deadlines) and the bytes moved in and out
// ($/GB). What a bounded tier evicts goes to its spill listener (the next tier, write-back).
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "kv/block_pool.h"
#include "kv/tiers/tier_spec.h"

namespace kvsim {

struct TierStats {
  uint64_t hit_blocks = 0;       // blocks of admitted prefixes found here (and not above)
  uint64_t loaded_blocks = 0;    // of those, loaded to a GPU (the rest were recomputed)
  uint64_t writes = 0;           // blocks newly written
  uint64_t refreshes = 0;        // writes of blocks already held (no data moved)
  uint64_t evictions = 0;
  uint64_t expirations = 0;
  double bytes_read = 0;         // replica KV bytes, all GPUs
  double bytes_written = 0;
  double block_seconds = 0;      // integral of blocks held over time
  uint64_t peak_blocks = 0;
};

class TierStore final : public EvictionListener {
 public:
  // `capacity_blocks` is ignored for an infinite tier; `block_bytes` is one block of the
  // replica's KV (all GPUs).
  TierStore(const TierSpec& spec, uint64_t capacity_blocks, double block_bytes);
  ~TierStore() override;
  TierStore(const TierStore&) = delete;
  TierStore& operator=(const TierStore&) = delete;

  const TierSpec& spec() const { return spec_; }
  bool infinite() const { return pool_ == nullptr; }
  uint64_t capacity_blocks() const { return capacity_blocks_; }
  uint64_t blocks_held() const { return held_; }

  // Applies the TTL up to `now`; every other call does so first.
  void expire(SimTime now);
  bool contains(BlockHash h, SimTime now);
  // A read of `h` (which the tier holds): refreshes it for the eviction policy and the TTL,
  // and counts the bytes moved.
  void read(BlockHash h, SimTime now);
  // Stores `h`, evicting as the policy says; evicted hashes go to `spill` (the writer's way
  // to the next tier, or null). A block already held is refreshed instead.
  void write(BlockHash h, SimTime now, EvictionListener* spill);

  // Storage cost is integrated up to the last call; finish() integrates up to `end`.
  void finish(SimTime end);
  double storage_usd() const;
  double transfer_usd() const;
  TierStats& stats() { return stats_; }
  const TierStats& stats() const { return stats_; }
  // GB (1e9 bytes) held, integrated over the billing months held (kSecondsPerMonth).
  double gb_months() const;
  // Blocks still referenced (there must be none between calls) and index consistency.
  void check_conservation() const;

 private:
  void on_block_evicted(BlockHash hash, uint32_t position, uint64_t now_ns) override;
  void on_block_expired(BlockHash hash, uint64_t expired_at_ns) override;
  void advance(SimTime t);
  void add_held(int64_t delta);

  TierSpec spec_;
  uint64_t capacity_blocks_ = 0;
  double block_bytes_;
  std::unique_ptr<BlockPool> pool_;  // null when infinite
  std::vector<BlockId> scratch_;
  EvictionListener* spill_ = nullptr;
  // Infinite tier: hash -> slot, each slot's last access, expiry queue (with a TTL).
  FlatHashMap index_;
  std::vector<uint64_t> slot_hash_;
  std::vector<SimTime> slot_access_;
  std::vector<uint32_t> free_slots_;
  std::deque<std::pair<uint32_t, SimTime>> expiry_;

  uint64_t held_ = 0;
  SimTime last_ = 0;
  TierStats stats_;
};

// The stores of the configured tiers that are shared by the cluster (index = tier; null for a
// tier each replica owns). `config.block_bytes` must be set.
std::vector<std::shared_ptr<TierStore>> make_shared_tier_stores(const KvTiersConfig& config);

}  // namespace kvsim
