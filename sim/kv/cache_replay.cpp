#include "kv/cache_replay.h"

#include <algorithm>
#include <stdexcept>

#include "core/error.h"
#include "kv/eviction_registry.h"
#include "kv/prefix_hash.h"

namespace kvsim {

// Forwards a tier's evictions to the tier below (write-back).
class CacheReplay::Offloader final : public EvictionListener {
 public:
  Offloader(CacheReplay& replay, size_t below) : replay_(replay), below_(below) {}
  void on_block_evicted(BlockHash hash, uint32_t, uint64_t now_ns) override { replay_.write(below_, hash, now_ns); }

 private:
  CacheReplay& replay_;
  size_t below_;
};

struct CacheReplay::Tier {
  std::unique_ptr<BlockPool> pool;  // null: an unbounded tier kept as the set `held`
  FlatHashSet held{1024};           // the hashes an unbounded tier holds
  std::unique_ptr<Offloader> offloader;
  std::vector<BlockId> scratch;
};

namespace {

// An unbounded tier needs no pool unless a TTL or the radix tree orders its blocks.
bool kept_as_set(const CacheReplayConfig& config, size_t t) {
  const ReplayTier& spec = config.tiers[t];
  return spec.capacity_tokens == kInfiniteCapacity && spec.ttl_s <= 0 && !(t == 0 && config.radix_tree);
}

}  // namespace

bool CacheReplay::needs_infinite_blocks(const CacheReplayConfig& config) {
  if (config.tiers.empty()) return false;
  bool any_infinite = false;
  for (size_t t = 0; t < config.tiers.size(); ++t) {
    if (config.tiers[t].capacity_tokens != kInfiniteCapacity) continue;
    if (!kept_as_set(config, t)) return true;
    any_infinite = true;
  }
  return any_infinite && !kept_as_set(config, 0);
}

uint32_t replay_blocks_stored(const RequestSpec& r, uint32_t block_size) {
  const uint64_t tokens = uint64_t{r.prompt_tokens} + r.output_tokens;
  return tokens == 0 ? 0 : static_cast<uint32_t>((tokens - (r.output_tokens > 0 ? 1 : 0)) / block_size);
}

uint64_t count_distinct_blocks(const std::vector<RequestSpec>& requests, uint32_t block_size) {
  FlatHashMap seen(1024);
  for (const RequestSpec& r : requests) {
    const uint32_t n = replay_blocks_stored(r, block_size);
    BlockHash h = 0;
    for (uint32_t k = 0; k < n; ++k) {
      h = chain_block_hash(h, r.content, k * block_size, block_size);
      if (seen.find(h) == FlatHashMap::kMissing) seen.insert(h, 0);
    }
  }
  return seen.size();
}

uint64_t infinite_capacity_blocks(const std::vector<RequestSpec>& requests, uint32_t block_size) {
  FlatHashMap seen(1024);
  uint64_t allocations = 0;
  for (const RequestSpec& r : requests) {
    const uint32_t query = r.prompt_tokens > 0 ? (r.prompt_tokens - 1) / block_size : 0;
    const uint32_t n = replay_blocks_stored(r, block_size);
    BlockHash h = 0;
    bool matching = true;
    for (uint32_t k = 0; k < n; ++k) {
      h = chain_block_hash(h, r.content, k * block_size, block_size);
      const bool known = seen.find(h) != FlatHashMap::kMissing;
      if (matching && k < query && known) continue;  // a hit takes no new block
      matching = false;
      ++allocations;
      if (!known) seen.insert(h, 0);
    }
  }
  return allocations;
}

CacheReplay::CacheReplay(const CacheReplayConfig& config, uint64_t infinite_blocks) : config_(config) {
  if (config.tiers.empty()) throw InputError("cache replay needs at least the GPU tier");
  if (config.block_size == 0) throw InputError("cache replay: block size must be >= 1");
  for (size_t t = 0; t < config.tiers.size(); ++t) {
    const ReplayTier& spec = config.tiers[t];
    if (kept_as_set(config, t)) {
      tiers_.push_back(std::make_unique<Tier>());
      ReplayTierStats ts;
      ts.capacity_blocks = std::max<uint64_t>(infinite_blocks, 1);
      stats_.tiers.push_back(ts);
      continue;
    }
    uint64_t blocks = spec.capacity_tokens == kInfiniteCapacity ? std::max<uint64_t>(infinite_blocks, 1)
                                                                 : spec.capacity_tokens / config.block_size;
    if (blocks == 0)
      throw InputError("tier \"" + spec.name + "\": capacity " + std::to_string(spec.capacity_tokens) +
                       " tokens holds no block of " + std::to_string(config.block_size) + " tokens");
    if (blocks >= kNoBlock) throw InputError("tier \"" + spec.name + "\": capacity beyond 2^32 blocks");
    ErrorList errors;  // checked here so that the message names the tier, not a scenario field
    make_eviction_policy(spec.policy, spec.policy_params, errors, "tier \"" + spec.name + "\" eviction policy");
    errors.throw_if_any("cache replay");
    auto tier = std::make_unique<Tier>();
    const bool radix = t == 0 && config.radix_tree;
    tier->pool = std::make_unique<BlockPool>(static_cast<uint32_t>(blocks),
                                             make_eviction_policy(spec.policy, spec.policy_params, radix));
    if (spec.ttl_s > 0) tier->pool->set_ttl(static_cast<uint64_t>(from_seconds(spec.ttl_s)));
    tier->pool->set_prefetch_evictions(true);
    tiers_.push_back(std::move(tier));
    ReplayTierStats ts;
    ts.capacity_blocks = blocks;
    stats_.tiers.push_back(ts);
  }
  if (config.radix_tree) tiers_[0]->pool->enable_radix_tree();
  if (!config.write_through) {
    for (size_t t = 0; t + 1 < tiers_.size(); ++t) {
      if (!tiers_[t]->pool) continue;  // never evicts
      tiers_[t]->offloader = std::make_unique<Offloader>(*this, t + 1);
      tiers_[t]->pool->set_eviction_listener(tiers_[t]->offloader.get());
    }
  }
  held_.reserve(1024);
}

CacheReplay::~CacheReplay() = default;

void CacheReplay::write(size_t t, BlockHash hash, uint64_t now_ns) {
  if (!tiers_[t]->pool) {
    FlatHashSet& held = tiers_[t]->held;
    const size_t before = held.size();
    held.insert(hash);
    stats_.tiers[t].writes += held.size() - before;
    return;
  }
  BlockPool& pool = *tiers_[t]->pool;
  const BlockId b = pool.lookup(hash);
  if (b != kNoBlock) {  // already there: refresh it
    pool.touch(b, now_ns);
    pool.release(b, 0, now_ns);
    return;
  }
  ++stats_.tiers[t].writes;
  std::vector<BlockId>& got = tiers_[t]->scratch;
  got.clear();
  pool.allocate(1, got, now_ns);
  pool.cache(got[0], hash);
  pool.release(got[0], 0, now_ns);
}

// The walk below the GPU for a block the GPU misses: the first lower tier holding it counts a
// hit (and a read refreshes it there).
bool CacheReplay::found_below(BlockHash h, uint64_t now) {
  for (size_t t = 1; t < tiers_.size(); ++t) {
    ++stats_.lookups;
    Tier& tier = *tiers_[t];
    if (!tier.pool) {
      if (tier.held.find(h) == FlatHashSet::kMissing) continue;
    } else {
      const BlockId lb = tier.pool->lookup(h);
      if (lb == kNoBlock) continue;
      tier.pool->touch(lb, now);
      tier.pool->release(lb, 0, now);
    }
    ++stats_.tiers[t].hit_blocks;
    return true;
  }
  return false;
}

void CacheReplay::process(const RequestSpec& r) {
  const uint64_t now = static_cast<uint64_t>(std::max<SimTime>(r.arrival, 0));
  for (auto& tier : tiers_)
    if (tier->pool) tier->pool->expire(now);
  const uint32_t bs = config_.block_size;
  const uint32_t gpu_blocks = tiers_[0]->pool ? tiers_[0]->pool->num_blocks() : UINT32_MAX;
  const uint32_t store = std::min(replay_blocks_stored(r, bs), gpu_blocks);
  const uint32_t query = std::min(r.prompt_tokens > 0 ? (r.prompt_tokens - 1) / bs : 0, store);
  ++stats_.requests;
  stats_.query_blocks += r.prompt_tokens > 0 ? (r.prompt_tokens - 1) / bs : 0;
  stats_.query_tokens += r.prompt_tokens;
  stats_.blocks_stored += store;

  // The hashes of every block it stores, computed first so that their index entries can be
  // fetched into cache a few blocks ahead of use (the lookups are scattered in memory).
  hashes_.clear();
  BlockHash h = 0;
  for (uint32_t k = 0; k < store; ++k) hashes_.push_back(h = chain_block_hash(h, r.content, k * bs, bs));
  if (!tiers_[0]->pool) return store_in_unbounded_gpu(query, store, now);

  BlockPool& gpu = *tiers_[0]->pool;
  constexpr uint32_t kAhead = 6;
  for (uint32_t k = 0; k < std::min(kAhead, store); ++k) gpu.prefetch_lookup(hashes_[k]);

  // 1. The prefix walk: GPU first, then the lower tiers; a GPU hit is taken at once, a block
  //    found below is promoted (it gets a GPU block in step 2).
  walk_.clear();
  uint32_t gpu_hits = 0;
  for (uint32_t k = 0; k < query; ++k) {
    if (k + kAhead < store) gpu.prefetch_lookup(hashes_[k + kAhead]);
    h = hashes_[k];
    ++stats_.lookups;
    const BlockId b = gpu.lookup(h);
    if (b != kNoBlock) {
      gpu.touch(b, now);
      walk_.push_back({h, b});
      ++gpu_hits;
      continue;
    }
    if (!found_below(h, now)) break;
    walk_.push_back({h, kNoBlock});
  }
  stats_.tiers[0].hit_blocks += gpu_hits;
  gpu_allocations_ += store - gpu_hits;

  // 2. Every other block takes a new GPU block, all allocated at once as vLLM's
  //    allocate_slots does, and is cached as it is computed (or promoted).
  fresh_.clear();
  gpu.allocate(store - gpu_hits, fresh_, now);
  held_.clear();
  size_t next_fresh = 0;
  BlockHash parent = 0;
  for (uint32_t k = 0; k < store; ++k) {
    if (k < walk_.size() && walk_[k].block != kNoBlock) {
      held_.push_back(walk_[k].block);
      parent = walk_[k].hash;
      continue;
    }
    if (k + kAhead < store && k + kAhead >= query) gpu.prefetch_lookup(hashes_[k + kAhead]);
    h = hashes_[k];
    const BlockId b = fresh_[next_fresh++];
    ++stats_.lookups;  // cache() looks the hash up to keep one copy
    gpu.cache(b, h, parent);
    held_.push_back(b);
    ++stats_.tiers[0].writes;
    if (config_.write_through)
      for (size_t t = 1; t < tiers_.size(); ++t) write(t, h, now);
    parent = h;
  }
  // 3. The request finishes: its blocks are released tail first.
  for (size_t i = held_.size(); i-- > 0;) gpu.release(held_[i], static_cast<uint32_t>(i), now);
}

// The same steps on an unbounded GPU that never evicts: a block is held once stored, so
// holding and releasing a request's blocks changes nothing.
void CacheReplay::store_in_unbounded_gpu(uint32_t query, uint32_t store, uint64_t now) {
  FlatHashSet& gpu = tiers_[0]->held;
  constexpr uint32_t kAhead = 6;
  for (uint32_t k = 0; k < std::min(kAhead, store); ++k) gpu.prefetch(hashes_[k]);
  walk_.clear();
  uint32_t gpu_hits = 0;
  for (uint32_t k = 0; k < query; ++k) {
    if (k + kAhead < store) gpu.prefetch(hashes_[k + kAhead]);
    const BlockHash h = hashes_[k];
    ++stats_.lookups;
    const bool hit = gpu.find(h) != FlatHashSet::kMissing;
    if (!hit && !found_below(h, now)) break;
    gpu_hits += hit;
    walk_.push_back({h, hit ? BlockId{0} : kNoBlock});
  }
  stats_.tiers[0].hit_blocks += gpu_hits;
  gpu_allocations_ += store - gpu_hits;
  for (uint32_t k = 0; k < store; ++k) {
    if (k < walk_.size() && walk_[k].block != kNoBlock) continue;
    if (k + kAhead < store && k + kAhead >= query) gpu.prefetch(hashes_[k + kAhead]);
    ++stats_.lookups;
    gpu.insert(hashes_[k]);  // (a block computed again after the walk stopped is held once)
    ++stats_.tiers[0].writes;
    if (config_.write_through)
      for (size_t t = 1; t < tiers_.size(); ++t) write(t, hashes_[k], now);
  }
}

uint64_t CacheReplay::capacity_blocks(size_t t) const {
  if (tiers_[t]->pool || tiers_[0]->pool) return stats_.tiers[t].capacity_blocks;
  // Under an unbounded GPU, the blocks it allocated are those of infinite_capacity_blocks.
  return std::max<uint64_t>(gpu_allocations_, 1);
}

void CacheReplay::check_conservation() const {
  for (size_t t = 0; t < tiers_.size(); ++t) {
    if (!tiers_[t]->pool) continue;  // holds no references
    const BlockPool& pool = *tiers_[t]->pool;
    if (pool.num_free_blocks() != pool.num_blocks())
      throw std::logic_error("cache replay: tier " + config_.tiers[t].name + " has " +
                             std::to_string(pool.num_blocks() - pool.num_free_blocks()) + " blocks still held");
    for (BlockId b = 0; b < pool.num_materialised_blocks(); ++b)
      if (pool.ref_count(b) != 0) throw std::logic_error("cache replay: a block is still referenced");
  }
}

nlohmann::json CacheReplay::to_json() const {
  const auto rate = [](uint64_t a, uint64_t b) { return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0; };
  const uint64_t bs = config_.block_size;
  nlohmann::json tiers = nlohmann::json::array();
  uint64_t cumulative = 0;
  for (size_t t = 0; t < tiers_.size(); ++t) {
    const ReplayTier& spec = config_.tiers[t];
    const ReplayTierStats& s = stats_.tiers[t];
    const BlockPoolStats ps = tiers_[t]->pool ? tiers_[t]->pool->stats() : BlockPoolStats{};
    cumulative += s.hit_blocks;
    tiers.push_back({{"name", spec.name},
                     {"policy", spec.policy},
                     {"capacity_tokens", spec.capacity_tokens == kInfiniteCapacity ? nlohmann::json("inf")
                                                                                   : nlohmann::json(spec.capacity_tokens)},
                     {"capacity_blocks", capacity_blocks(t)},
                     {"hit_blocks", s.hit_blocks},
                     {"block_hit_rate", rate(s.hit_blocks, stats_.query_blocks)},
                     {"hit_tokens", s.hit_blocks * bs},
                     {"token_hit_rate", rate(s.hit_blocks * bs, stats_.query_tokens)},
                     {"cumulative_block_hit_rate", rate(cumulative, stats_.query_blocks)},
                     {"cumulative_token_hit_rate", rate(cumulative * bs, stats_.query_tokens)},
                     {"writes", s.writes},
                     {"evictions", ps.evictions},
                     {"expirations", ps.expirations}});
  }
  return {{"requests", stats_.requests},
          {"block_size", config_.block_size},
          {"prefix_index", config_.radix_tree ? "radix" : "hash"},
          {"write_policy", config_.write_through ? "write_through" : "write_back"},
          {"query_blocks", stats_.query_blocks},
          {"query_tokens", stats_.query_tokens},
          {"blocks_stored", stats_.blocks_stored},
          {"lookups", stats_.lookups},
          {"tiers", tiers},
          {"block_hit_rate", rate(cumulative, stats_.query_blocks)},
          {"token_hit_rate", rate(cumulative * bs, stats_.query_tokens)}};
}

}  // namespace kvsim
