#include "kv/tiers/tier_store.h"

#include <cmath>
#include <stdexcept>

#include "core/error.h"
#include "cost/cost.h"
#include "kv/eviction_registry.h"

namespace kvsim {

TierStore::TierStore(const TierSpec& spec, uint64_t capacity_blocks, double block_bytes)
    : spec_(spec), block_bytes_(block_bytes), index_(1024) {
  if (std::isinf(spec.capacity_bytes)) {
    capacity_blocks_ = UINT64_MAX;
    return;
  }
  if (capacity_blocks == 0)
    throw InputError("KV tier \"" + spec.name + "\": its capacity holds no block of " +
                     std::to_string(block_bytes / 1e6) + " MB");
  if (capacity_blocks >= kNoBlock)
    throw InputError("KV tier \"" + spec.name + "\": more than 2^32 blocks; use \"capacity_gib\": \"inf\"");
  capacity_blocks_ = capacity_blocks;
  pool_ = std::make_unique<BlockPool>(static_cast<uint32_t>(capacity_blocks),
                                      make_eviction_policy(spec.eviction_policy, spec.eviction_params));
  pool_->set_eviction_listener(this);
  if (spec.ttl_s > 0) pool_->set_ttl(static_cast<uint64_t>(from_seconds(spec.ttl_s)));
}

TierStore::~TierStore() = default;

void TierStore::advance(SimTime t) {
  if (t <= last_) return;
  stats_.block_seconds += static_cast<double>(held_) * to_seconds(t - last_);
  last_ = t;
}

void TierStore::add_held(int64_t delta) {
  held_ = static_cast<uint64_t>(static_cast<int64_t>(held_) + delta);
  stats_.peak_blocks = std::max(stats_.peak_blocks, held_);
}

void TierStore::expire(SimTime now) {
  if (pool_) {
    pool_->expire(static_cast<uint64_t>(now));
  } else if (spec_.ttl_s > 0) {
    const SimTime ttl = from_seconds(spec_.ttl_s);
    while (!expiry_.empty() && expiry_.front().second + ttl <= now) {
      const auto [slot, accessed] = expiry_.front();
      expiry_.pop_front();
      if (slot_hash_[slot] == 0 || slot_access_[slot] != accessed) continue;  // read again since
      advance(accessed + ttl);
      index_.erase(slot_hash_[slot]);
      slot_hash_[slot] = 0;
      free_slots_.push_back(slot);
      add_held(-1);
      ++stats_.expirations;
    }
  }
  advance(now);
}

bool TierStore::contains(BlockHash h, SimTime now) {
  expire(now);
  return pool_ ? pool_->lookup(h) != kNoBlock : index_.find(h) != FlatHashMap::kMissing;
}

void TierStore::read(BlockHash h, SimTime now) {
  expire(now);
  stats_.bytes_read += block_bytes_;
  if (pool_) {
    const BlockId b = pool_->lookup(h);
    if (b == kNoBlock) throw std::logic_error("TierStore::read of a block the tier does not hold");
    pool_->touch(b, static_cast<uint64_t>(now));
    pool_->release(b, 0, static_cast<uint64_t>(now));
    return;
  }
  const uint32_t slot = index_.find(h);
  if (slot == FlatHashMap::kMissing) throw std::logic_error("TierStore::read of a block the tier does not hold");
  slot_access_[slot] = now;
  if (spec_.ttl_s > 0) expiry_.emplace_back(slot, now);
}

void TierStore::write(BlockHash h, SimTime now, EvictionListener* spill) {
  if (contains(h, now)) {
    ++stats_.refreshes;
    if (pool_) {
      const BlockId b = pool_->lookup(h);
      pool_->touch(b, static_cast<uint64_t>(now));
      pool_->release(b, 0, static_cast<uint64_t>(now));
    } else {
      const uint32_t slot = index_.find(h);
      slot_access_[slot] = now;
      if (spec_.ttl_s > 0) expiry_.emplace_back(slot, now);
    }
    return;
  }
  ++stats_.writes;
  stats_.bytes_written += block_bytes_;
  if (pool_) {
    scratch_.clear();
    spill_ = spill;
    pool_->allocate(1, scratch_, static_cast<uint64_t>(now));  // may evict, see on_block_evicted
    spill_ = nullptr;
    pool_->cache(scratch_[0], h);
    pool_->release(scratch_[0], 0, static_cast<uint64_t>(now));
  } else {
    uint32_t slot;
    if (!free_slots_.empty()) {
      slot = free_slots_.back();
      free_slots_.pop_back();
    } else {
      slot = static_cast<uint32_t>(slot_hash_.size());
      slot_hash_.push_back(0);
      slot_access_.push_back(0);
    }
    slot_hash_[slot] = h;
    slot_access_[slot] = now;
    index_.insert(h, slot);
    if (spec_.ttl_s > 0) expiry_.emplace_back(slot, now);
  }
  add_held(+1);
}

void TierStore::on_block_evicted(BlockHash hash, uint32_t position, uint64_t now_ns) {
  advance(static_cast<SimTime>(now_ns));
  add_held(-1);
  ++stats_.evictions;
  if (spill_) spill_->on_block_evicted(hash, position, now_ns);
}

void TierStore::on_block_expired(BlockHash, uint64_t expired_at_ns) {
  advance(static_cast<SimTime>(expired_at_ns));
  add_held(-1);
  ++stats_.expirations;
}

void TierStore::finish(SimTime end) { expire(end); }

double TierStore::storage_usd() const {
  return gb_months() * spec_.usd_per_gb_month;
}

double TierStore::transfer_usd() const {
  return stats_.bytes_read / 1e9 * spec_.usd_per_gb_read + stats_.bytes_written / 1e9 * spec_.usd_per_gb_written;
}

void TierStore::check_conservation() const {
  const uint64_t indexed = pool_ ? pool_->num_cached_blocks() : index_.size();
  if (indexed != held_) throw std::logic_error("KV tier " + spec_.name + ": index and held count disagree");
  if (pool_ && pool_->num_free_blocks() != pool_->num_blocks())
    throw std::logic_error("KV tier " + spec_.name + ": a block is still referenced");
}

double TierStore::gb_months() const { return stats_.block_seconds * block_bytes_ / 1e9 / kSecondsPerMonth; }

std::vector<std::shared_ptr<TierStore>> make_shared_tier_stores(const KvTiersConfig& config) {
  std::vector<std::shared_ptr<TierStore>> out(config.tiers.size());
  for (size_t t = 0; t < config.tiers.size(); ++t) {
    const TierSpec& spec = config.tiers[t];
    if (!spec.shared) continue;
    const double blocks = std::floor(spec.capacity_bytes / config.block_bytes);
    out[t] = std::make_shared<TierStore>(spec, std::isinf(blocks) ? 0 : static_cast<uint64_t>(blocks), config.block_bytes);
  }
  return out;
}

}  // namespace kvsim
