// Cache replay: LRU equals a brute-force LRU written here, infinite capacity gives the
// theoretical maximum, tiers neither lose nor duplicate blocks, and a real trace excerpt runs.
#include <catch2/catch.hpp>

#include <set>
#include <unordered_set>

#include "core/rng.h"
#include "kv/cache_replay.h"
#include "kv/prefix_hash.h"
#include "workload/workload_config.h"

using namespace kvsim;

namespace {

// Requests sharing prefixes: a few system prompts, multi-turn sessions that re-read their
// previous turn, and one-off prompts.
std::vector<RequestSpec> shared_prefix_requests(uint64_t seed, size_t n) {
  Rng rng(seed);
  std::vector<RequestSpec> out;
  std::vector<uint32_t> session_len(6, 0);
  for (size_t i = 0; i < n; ++i) {
    RequestSpec r;
    r.id = i;
    r.arrival = static_cast<SimTime>(i) * 1000;
    r.output_tokens = 1 + static_cast<uint32_t>(rng.uniform_int(0, 40));
    const double u = rng.uniform();
    if (u < 0.4) {  // a session turn: the previous turn plus new tokens
      const size_t s = rng.uniform_int(0, session_len.size() - 1);
      session_len[s] = std::min<uint32_t>(session_len[s] + 30 + static_cast<uint32_t>(rng.uniform_int(0, 60)), 900);
      r.prompt_tokens = session_len[s];
      r.content.own_stream = 7000 + s;
    } else {
      r.prompt_tokens = 20 + static_cast<uint32_t>(rng.uniform_int(0, 300));
      r.content.shared_stream = 100 + rng.uniform_int(0, 2);
      r.content.shared_end = rng.uniform() < 0.7 ? static_cast<uint32_t>(rng.uniform_int(0, 200)) : 0;
      r.content.own_stream = 50000 + i;
    }
    out.push_back(r);
  }
  return out;
}

// LRU by brute force: C slots, each holding a hash or nothing, stamped when last released. A
// request pins the slots of its longest cached prefix, then takes the least recently released
// unpinned slot for each other block it stores, all before computing any (as vLLM's
// allocate_slots), caches the blocks in order (a hash already cached elsewhere is not stored
// twice), and releases its blocks tail first. Linear scans everywhere.
struct BruteForceLru {
  struct Slot {
    uint64_t hash = 0;
    uint64_t stamp = 0;
    bool pinned = false;
  };
  explicit BruteForceLru(size_t c) : slots(c) {
    for (size_t i = 0; i < c; ++i) slots[i].stamp = i;  // the pool hands out fresh blocks in id order
    clock = c;
  }
  size_t find(uint64_t h) const {
    for (size_t i = 0; i < slots.size(); ++i)
      if (slots[i].hash == h) return i;
    return SIZE_MAX;
  }
  // Returns the prefix blocks hit.
  uint64_t process(const RequestSpec& r, uint32_t bs) {
    const uint32_t store = std::min<uint32_t>(replay_blocks_stored(r, bs), static_cast<uint32_t>(slots.size()));
    const uint32_t query = std::min((r.prompt_tokens - 1) / bs, store);
    std::vector<uint64_t> hashes;
    BlockHash h = 0;
    for (uint32_t k = 0; k < store; ++k) hashes.push_back(h = chain_block_hash(h, r.content, k * bs, bs));
    std::vector<size_t> held;
    uint32_t hits = 0;
    while (hits < query && find(hashes[hits]) != SIZE_MAX) {
      held.push_back(find(hashes[hits]));
      slots[held.back()].pinned = true;
      ++hits;
    }
    for (uint32_t k = hits; k < store; ++k) {
      size_t victim = SIZE_MAX;
      for (size_t i = 0; i < slots.size(); ++i)
        if (!slots[i].pinned && (victim == SIZE_MAX || slots[i].stamp < slots[victim].stamp)) victim = i;
      slots[victim].hash = 0;
      slots[victim].pinned = true;
      held.push_back(victim);
    }
    for (uint32_t k = hits; k < store; ++k)
      if (find(hashes[k]) == SIZE_MAX) slots[held[k]].hash = hashes[k];
    for (size_t j = held.size(); j-- > 0;) {
      slots[held[j]].pinned = false;
      slots[held[j]].stamp = ++clock;
    }
    return hits;
  }
  std::vector<Slot> slots;
  uint64_t clock = 0;
};

CacheReplayConfig one_tier(uint64_t tokens, const std::string& policy = "lru") {
  CacheReplayConfig c;
  c.block_size = 16;
  ReplayTier gpu;
  gpu.capacity_tokens = tokens;
  gpu.policy = policy;
  c.tiers.push_back(gpu);
  return c;
}

}  // namespace

TEST_CASE("cache-replay with lru hits exactly what a brute-force lru hits") {
  const auto requests = shared_prefix_requests(11, 1500);
  for (uint32_t blocks : {24u, 60u, 150u, 400u}) {
    CacheReplay replay(one_tier(blocks * 16ull), 0);
    BruteForceLru brute(blocks);
    uint64_t brute_hits = 0;
    for (const RequestSpec& r : requests) {
      const uint64_t before = replay.stats().tiers[0].hit_blocks;
      replay.process(r);
      const uint64_t expect = brute.process(r, 16);
      REQUIRE(replay.stats().tiers[0].hit_blocks - before == expect);
      brute_hits += expect;
    }
    INFO("capacity " << blocks << " blocks");
    REQUIRE(brute_hits > 0);
    replay.check_conservation();
  }
}

TEST_CASE("infinite capacity hits every block stored before: the theoretical maximum") {
  const auto requests = shared_prefix_requests(12, 800);
  const uint64_t distinct = count_distinct_blocks(requests, 16);
  CacheReplay replay(one_tier(kInfiniteCapacity), infinite_capacity_blocks(requests, 16));
  std::unordered_set<uint64_t> seen;
  uint64_t expect = 0;
  for (const RequestSpec& r : requests) {
    replay.process(r);
    const uint32_t query = (r.prompt_tokens - 1) / 16;
    BlockHash h = 0;
    bool matching = true;
    for (uint32_t k = 0; k < replay_blocks_stored(r, 16); ++k) {
      h = chain_block_hash(h, r.content, k * 16, 16);
      if (matching && k < query && seen.count(h)) ++expect;
      else matching = false;
      seen.insert(h);
    }
  }
  REQUIRE(seen.size() == distinct);
  REQUIRE(replay.stats().tiers[0].hit_blocks == expect);
  REQUIRE(replay.to_json()["tiers"][0]["evictions"] == 0);
  for (const char* policy : {"lru", "fifo", "lfu", "slru", "arc", "s3fifo", "gdsf"}) {
    CacheReplay small(one_tier(100 * 16, policy), 0);
    for (const RequestSpec& r : requests) small.process(r);
    REQUIRE(small.stats().tiers[0].hit_blocks <= expect);
  }
}

// The JSON of a replay of `requests`, without the fields that name the capacity.
nlohmann::json replayed_counts(const CacheReplayConfig& config, uint64_t infinite_blocks,
                               const std::vector<RequestSpec>& requests) {
  CacheReplay replay(config, infinite_blocks);
  for (const RequestSpec& r : requests) replay.process(r);
  replay.check_conservation();
  nlohmann::json j = replay.to_json();
  for (auto& tier : j["tiers"]) tier.erase("capacity_tokens");
  return j;
}

TEST_CASE("an unbounded tier counts what a bounded one larger than the trace counts, without a pre-pass") {
  const auto requests = shared_prefix_requests(15, 900);
  const uint64_t allocations = infinite_capacity_blocks(requests, 16);
  REQUIRE(allocations > count_distinct_blocks(requests, 16));  // some blocks are computed again
  for (const char* policy : {"lru", "s3fifo", "gdsf"}) {
    INFO(policy);
    // An unbounded GPU: no pool, so no block count is needed up front; it reports the blocks
    // it allocated, which is the pre-pass's count.
    REQUIRE_FALSE(CacheReplay::needs_infinite_blocks(one_tier(kInfiniteCapacity, policy)));
    const nlohmann::json unbounded = replayed_counts(one_tier(kInfiniteCapacity, policy), 0, requests);
    const nlohmann::json bounded = replayed_counts(one_tier(allocations * 16, policy), 0, requests);
    REQUIRE(unbounded == bounded);
    REQUIRE(unbounded["tiers"][0]["evictions"] == 0);
    // An unbounded lower tier, written back or through, under a small GPU.
    for (const bool through : {false, true}) {
      CacheReplayConfig small = one_tier(64 * 16, policy), large = small;
      small.write_through = large.write_through = through;
      ReplayTier cpu;
      cpu.name = "cpu";
      cpu.capacity_tokens = kInfiniteCapacity;
      small.tiers.push_back(cpu);
      cpu.capacity_tokens = allocations * 16;
      large.tiers.push_back(cpu);
      REQUIRE(CacheReplay::needs_infinite_blocks(small));  // (only for the capacity it reports)
      REQUIRE(replayed_counts(small, allocations, requests) == replayed_counts(large, 0, requests));
    }
  }
  // With a TTL the unbounded GPU keeps a pool, sized by the pre-pass.
  CacheReplayConfig ttl = one_tier(kInfiniteCapacity);
  ttl.tiers[0].ttl_s = 1e-5;
  REQUIRE(CacheReplay::needs_infinite_blocks(ttl));
  CacheReplayConfig ttl_bounded = one_tier(allocations * 16);
  ttl_bounded.tiers[0].ttl_s = 1e-5;
  REQUIRE(replayed_counts(ttl, allocations, requests) == replayed_counts(ttl_bounded, 0, requests));
}

TEST_CASE("a GPU tier over an infinite write-back tier loses nothing: it hits as often as an infinite GPU") {
  const auto requests = shared_prefix_requests(13, 800);
  const uint64_t distinct = count_distinct_blocks(requests, 16);
  CacheReplay infinite(one_tier(kInfiniteCapacity), infinite_capacity_blocks(requests, 16));
  for (const bool through : {false, true}) {
    CacheReplayConfig c = one_tier(64 * 16);  // holds the largest request
    c.write_through = through;
    ReplayTier cpu;
    cpu.name = "cpu";
    cpu.capacity_tokens = kInfiniteCapacity;
    c.tiers.push_back(cpu);
    CacheReplay tiered(c, distinct);
    for (const RequestSpec& r : requests) {
      tiered.process(r);
      if (!through) infinite.process(r);
    }
    const auto& s = tiered.stats();
    INFO((through ? "write-through" : "write-back"));
    REQUIRE(s.tiers[0].hit_blocks + s.tiers[1].hit_blocks == infinite.stats().tiers[0].hit_blocks);
    REQUIRE(s.tiers[1].hit_blocks > 0);
    // Nothing duplicated: the CPU tier wrote each distinct block at most once.
    REQUIRE(s.tiers[1].writes <= distinct);
    tiered.check_conservation();
  }
}

TEST_CASE("lower tiers cascade: what the CPU tier evicts lands on the disk tier") {
  const auto requests = shared_prefix_requests(14, 600);
  CacheReplayConfig c = one_tier(30 * 16);
  for (const auto& [name, tokens] : {std::pair<std::string, uint64_t>{"cpu", 60 * 16}, {"disk", 2000 * 16}}) {
    ReplayTier t;
    t.name = name;
    t.capacity_tokens = tokens;
    c.tiers.push_back(t);
  }
  CacheReplay replay(c, 0);
  for (const RequestSpec& r : requests) replay.process(r);
  const nlohmann::json j = replay.to_json();
  REQUIRE(j["tiers"][1]["evictions"].get<uint64_t>() > 0);
  // Every CPU eviction is written to disk, or refreshes the copy already there.
  REQUIRE(j["tiers"][2]["writes"].get<uint64_t>() > 0);
  REQUIRE(j["tiers"][2]["writes"].get<uint64_t>() <= j["tiers"][1]["evictions"].get<uint64_t>());
  REQUIRE(j["tiers"][2]["hit_blocks"].get<uint64_t>() > 0);
  REQUIRE(j["tiers"][2]["cumulative_block_hit_rate"].get<double>() == Approx(j["block_hit_rate"].get<double>()));
  replay.check_conservation();
}

TEST_CASE("cache-replay runs the Mooncake trace excerpt and reports rates between 0 and 1") {
  TraceConfig t;
  t.format = "mooncake";
  t.path = std::string(KVSIM_TEST_DATA) + "/traces/mooncake_conversation_head50.jsonl";
  auto source = open_trace(t);
  std::vector<RequestSpec> requests;
  RequestSpec r;
  while (source->next(r)) requests.push_back(r);
  REQUIRE(requests.size() == 50);
  CacheReplay best(one_tier(kInfiniteCapacity), infinite_capacity_blocks(requests, 16));
  CacheReplayConfig radix = one_tier(4000 * 16);
  radix.radix_tree = true;
  CacheReplay small(one_tier(4000 * 16), 0), tree(radix, 0);
  for (const RequestSpec& q : requests) {
    best.process(q);
    small.process(q);
    tree.process(q);
  }
  const double max_rate = best.to_json()["block_hit_rate"];
  REQUIRE(max_rate > 0);
  REQUIRE(max_rate <= 1);
  REQUIRE(small.to_json()["block_hit_rate"].get<double>() <= max_rate);
  REQUIRE(tree.to_json()["block_hit_rate"].get<double>() <= max_rate);
  REQUIRE(best.to_json()["token_hit_rate"].get<double>() < max_rate + 1e-12);
  tree.check_conservation();
}
