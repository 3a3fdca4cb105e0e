// Eviction policies: each one's order on hand-made access sequences, ARC and S3-FIFO against
// small reference implementations written here, TTL expiry, the radix-tree prefix index, and
// block conservation of the pool under every policy.
#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <list>
#include <map>
#include <set>

#include "core/error.h"
#include "core/rng.h"
#include "kv/block_pool.h"
#include "kv/eviction_registry.h"
#include "kv/kv_cache_manager.h"
#include "kv/policies/arc_policy.h"
#include "kv/policies/s3fifo_policy.h"
#include "test_kv_util.h"

using namespace kvsim;
using namespace kvsim::testing;

namespace {

struct Recorder final : EvictionListener {
  std::vector<uint64_t> evicted;
  void on_block_evicted(BlockHash hash, uint32_t, uint64_t) override { evicted.push_back(hash); }
};

// Drives a pool as a plain cache of single-block objects: every access looks the key up, and
// either takes the block (a hit) or allocates one and caches the key in it (a miss); the block
// is released right away, so every block is free between accesses.
class CacheDriver {
 public:
  CacheDriver(uint32_t blocks, const std::string& policy, const nlohmann::json& params = nullptr)
      : pool_(blocks, make_eviction_policy(policy, params)) {
    pool_.set_eviction_listener(&recorder_);
  }
  bool access(uint64_t key, uint32_t position = 0) {
    ++now_;
    const BlockId b = pool_.lookup(key);
    if (b != kNoBlock) {
      pool_.touch(b, now_);
      pool_.release(b, position, now_);
      return true;
    }
    tmp_.clear();
    pool_.allocate(1, tmp_, now_);
    pool_.cache(tmp_[0], key);
    pool_.release(tmp_[0], position, now_);
    return false;
  }
  void access_all(std::initializer_list<uint64_t> keys) {
    for (uint64_t k : keys) access(k);
  }
  bool cached(uint64_t key) const { return pool_.lookup(key) != kNoBlock; }
  const std::vector<uint64_t>& evicted() const { return recorder_.evicted; }
  BlockPool& pool() { return pool_; }

 private:
  BlockPool pool_;
  Recorder recorder_;
  std::vector<BlockId> tmp_;
  uint64_t now_ = 0;
};

// ARC as arc_policy.h states it, on std::list: the victim is chosen before the missing key is
// known (REPLACE without the "x in B2" tie rule), p adapts when the key is inserted.
class ReferenceArc {
 public:
  explicit ReferenceArc(size_t c) : c_(c) {}
  // Returns {hit, evicted key or 0}.
  std::pair<bool, uint64_t> access(uint64_t x) {
    if (erase(t1_, x) || erase(t2_, x)) {
      t2_.push_back(x);
      return {true, 0};
    }
    uint64_t victim = 0;
    if (t1_.size() + t2_.size() == c_) {
      const bool from_t1 = !t1_.empty() && (static_cast<double>(t1_.size()) > p_ || t2_.empty());
      auto& from = from_t1 ? t1_ : t2_;
      victim = from.front();
      from.pop_front();
      (from_t1 ? b1_ : b2_).push_back(victim);
      while (t1_.size() + b1_.size() > c_ && !b1_.empty()) b1_.pop_front();
      while (t1_.size() + t2_.size() + b1_.size() + b2_.size() > 2 * c_ && !b2_.empty()) b2_.pop_front();
    }
    const double nb1 = static_cast<double>(b1_.size()), nb2 = static_cast<double>(b2_.size());
    if (erase(b1_, x)) {
      p_ = std::min<double>(static_cast<double>(c_), p_ + std::max(1.0, nb2 / nb1));
      t2_.push_back(x);
    } else if (erase(b2_, x)) {
      p_ = std::max(0.0, p_ - std::max(1.0, nb1 / nb2));
      t2_.push_back(x);
    } else {
      if (t1_.size() + b1_.size() >= c_) {
        if (!b1_.empty()) b1_.pop_front();
      } else if (t1_.size() + t2_.size() + b1_.size() + b2_.size() >= 2 * c_ && !b2_.empty()) {
        b2_.pop_front();
      }
      t1_.push_back(x);
    }
    return {false, victim};
  }
  double p() const { return p_; }

 private:
  static bool erase(std::list<uint64_t>& l, uint64_t x) {
    auto it = std::find(l.begin(), l.end(), x);
    if (it == l.end()) return false;
    l.erase(it);
    return true;
  }
  size_t c_;
  double p_ = 0;
  std::list<uint64_t> t1_, t2_, b1_, b2_;  // front = least recent
};

// S3-FIFO as s3fifo_policy.h states it, on std::deque.
class ReferenceS3Fifo {
 public:
  explicit ReferenceS3Fifo(size_t c)
      : c_(c), small_target_(static_cast<size_t>(std::ceil(0.1 * c))), ghost_cap_(static_cast<size_t>(0.9 * c)) {}
  std::pair<bool, uint64_t> access(uint64_t x) {
    if (freq_.count(x)) {
      freq_[x] = std::min(freq_[x] + 1, 3);
      return {true, 0};
    }
    uint64_t victim = 0;
    if (freq_.size() == c_) victim = evict();
    freq_[x] = 0;
    auto g = std::find(ghost_.begin(), ghost_.end(), x);
    if (g != ghost_.end()) {
      ghost_.erase(g);
      main_.push_back(x);
    } else {
      small_.push_back(x);
    }
    return {false, victim};
  }

 private:
  uint64_t evict() {
    for (;;) {
      if (!small_.empty() && (small_.size() >= small_target_ || main_.empty())) {
        const uint64_t t = small_.front();
        small_.pop_front();
        if (freq_[t] >= 1) {
          freq_[t] = 0;
          main_.push_back(t);
          continue;
        }
        freq_.erase(t);
        ghost_.push_back(t);
        while (ghost_.size() > ghost_cap_) ghost_.pop_front();
        return t;
      }
      const uint64_t t = main_.front();
      main_.pop_front();
      if (freq_[t] > 0) {
        --freq_[t];
        main_.push_back(t);
        continue;
      }
      freq_.erase(t);
      return t;
    }
  }
  size_t c_, small_target_, ghost_cap_;
  std::deque<uint64_t> small_, main_, ghost_;
  std::map<uint64_t, int> freq_;
};

// A skewed access sequence: a few hot keys, a long tail, and occasional scans.
std::vector<uint64_t> skewed_sequence(uint64_t seed, size_t n, uint64_t universe) {
  Rng rng(seed);
  std::vector<uint64_t> seq;
  while (seq.size() < n) {
    const double u = rng.uniform();
    if (u < 0.05) {
      const uint64_t start = 1000 + rng.uniform_int(0, 500);
      for (uint64_t k = 0; k < 12 && seq.size() < n; ++k) seq.push_back(start + k);  // a scan
    } else if (u < 0.6) {
      seq.push_back(1 + rng.uniform_int(0, 7));  // hot
    } else {
      seq.push_back(1 + rng.uniform_int(0, universe - 1));
    }
  }
  return seq;
}

}  // namespace

TEST_CASE("the registry builds every named policy and rejects unknown names and params") {
  for (const auto& name : eviction_policy_names()) {
    const auto policy = make_eviction_policy(name, nullptr);
    if (name == "lru") REQUIRE(policy == nullptr);  // the pool's built-in free queue
    else REQUIRE(policy->name() == name);
  }
  REQUIRE_THROWS_WITH(make_eviction_policy("mru", nullptr), Catch::Contains("unknown eviction policy \"mru\""));
  REQUIRE_THROWS_WITH(make_eviction_policy("slru", {{"protected_fraction", 1.5}}),
                      Catch::Contains("/kv_cache/eviction_params/protected_fraction"));
  REQUIRE_THROWS_WITH(make_eviction_policy("s3fifo", {{"smal_fraction", 0.2}}),
                      Catch::Contains("/kv_cache/eviction_params/smal_fraction"));
  REQUIRE_THROWS_AS(make_eviction_policy("lru", {{"anything", 1}}), InputError);
}

TEST_CASE("lru evicts the least recently released block; a hit refreshes it") {
  CacheDriver d(3, "lru");
  d.access_all({1, 2, 3, 1, 4});
  REQUIRE(d.evicted() == std::vector<uint64_t>{2});
  d.access_all({5});
  REQUIRE(d.evicted() == std::vector<uint64_t>{2, 3});
}

TEST_CASE("fifo evicts in insertion order whatever the hits") {
  CacheDriver d(3, "fifo");
  d.access_all({1, 2, 3, 1, 1, 4, 5});
  REQUIRE(d.evicted() == std::vector<uint64_t>{1, 2});
  REQUIRE(d.cached(3));
}

TEST_CASE("lfu evicts the least frequently used block, the least recent among equals") {
  CacheDriver d(3, "lfu");
  d.access_all({1, 2, 3, 1, 1, 2});  // counts 1:3, 2:2, 3:1
  d.access(4);
  REQUIRE(d.evicted() == std::vector<uint64_t>{3});
  d.access(5);  // 4 has one access and is the only one with one
  REQUIRE(d.evicted() == std::vector<uint64_t>{3, 4});
  d.access_all({5, 5, 5, 6});  // 5 now counts 4; 2 is the least frequent
  REQUIRE(d.evicted().back() == 2);
}

TEST_CASE("slru protects blocks hit once and demotes the protected overflow to probation") {
  CacheDriver d(4, "slru", {{"protected_fraction", 0.5}});  // protected segment: 2 blocks
  d.access_all({1, 2, 3, 4, 1, 2});                         // 1 and 2 protected
  d.access(5);  // probation holds 3, 4 (oldest first): 3 goes
  REQUIRE(d.evicted() == std::vector<uint64_t>{3});
  d.access(4);  // 4 promoted: protected is 1, 2, 4 > 2, so 1 is demoted to probation
  d.access(6);  // probation: 5, then 1
  d.access(7);
  REQUIRE(d.evicted() == std::vector<uint64_t>{3, 5, 1});
  REQUIRE(d.cached(2));
  REQUIRE(d.cached(4));
}

TEST_CASE("arc keeps a frequently used set through a one-time scan") {
  CacheDriver arc(8, "arc"), lru(8, "lru");
  for (int round = 0; round < 4; ++round)
    for (uint64_t k = 1; k <= 4; ++k) {
      arc.access(k);
      lru.access(k);
    }
  for (uint64_t k = 100; k < 112; ++k) {  // a scan longer than the cache
    arc.access(k);
    lru.access(k);
  }
  for (uint64_t k = 1; k <= 4; ++k) {
    REQUIRE(arc.cached(k));
    REQUIRE_FALSE(lru.cached(k));
  }
}

TEST_CASE("arc grows its recency target on a B1 ghost hit and shrinks it on a B2 ghost hit") {
  CacheDriver d(4, "arc");
  auto& arc = dynamic_cast<ArcPolicy&>(d.pool().policy());
  d.access_all({1, 1, 2, 3, 4, 5});  // T2 = {1}; 2 leaves T1 for B1 to make room for 5
  REQUIRE(arc.b1_size() == 1);
  REQUIRE(arc.target_t1() == 0);
  d.access(2);  // a B1 ghost hit: recency deserved more room
  REQUIRE(arc.target_t1() == 1);
  REQUIRE(arc.t2_size() == 2);
  d.access_all({6, 7, 6, 7});  // T1 churns, then 6 and 7 are hit into T2 = {1, 2, 6, 7}
  REQUIRE(arc.t1_size() == 0);
  d.access(8);  // T1 is empty: T2's least recent, 1, goes to B2
  REQUIRE(d.evicted().back() == 1);
  d.access(1);  // a B2 ghost hit: frequency deserved more room
  REQUIRE(arc.target_t1() == 0);
  REQUIRE(arc.in_t2(d.pool().lookup(1)));
}

TEST_CASE("arc matches a list-based reference implementation on skewed sequences") {
  for (uint32_t c : {4u, 10u, 37u}) {
    CacheDriver d(c, "arc");
    ReferenceArc ref(c);
    size_t evictions = 0;
    for (uint64_t key : skewed_sequence(c, 4000, 3 * c)) {
      const auto [hit, victim] = ref.access(key);
      REQUIRE(d.access(key) == hit);
      if (victim != 0) {
        REQUIRE(d.evicted().size() == ++evictions);
        REQUIRE(d.evicted().back() == victim);
      }
    }
    REQUIRE(dynamic_cast<ArcPolicy&>(d.pool().policy()).target_t1() == Approx(ref.p()));
    REQUIRE(evictions > 100);
  }
}

TEST_CASE("s3fifo evicts one-hit blocks from the small queue and readmits ghosts to main") {
  CacheDriver d(10, "s3fifo");  // small target 1 block, ghost 9 entries
  auto& s3 = dynamic_cast<S3FifoPolicy&>(d.pool().policy());
  d.access_all({1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  d.access_all({1, 2});  // hits while in the small queue
  d.access(11);          // 1 and 2 move to main, 3 (never hit) is evicted into the ghost queue
  REQUIRE(d.evicted() == std::vector<uint64_t>{3});
  REQUIRE(s3.ghost_size() == 1);
  d.access(3);  // a ghost hit: 3 enters main directly
  const BlockId b3 = d.pool().lookup(3);
  REQUIRE(s3.in_main(b3));
  REQUIRE(s3.in_main(d.pool().lookup(1)));
}

TEST_CASE("s3fifo matches a deque-based reference implementation on skewed sequences") {
  for (uint32_t c : {10u, 20u, 64u}) {
    CacheDriver d(c, "s3fifo");
    ReferenceS3Fifo ref(c);
    size_t evictions = 0;
    for (uint64_t key : skewed_sequence(100 + c, 5000, 3 * c)) {
      const auto [hit, victim] = ref.access(key);
      REQUIRE(d.access(key) == hit);
      if (victim != 0) {
        REQUIRE(d.evicted().size() == ++evictions);
        REQUIRE(d.evicted().back() == victim);
      }
    }
    REQUIRE(evictions > 100);
  }
}

TEST_CASE("gdsf keeps the blocks that are dearer to recompute and ages them out by inflation") {
  CacheDriver d(2, "gdsf", {{"block_cost_s", 1.0}, {"position_cost_s", 1.0}});
  d.access(1, 0);  // cost 1
  d.access(2, 5);  // cost 6
  d.access(3, 0);  // evicts 1 (H 1 < 6); inflation becomes 1
  REQUIRE(d.evicted() == std::vector<uint64_t>{1});
  // Cheap blocks keep replacing each other while the inflation clock rises by 1 each time...
  for (uint64_t k = 4; k <= 8; ++k) d.access(k, 0);
  REQUIRE(d.cached(2) == false);  // ...until it passes 6 and the dear block ages out
  REQUIRE(std::find(d.evicted().begin(), d.evicted().end(), 2) != d.evicted().end());
  const auto pos2 = std::find(d.evicted().begin(), d.evicted().end(), 2) - d.evicted().begin();
  REQUIRE(pos2 == 5);  // 1, 3, 4, 5, 6 went first (inflation 1..5); 2 and 7 tie at H = 6: the older goes
}

TEST_CASE("gdsf values a block by the suffix it unlocks: a parent outlives its children") {
  BlockPool pool(4, make_eviction_policy("gdsf", {{"block_cost_s", 1.0}, {"position_cost_s", 1.0}}));
  Recorder rec;
  pool.set_eviction_listener(&rec);
  std::vector<BlockId> seq, single;
  pool.allocate(3, seq, 0);
  for (uint32_t k = 0; k < 3; ++k) pool.cache(seq[k], 10 + k, k ? 10 + k - 1 : 0);
  for (uint32_t k = 3; k-- > 0;) pool.release(seq[k], k, 1);  // tail first, as a request is freed
  pool.allocate(1, single, 2);
  pool.cache(single[0], 99);
  pool.release(single[0], 0, 2);  // alone: worth its own cost, 1
  std::vector<BlockId> tmp;
  pool.allocate(4, tmp, 3);
  // Suffix costs: position 2 -> 3, position 1 -> 2 + 3, position 0 -> 1 + 5; the lone block 1.
  REQUIRE(rec.evicted == std::vector<uint64_t>{99, 12, 11, 10});
}

TEST_CASE("a ttl drops cached KV left free too long, and its block is reused first") {
  BlockPool pool(3, make_eviction_policy("lru", nullptr));
  pool.set_ttl(10);
  std::vector<BlockId> got;
  pool.allocate(2, got, 0);
  pool.cache(got[0], 101);
  pool.cache(got[1], 102);
  pool.release(got[0], 0, 0);  // expires at 10
  pool.release(got[1], 0, 5);  // expires at 15
  pool.expire(9);
  REQUIRE(pool.lookup(101) == got[0]);
  pool.expire(10);
  REQUIRE(pool.lookup(101) == kNoBlock);
  REQUIRE(pool.lookup(102) == got[1]);
  REQUIRE(pool.num_free_blocks() == 3);
  REQUIRE(pool.num_cached_free_blocks() == 1);
  REQUIRE(pool.stats().expirations == 1);
  std::vector<BlockId> next;
  pool.allocate(1, next, 11);
  REQUIRE(next[0] == got[0]);  // the expired block before the never-used one
  // A hit before the deadline restarts the clock at the next release.
  pool.touch(got[1], 12);
  pool.release(got[1], 0, 12);
  pool.expire(20);
  REQUIRE(pool.lookup(102) == got[1]);
  pool.expire(22);
  REQUIRE(pool.lookup(102) == kNoBlock);
}

TEST_CASE("the radix tree evicts leaves only, where chained hashes may evict a parent first") {
  for (const bool radix : {false, true}) {
    BlockPool pool(2, make_eviction_policy("fifo", nullptr));
    if (radix) pool.enable_radix_tree();
    std::vector<BlockId> a, b;
    pool.allocate(1, a, 0);  // request A computes block h1
    pool.cache(a[0], 11);
    pool.release(a[0], 0, 1);
    pool.touch(pool.lookup(11), 2);  // request B hits h1 and computes h2 under it
    pool.allocate(1, b, 2);
    pool.cache(b[0], 22, 11);
    pool.release(b[0], 1, 3);
    pool.release(a[0], 0, 3);
    std::vector<BlockId> c;
    pool.allocate(1, c, 4);
    if (radix) {
      REQUIRE(c[0] == b[0]);  // the leaf goes; the parent stays reachable
      REQUIRE(pool.lookup(11) == a[0]);
      std::vector<BlockId> d;
      pool.allocate(1, d, 5);  // now h1 is a leaf and evictable
      REQUIRE(d[0] == a[0]);
    } else {
      REQUIRE(c[0] == a[0]);  // FIFO: h1 was cached first; h2 is left unreachable
      REQUIRE(pool.lookup(22) == b[0]);
    }
  }
}

TEST_CASE("the radix tree evicts a pinned inner node when no leaf is free") {
  BlockPool pool(3, make_eviction_policy("lru", nullptr));
  pool.enable_radix_tree();
  std::vector<BlockId> x, y;
  pool.allocate(1, x, 0);
  pool.allocate(2, y, 0);
  pool.cache(x[0], 11);        // X computed h1
  pool.cache(y[0], 11);        // Y computed h1 too: a duplicate, stays uncached
  pool.cache(y[1], 22, 11);    // Y's h2 hangs under X's h1
  pool.release(x[0], 0, 1);    // X finishes: h1 is free but has a cached child in use
  REQUIRE(pool.num_free_blocks() == 1);
  std::vector<BlockId> z;
  pool.allocate(1, z, 2);
  REQUIRE(z[0] == x[0]);
  REQUIRE(pool.lookup(11) == kNoBlock);
  pool.release(y[1], 1, 3);  // the orphaned child is a plain leaf now
  pool.release(y[0], 0, 3);
  pool.release(z[0], 0, 3);
  REQUIRE(pool.num_free_blocks() == 3);
}

TEST_CASE("every policy conserves blocks under random shared-prefix traffic, with and without ttl and radix") {
  for (const auto& name : eviction_policy_names()) {
    for (int variant = 0; variant < 3; ++variant) {
      PagedKvCacheManager kv(96, 16, true, make_eviction_policy(name, nullptr));
      BlockPool& pool = kv.pool();
      if (variant == 1) pool.set_ttl(40);
      if (variant == 2) pool.enable_radix_tree();
      Rng rng(7);
      std::deque<Request> live;
      uint64_t id = 0;
      for (int step = 0; step < 3000; ++step) {
        const SimTime now = step;
        pool.expire(static_cast<uint64_t>(now));
        if (rng.uniform() < 0.55 || live.empty()) {
          Request r;
          r.spec.id = ++id;
          r.spec.prompt_tokens = 16 + static_cast<uint32_t>(rng.uniform_int(0, 200));
          r.spec.output_tokens = 4;
          r.spec.content.shared_stream = 500 + rng.uniform_int(0, 3);
          r.spec.content.shared_end = static_cast<uint32_t>(rng.uniform_int(0, 160));
          r.spec.content.own_stream = rng.uniform() < 0.3 ? 77 : 1000 + id;
          if (admit(kv, r, now)) {
            r.num_computed_tokens = r.num_tokens();
            on_computed(kv, r);
            live.push_back(std::move(r));
          }
        } else {
          const size_t k = rng.uniform_int(0, live.size() - 1);
          release(kv, live[k], now);
          live.erase(live.begin() + static_cast<long>(k));
        }
        uint32_t held = 0;
        std::set<BlockId> distinct;
        for (const Request& r : live)
          for (BlockId b : r.kv.blocks) distinct.insert(b);
        uint64_t refs = 0, table_blocks = 0;
        for (BlockId b = 0; b < pool.num_blocks(); ++b) {
          held += pool.ref_count(b) > 0;
          refs += pool.ref_count(b);
        }
        for (const Request& r : live) table_blocks += r.kv.blocks.size();
        REQUIRE(held == distinct.size());
        REQUIRE(pool.total_ref_count() == refs);
        REQUIRE(refs == table_blocks);
        REQUIRE(held + pool.num_free_blocks() == pool.num_blocks());
      }
      for (Request& r : live) release(kv, r, 5000);
      INFO(name << " variant " << variant);
      REQUIRE(pool.num_free_blocks() == pool.num_blocks());
      for (BlockId b = 0; b < pool.num_blocks(); ++b) REQUIRE(pool.ref_count(b) == 0);
      // Every free block can be handed out again exactly once.
      std::vector<BlockId> all;
      pool.allocate(pool.num_blocks(), all, 6000);
      std::sort(all.begin(), all.end());
      REQUIRE(std::adjacent_find(all.begin(), all.end()) == all.end());
      REQUIRE(kv.prefix_stats().hit_blocks > 0);
    }
  }
}
