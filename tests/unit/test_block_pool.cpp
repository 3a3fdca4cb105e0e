#include <catch2/catch.hpp>

#include "kv/block_pool.h"
#include "kv/eviction_registry.h"
#include "kv/flat_hash_map.h"
#include "kv/kv_cache_manager.h"
#include "core/rng.h"
#include "workload/stream_ids.h"
#include "test_kv_util.h"

#include <list>
#include <map>

using namespace kvsim;
using namespace kvsim::testing;

namespace {

// The pool's built-in LRU free queue.
std::unique_ptr<EvictionPolicy> lru() { return nullptr; }

// A request whose prompt is `tokens` tokens of stream `stream`, with `shared` leading tokens
// from stream 1000 (a system prompt).
Request make_request(uint64_t id, uint32_t prompt, uint32_t output, uint64_t stream, uint32_t shared = 0) {
  Request r;
  r.spec.id = id;
  r.spec.prompt_tokens = prompt;
  r.spec.output_tokens = output;
  r.spec.content.own_stream = stream;
  r.spec.content.shared_stream = 1000;
  r.spec.content.shared_end = shared;
  return r;
}

void compute_prompt(PagedKvCacheManager& kv, Request& r) {
  r.num_computed_tokens = r.num_tokens();
  on_computed(kv, r);
}

}  // namespace

TEST_CASE("the flat hash map agrees with std::map under random inserts and erases") {
  FlatHashMap m(4);
  std::map<uint64_t, uint32_t> ref;
  Rng rng(3);
  for (int i = 0; i < 200000; ++i) {
    const uint64_t key = 1 + rng.uniform_int(0, 5000);
    if (rng.uniform() < 0.5) {
      m.insert(key, static_cast<uint32_t>(i));
      ref[key] = static_cast<uint32_t>(i);
    } else {
      REQUIRE(m.erase(key) == (ref.erase(key) == 1));
    }
    if (i % 997 == 0) {
      for (uint64_t k = 1; k <= 5001; k += 37) {
        auto it = ref.find(k);
        REQUIRE(m.find(k) == (it == ref.end() ? FlatHashMap::kMissing : it->second));
      }
    }
  }
  REQUIRE(m.size() == ref.size());
}

TEST_CASE("a fresh pool hands out blocks in id order and counts them free") {
  BlockPool pool(8, lru());
  REQUIRE(pool.num_free_blocks() == 8);
  std::vector<BlockId> got;
  pool.allocate(3, got, 0);
  REQUIRE(got == std::vector<BlockId>{0, 1, 2});
  REQUIRE(pool.num_free_blocks() == 5);
  for (BlockId b : got) REQUIRE(pool.ref_count(b) == 1);
}

TEST_CASE("freed blocks join the tail of the free queue, which is the LRU eviction order") {
  BlockPool pool(4, lru());
  std::vector<BlockId> a, b;
  pool.allocate(2, a, 0);  // 0,1
  pool.allocate(2, b, 0);  // 2,3
  pool.cache(a[0], 11);
  pool.cache(b[0], 22);
  pool.release(b[0], 0, 1);  // freed first: evicted first
  pool.release(a[0], 0, 2);
  std::vector<BlockId> again;
  pool.allocate(1, again, 3);
  REQUIRE(again[0] == b[0]);
  REQUIRE(pool.lookup(22) == kNoBlock);  // its KV was evicted
  REQUIRE(pool.lookup(11) == a[0]);      // still cached
  REQUIRE(pool.stats().evictions == 1);
}

TEST_CASE("a prefix hit takes a free cached block back out of the free queue") {
  BlockPool pool(3, lru());
  std::vector<BlockId> a;
  pool.allocate(1, a, 0);
  pool.cache(a[0], 5);
  pool.release(a[0], 0, 0);
  REQUIRE(pool.num_cached_free_blocks() == 1);
  pool.touch(pool.lookup(5), 1);
  REQUIRE(pool.ref_count(a[0]) == 1);
  REQUIRE(pool.num_free_blocks() == 2);
  REQUIRE(pool.num_cached_free_blocks() == 0);
  std::vector<BlockId> rest;
  pool.allocate(2, rest, 2);
  REQUIRE(std::find(rest.begin(), rest.end(), a[0]) == rest.end());
}

TEST_CASE("reference counts: a block shared by two requests is free only after both release it") {
  PagedKvCacheManager kv(64, 16, true, lru());
  Request a = make_request(1, 64, 4, 77, 64), b = make_request(2, 80, 4, 78, 64);
  REQUIRE(admit(kv, a));
  compute_prompt(kv, a);
  REQUIRE(admit(kv, b));
  REQUIRE(b.num_computed_tokens == 64);  // the 4 blocks of the shared 64 tokens
  for (int i = 0; i < 4; ++i) REQUIRE(kv.pool().ref_count(b.kv.blocks[i]) == 2);
  release(kv, a, 0);
  for (int i = 0; i < 4; ++i) REQUIRE(kv.pool().ref_count(b.kv.blocks[i]) == 1);
  release(kv, b, 0);
  REQUIRE(kv.pool().num_free_blocks() == 64);
}

TEST_CASE("prefix caching hits whole blocks of a shared system prompt and nothing after it") {
  PagedKvCacheManager kv(256, 16, true, lru());
  Request a = make_request(1, 600, 10, 101, 512), b = make_request(2, 700, 10, 102, 512);
  REQUIRE(admit(kv, a));
  compute_prompt(kv, a);
  PrefixHit hit;
  REQUIRE(lookup(kv, b, 0, hit) == 512);
  REQUIRE(allocate(kv, b, b.num_tokens() - 512, 0, &hit));
  REQUIRE(b.num_cached_tokens == 512);
  REQUIRE(kv.prefix_stats().hit_blocks == 32);
  REQUIRE(kv.prefix_stats().query_blocks == (599 / 16) + (699 / 16));
  release(kv, a, 0);
  release(kv, b, 0);
  REQUIRE(kv.pool().num_free_blocks() == 256);
}

TEST_CASE("without prefix caching nothing is shared") {
  PagedKvCacheManager kv(256, 16, false, lru());
  Request a = make_request(1, 600, 10, 101, 512), b = make_request(2, 700, 10, 102, 512);
  REQUIRE(admit(kv, a));
  compute_prompt(kv, a);
  REQUIRE(cached_tokens(kv, b, 0) == 0);
  release(kv, a, 0);
  REQUIRE(kv.pool().num_free_blocks() == 256);
}

TEST_CASE("a request's tail blocks are evicted before its head blocks") {
  PagedKvCacheManager kv(8, 16, true, lru());
  Request a = make_request(1, 64, 1, 5);
  REQUIRE(admit(kv, a));
  compute_prompt(kv, a);
  const std::vector<BlockId> a_blocks = a.kv.blocks;
  std::vector<BlockHash> a_hashes;
  for (BlockId b : a_blocks) a_hashes.push_back(kv.pool().hash_of(b));
  release(kv, a, 0);
  // 4 never-used blocks are first in the queue, then a's blocks from tail to head.
  Request big = make_request(2, 16 * 6, 1, 6);
  REQUIRE(admit(kv, big));
  // 6 blocks taken: 4 fresh + a's last two blocks (tail first).
  REQUIRE(kv.pool().lookup(a_hashes[0]) == a_blocks[0]);
  REQUIRE(kv.pool().lookup(a_hashes[1]) == a_blocks[1]);
  REQUIRE(kv.pool().lookup(a_hashes[2]) == kNoBlock);  // evicted, now holding big's KV
  REQUIRE(kv.pool().lookup(a_hashes[3]) == kNoBlock);
  release(kv, big, 0);
  REQUIRE(kv.pool().num_free_blocks() == 8);
}

TEST_CASE("allocation fails without side effects when blocks run out") {
  PagedKvCacheManager kv(4, 16, true, lru());
  Request a = make_request(1, 48, 1, 5), b = make_request(2, 48, 1, 6);
  REQUIRE(admit(kv, a));
  REQUIRE_FALSE(admit(kv, b));
  REQUIRE(b.kv.blocks.empty());
  REQUIRE(kv.pool().num_free_blocks() == 1);
  release(kv, a, 0);
  REQUIRE(kv.pool().num_free_blocks() == 4);
}

TEST_CASE("Mooncake trace blocks of 512 tokens map onto 16-token engine blocks") {
  auto ids = std::make_shared<std::vector<uint64_t>>(std::vector<uint64_t>{7, 8, 9});
  auto other = std::make_shared<std::vector<uint64_t>>(std::vector<uint64_t>{7, 8, 10});
  Request a = make_request(1, 1500, 2, 31), b = make_request(2, 1500, 2, 32);
  a.spec.content.hash_ids = ids;
  a.spec.content.hashed_tokens = 1500;
  b.spec.content.hash_ids = other;
  b.spec.content.hashed_tokens = 1500;
  PagedKvCacheManager kv(512, 16, true, lru());
  REQUIRE(admit(kv, a));
  compute_prompt(kv, a);
  REQUIRE(cached_tokens(kv, b, 0) == 1024);  // two equal trace blocks = 64 engine blocks
  release(kv, a, 0);
}

TEST_CASE("contiguous reservation holds max_model_len per request and coalesces on free") {
  ContiguousKvCacheManager kv(10, 16, 64);  // 4 blocks per request
  Request a = make_request(1, 10, 1, 1), b = make_request(2, 10, 1, 2), c = make_request(3, 10, 1, 3);
  REQUIRE(allocate(kv, a, 10, 0));
  REQUIRE(allocate(kv, b, 10, 0));
  REQUIRE_FALSE(allocate(kv, c, 10, 0));  // 2 blocks left, reservation needs 4
  REQUIRE(a.kv.blocks == std::vector<BlockId>{0, 1, 2, 3});  // the block table is the extent
  REQUIRE(b.kv.blocks == std::vector<BlockId>{4, 5, 6, 7});
  REQUIRE(kv.total_block_refs() == 8);
  REQUIRE(kv.usage().blocks_used == 8);
  release(kv, a, 0);
  REQUIRE(kv.largest_free_extent() == 4);
  release(kv, b, 0);
  REQUIRE(kv.largest_free_extent() == 10);
  REQUIRE_FALSE(kv.can_ever_fit(65));
}

TEST_CASE("the eviction registry knows lru and rejects unknown names") {
  REQUIRE(make_eviction_policy("lru", nullptr) == nullptr);  // the pool's built-in free queue
  REQUIRE_THROWS_WITH(make_eviction_policy("nope", nullptr), Catch::Contains("unknown eviction policy"));
}

TEST_CASE("private blocks of a finished request are never found, a preempted request finds its own again") {
  PagedKvCacheManager kv(64, 16, true, lru());
  Request a = make_request(1, 64, 4, make_stream_id(StreamKind::kUnique, 9, 1));
  REQUIRE(admit(kv, a));
  compute_prompt(kv, a);
  release(kv, a, 0, FreeReason::kPreempted);
  a.num_computed_tokens = 0;  // recompute, as the scheduler does
  REQUIRE(cached_tokens(kv, a, 0) == 48);  // its own prefix, up to the last token

  Request b = make_request(2, 64, 4, make_stream_id(StreamKind::kUnique, 9, 2));
  REQUIRE(admit(kv, b));
  compute_prompt(kv, b);
  Request copy = b;
  copy.kv.blocks.clear();
  copy.num_computed_tokens = 0;
  release(kv, b, 0, FreeReason::kFinished);
  REQUIRE(cached_tokens(kv, copy, 0) == 0);  // nobody else can share private tokens
  REQUIRE(kv.pool().num_cached_free_blocks() == 8);  // still accounted as cached KV
  REQUIRE(kv.pool().num_free_blocks() == 64);
}

TEST_CASE("the LRU free queue keeps exactly the order of a linked list under hits and reuse") {
  // Reference: vLLM's doubly linked free list, modelled with std::list.
  // Also with positions renumbered every 1,000 pushes and the slots kept in an external
  // record array (as BlockPool does): the order must not change.
  const uint64_t renumber_at = GENERATE(uint64_t{UINT32_MAX - 1}, uint64_t{1000});
  LruFreeQueue q(renumber_at);
  const uint32_t n = 64;
  std::vector<uint32_t> records(4 * n, 0xdeadbeef);
  if (renumber_at == 1000) q.bind_slots(records.data() + 3, 4);
  q.reset(n);
  std::list<BlockId> ref;
  std::vector<bool> is_free(n, false);
  Rng rng(5);
  for (BlockId b = 0; b < n; ++b) {
    q.push_free(b, BlockInfo{});
    ref.push_back(b);
    is_free[b] = true;
  }
  for (int step = 0; step < 200000; ++step) {
    const double u = rng.uniform();
    if (u < 0.4 && !ref.empty()) {
      REQUIRE(q.pop_victim(0) == ref.front());
      is_free[ref.front()] = false;
      ref.pop_front();
    } else if (u < 0.6) {
      const BlockId b = static_cast<BlockId>(rng.uniform_int(0, n - 1));
      if (is_free[b]) {  // a prefix hit takes it out of the middle
        q.remove_free(b);
        ref.remove(b);
        is_free[b] = false;
      }
    } else {
      const BlockId b = static_cast<BlockId>(rng.uniform_int(0, n - 1));
      if (!is_free[b]) {
        q.push_free(b, BlockInfo{});
        ref.push_back(b);
        is_free[b] = true;
      }
    }
    REQUIRE(q.num_free() == ref.size());
  }
  REQUIRE(q.order() == std::vector<BlockId>(ref.begin(), ref.end()));
  if (renumber_at == 1000)  // the other words of the records were left alone
    for (uint32_t b = 0; b < n; ++b) REQUIRE(records[4 * b] == 0xdeadbeef);
}

TEST_CASE("private blocks behind a shared prefix: a preempted request finds both parts again") {
  for (const char* policy : {"lru", "arc"}) {  // LRU keeps no private hashes, ARC does
    PagedKvCacheManager kv(64, 16, true, make_eviction_policy(policy, nlohmann::json::object(), false));
    Request a = make_request(1, 96, 4, make_stream_id(StreamKind::kUnique, 9, 1), 32);
    REQUIRE(admit(kv, a));
    compute_prompt(kv, a);
    release(kv, a, 0, FreeReason::kPreempted);
    a.num_computed_tokens = 0;
    INFO(policy);
    REQUIRE(cached_tokens(kv, a, 0) == 80);  // 2 shared + 3 private blocks
    Request other = make_request(2, 96, 4, make_stream_id(StreamKind::kUnique, 9, 2), 32);
    REQUIRE(cached_tokens(kv, other, 0) == 32);  // only the system prompt
  }
}

TEST_CASE("leaving private hashes uncomputed changes nothing the simulation can observe") {
  // Two managers driven identically, one computing every private hash (as policies that read
  // hashes need), one not: same blocks, hits, evictions and cached-free counts throughout.
  PagedKvCacheManager lazy(96, 16, true, lru()), eager(96, 16, true, lru());
  eager.private_tail().keep_hashes();
  REQUIRE_FALSE(lazy.private_tail().hashes_kept());
  struct Pair {
    Request l, e;
  };
  std::vector<std::unique_ptr<Pair>> live;
  Rng rng(11);
  uint64_t next_id = 1, preemptions = 0;
  for (int step = 0; step < 20000; ++step) {
    const double u = rng.uniform();
    if (u < 0.3 && live.size() < 6) {  // a new request, maybe with the system prompt
      const uint32_t prompt = 16 + static_cast<uint32_t>(rng.uniform_int(0, 100));
      const uint32_t shared = rng.uniform() < 0.5 ? std::min<uint32_t>(prompt, 48) : 0;
      auto p = std::make_unique<Pair>();
      p->l = make_request(next_id, prompt, 1 + static_cast<uint32_t>(rng.uniform_int(0, 40)),
                          make_stream_id(StreamKind::kUnique, 3, next_id), shared);
      p->e = p->l;
      ++next_id;
      const bool ok_l = admit(lazy, p->l), ok_e = admit(eager, p->e);
      REQUIRE(ok_l == ok_e);
      if (ok_l) {
        REQUIRE(p->l.kv.blocks == p->e.kv.blocks);
        live.push_back(std::move(p));
      }
    } else if (u < 0.9 && !live.empty()) {  // a step of one request: finish its prompt or decode
      const size_t i = static_cast<size_t>(rng.uniform_int(0, live.size() - 1));
      Pair& p = *live[i];
      if (p.l.num_computed_tokens < p.l.num_tokens()) {
        p.l.num_computed_tokens = p.e.num_computed_tokens = p.l.num_tokens();
      } else {
        const bool ok_l = allocate(lazy, p.l, 1, 0), ok_e = allocate(eager, p.e, 1, 0);
        REQUIRE(ok_l == ok_e);
        if (ok_l) {
          ++p.l.num_output_tokens;
          ++p.e.num_output_tokens;
          p.l.num_computed_tokens = p.e.num_computed_tokens = p.l.num_tokens() - 1;
        }
      }
      REQUIRE(p.l.kv.blocks == p.e.kv.blocks);
      if (p.l.num_output_tokens >= p.l.spec.output_tokens) {
        release(lazy, p.l, 0);
        release(eager, p.e, 0);
        live.erase(live.begin() + static_cast<long>(i));
      }
    } else if (!live.empty()) {  // preempt one (recompute), then readmit it right away if it fits
      const size_t i = static_cast<size_t>(rng.uniform_int(0, live.size() - 1));
      Pair& p = *live[i];
      release(lazy, p.l, 0, FreeReason::kPreempted);
      release(eager, p.e, 0, FreeReason::kPreempted);
      ++preemptions;
      for (Request* r : {&p.l, &p.e}) {
        r->num_computed_tokens = 0;
        ++r->num_preemptions;
        r->status = RequestStatus::kWaiting;
      }
      const bool ok_l = admit(lazy, p.l), ok_e = admit(eager, p.e);
      REQUIRE(ok_l == ok_e);
      REQUIRE(p.l.num_computed_tokens == p.e.num_computed_tokens);
      if (!ok_l) live.erase(live.begin() + static_cast<long>(i));
    }
    REQUIRE(lazy.pool().num_cached_free_blocks() == eager.pool().num_cached_free_blocks());
    REQUIRE(lazy.pool().stats().evictions == eager.pool().stats().evictions);
    REQUIRE(lazy.prefix_stats().hit_blocks == eager.prefix_stats().hit_blocks);
  }
  REQUIRE(preemptions > 1000);
  REQUIRE(lazy.prefix_stats().hit_blocks > 0);
  for (auto& p : live) {
    release(lazy, p->l, 0);
    release(eager, p->e, 0);
  }
  REQUIRE(lazy.pool().num_free_blocks() == 96);
  REQUIRE(eager.pool().num_free_blocks() == 96);
}

TEST_CASE("the inline append rule says yes only when allocate_slots would change nothing") {
  for (const bool caching : {true, false}) {
    PagedKvCacheManager kv(64, 16, caching, lru());
    const KvCacheManager::AppendRule rule = kv.append_rule();
    Request r = make_request(1, 40, 60, make_stream_id(StreamKind::kUnique, 4, 1), 16);
    REQUIRE_FALSE(rule.fits(r.kv, r.num_computed_tokens, 40));  // nothing allocated yet
    REQUIRE(admit(kv, r));
    r.num_computed_tokens = r.num_tokens();
    ++r.num_output_tokens;
    uint32_t yes = 0, no = 0;
    while (r.num_output_tokens < r.spec.output_tokens) {
      const bool fits = rule.fits(r.kv, r.num_computed_tokens, 1);
      const std::vector<BlockId> before = r.kv.blocks;
      const uint32_t hashed = r.kv.num_hashed_blocks;
      const uint64_t inserts = kv.pool().stats().cached_inserts;
      REQUIRE(allocate(kv, r, 1, 0));
      if (fits) {
        REQUIRE(r.kv.blocks == before);
        REQUIRE(r.kv.num_hashed_blocks == hashed);
        REQUIRE(kv.pool().stats().cached_inserts == inserts);
      }
      (fits ? yes : no) += 1;
      ++r.num_computed_tokens;
      ++r.num_output_tokens;
    }
    INFO("caching " << caching);
    REQUIRE(yes > 40);
    REQUIRE(no >= 3);  // new blocks (and, with caching, blocks that fill) go the long way
    release(kv, r, 0);
    REQUIRE(kv.pool().num_free_blocks() == 64);
  }
}

TEST_CASE("the LRU queue plugged in as a policy orders blocks exactly as the pool's built-in queue") {
  // The pool finds no policy by its type: a plugged-in LruFreeQueue goes through the
  // EvictionPolicy interface (and every block record made at once), the built-in one through
  // the pool's fast paths (records made on first use). The order must be the same.
  BlockPool builtin(32), plugged(32, std::make_unique<LruFreeQueue>());
  REQUIRE(builtin.num_materialised_blocks() == 0);
  REQUIRE(plugged.num_materialised_blocks() == 32);
  std::vector<std::vector<BlockId>> held_b, held_p;
  Rng rng(3);
  BlockHash next_hash = 1;
  for (int step = 0; step < 5000; ++step) {
    const double u = rng.uniform();
    if (u < 0.5 && builtin.num_free_blocks() > 0) {
      const uint32_t n = 1 + static_cast<uint32_t>(rng.uniform_int(0, std::min<uint32_t>(3, builtin.num_free_blocks() - 1)));
      std::vector<BlockId> b, p;
      builtin.allocate(n, b, step);
      plugged.allocate(n, p, step);
      REQUIRE(b == p);
      for (BlockId x : b) {  // half of them get cached KV
        if (rng.uniform() < 0.5) continue;
        builtin.cache(x, next_hash);
        plugged.cache(x, next_hash);
        ++next_hash;
      }
      held_b.push_back(b);
      held_p.push_back(p);
    } else if (u < 0.8 && !held_b.empty()) {  // a request frees its blocks, tail first
      const size_t i = static_cast<size_t>(rng.uniform_int(0, held_b.size() - 1));
      for (size_t k = held_b[i].size(); k-- > 0;) {
        builtin.release(held_b[i][k], static_cast<uint32_t>(k), step);
        plugged.release(held_p[i][k], static_cast<uint32_t>(k), step);
      }
      held_b.erase(held_b.begin() + static_cast<long>(i));
      held_p.erase(held_p.begin() + static_cast<long>(i));
    } else if (next_hash > 1) {  // a prefix hit on some cached hash
      const BlockHash h = 1 + static_cast<BlockHash>(rng.uniform_int(0, next_hash - 2));
      const BlockId b = builtin.lookup(h);
      REQUIRE(plugged.lookup(h) == b);
      if (b != kNoBlock) {
        builtin.touch(b, step);
        plugged.touch(b, step);
        held_b.push_back({b});
        held_p.push_back({b});
      }
    }
    REQUIRE(builtin.num_free_blocks() == plugged.num_free_blocks());
    REQUIRE(builtin.num_cached_free_blocks() == plugged.num_cached_free_blocks());
    uint64_t refs = 0;
    for (BlockId b = 0; b < 32; ++b) refs += builtin.ref_count(b);
    REQUIRE(builtin.total_ref_count() == refs);
    REQUIRE(plugged.total_ref_count() == refs);
  }
  REQUIRE(builtin.stats().evictions == plugged.stats().evictions);
  REQUIRE(builtin.stats().evictions > 100);
}
