// BlockPool: the GPU KV blocks of one replica, as vLLM v1's block_pool.py. Each block has a
// reference count and, once full, a chained hash under which the prefix cache finds it. Blocks
// with reference count 0 are free, in the order of the pool's built-in free queue (LRU, vLLM's
// free-block queue, eviction_policy.h) or of an EvictionPolicy plugged in at construction (the
// pool calls a plug-in through its interface only). Taking a free block that still holds cached
// KV evicts that KV. The private tail (private_tail.h) is its own helper.
// Options (off by default, costing nothing when off):
//   - a TTL: cached KV left free for ttl since its last release is dropped (expire()), and its
//     block is handed out before any block the policy orders;
//   - the radix-tree prefix index (radix_tree.h): only leaves are evictable;
//   - an eviction listener, told of every evicted hash (KV tiers offload it).
// Under LRU without the radix tree, block records are made on first use: the blocks never used
// yet are the head of the free queue (vLLM's queue starts with every block, in id order), so
// they are handed out first, in id order, without being queued. A pool costs what its replica
// used (a fleet of idle replicas costs little); num_materialised_blocks() counts the records.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include "kv/eviction_policy.h"
#include "kv/flat_hash_map.h"
#include "kv/prefix_hash.h"
#include "kv/radix_tree.h"

namespace kvsim {

struct BlockPoolStats {
  uint64_t evictions = 0;        // cached blocks whose KV was dropped for reuse
  uint64_t cached_inserts = 0;
  uint64_t expirations = 0;      // cached blocks dropped by the TTL
};

// Told when the pool drops cached KV that others could look up, to reuse its block or because
// its TTL passed (not for private blocks, see cache_private).
class EvictionListener {
 public:
  virtual ~EvictionListener() = default;
  virtual void on_block_evicted(BlockHash hash, uint32_t position, uint64_t now_ns) = 0;
  // The TTL dropped `hash`; `expired_at_ns` is its deadline (release + ttl), not when noticed.
  virtual void on_block_expired(BlockHash /*hash*/, uint64_t /*expired_at_ns*/) {}
};

class BlockPool {
 public:
  // `policy` null: the built-in free queue in LRU order (LruFreeQueue, vLLM's); otherwise the
  // policy orders the free blocks (a plug-in: the pool calls it through EvictionPolicy only).
  explicit BlockPool(uint32_t num_blocks, std::unique_ptr<EvictionPolicy> policy = nullptr);

  uint32_t num_blocks() const { return num_blocks_; }
  // Blocks with a record: those used at least once (all of them unless lazy, see above).
  uint32_t num_materialised_blocks() const { return static_cast<uint32_t>(blocks_.size()); }
  uint32_t num_free_blocks() const {
    return policy_->num_free() + num_unused() + static_cast<uint32_t>(expired_.size()) +
           (radix_ ? radix_->num_pinned() : 0);
  }
  // Free blocks that still hold cached KV (reusable by a hit, evictable on demand).
  uint32_t num_cached_free_blocks() const { return cached_free_; }
  uint32_t num_cached_blocks() const { return static_cast<uint32_t>(cached_.size()); }
  double usage() const { return 1.0 - static_cast<double>(num_free_blocks()) / num_blocks(); }

  // The block holding `hash`, or kNoBlock.
  BlockId lookup(BlockHash hash) const { return cached_.find(hash); }
  // Starts loading the index entry of `hash` into cache ahead of a lookup or cache() (a hint).
  void prefetch_lookup(BlockHash hash) const { cached_.prefetch(hash); }
  // Also prefetches the index entries that upcoming evictions erase: pays off when most
  // allocations evict indexed KV (cache replay), costs a little when few do.
  void set_prefetch_evictions(bool on) { prefetch_evictions_ = on; }
  // Takes `n` free blocks (ref count 1), evicting cached content as needed, and appends them to
  // `out`; those landing at index mark_private_from or later of `out` are marked as private KV
  // (kv/private_tail.h). Caller checks num_free_blocks() first.
  void allocate(uint32_t n, std::vector<BlockId>& out, uint64_t now_ns, uint32_t mark_private_from = UINT32_MAX);
  // Adds a reference to a cached block found by lookup (taking it out of the free set if free).
  void touch(BlockId b, uint64_t now_ns);
  // Drops one reference; at zero the block becomes free. `position` is its index in the sequence.
  // `filled` false: the block was never full (holds no reusable KV; drops a private mark).
  void release(BlockId b, uint32_t position, uint64_t now_ns, bool filled = true);
  // Records that the full block `b` holds the KV of `hash`. If another block already holds the
  // same hash (two requests computed the same prefix at once), the first one stays the cached
  // copy and `b` stays uncached, so it is reused first. `parent_hash` is the previous block's
  // hash in the sequence (0 for the first), which places the node in the radix tree.
  void cache(BlockId b, BlockHash hash, BlockHash parent_hash = 0);
  // Drops cached KV left free for ttl_ns (0 = never). Call set_ttl before any release.
  void set_ttl(uint64_t ttl_ns) {
    ttl_ns_ = ttl_ns;
    if (ttl_ns != 0) keep_release_times();
  }
  // Applies the TTL at `now_ns`; a no-op without one.
  void expire(uint64_t now_ns) {
    if (ttl_ns_ != 0 && !expiry_.empty() && expiry_.front().second + ttl_ns_ <= now_ns) expire_slow(now_ns);
  }
  // Switches to the radix-tree prefix index; call before any block is cached.
  void enable_radix_tree();
  bool radix_tree() const { return radix_ != nullptr; }
  void set_eviction_listener(EvictionListener* listener) {
    listener_ = listener;
    if (listener) keep_positions();
  }

  // Starts loading a block's metadata into cache ahead of use (block ids are scattered).
  void prefetch(BlockId b) const {
    __builtin_prefetch(&blocks_[b], 1);
    if (lru_ == nullptr) policy_->prefetch(b);  // (the LRU queue keeps its slot in the record)
  }
  // (Blocks not used yet have no record: free, no KV.)
  uint32_t ref_count(BlockId b) const { return b < blocks_.size() ? blocks_[b].ref_cnt : 0; }
  // The block's hash; 0 when it holds no KV, or when it holds private KV whose hash was not
  // kept (see cache_private).
  BlockHash hash_of(BlockId b) const { return b < blocks_.size() ? blocks_[b].hash & ~kUnindexed : 0; }
  const BlockPoolStats& stats() const { return stats_; }
  EvictionPolicy& policy() { return *policy_; }
  // Sum of every block's reference count (the scheduler's debug checks compare it with the
  // block tables every step): debug builds keep it as blocks are taken and released, release
  // builds (which run the check only in tests) add up the records and pay nothing per block.
  uint64_t total_ref_count() const {
#ifndef NDEBUG
    return refs_;
#else
    uint64_t sum = 0;
    for (const Block& b : blocks_) sum += b.ref_cnt;
    return sum;
#endif
  }

 private:
  // The private tail (kv/private_tail.h, the only caller). A private block holds KV no other
  // request can ever look up: it is accounted as cached, is evicted and reported like any
  // other, but costs no index work. When the policy reads no hashes (private_hashes_needed_
  // false) the hash is not even kept, and the block is marked private when allocated, not when
  // filled: allocate(..., mark_private_from) marks it, release(..., filled = false) unmarks one
  // freed before it was full, and index_private gets the hash, computed on demand.
  friend class PrivateTail;
  // Whether release_exclusive may be used (the built-in LRU order, no radix tree, no TTL).
  bool exclusive_release_ok() const { return lru_ != nullptr && radix_ == nullptr && ttl_ns_ == 0; }
  // Frees block `b` that exactly one request holds and no lookup can find (a private block of
  // a request never preempted, marked at allocation): the record is written, not read (it is
  // cold by the time a request finishes), and the LRU entry carries what the next allocation
  // needs to know. `holds_kv`: the block was filled (counts as cached KV).
  void release_exclusive(BlockId b, bool holds_kv) {
    Block& blk = blocks_[b];
    blk.hash = holds_kv ? kUnindexed : 0;
    blk.ref_cnt = 0;
    count_refs(-1);
    cached_free_ += holds_kv;
    lru_->push_exclusive(b, holds_kv);
  }
  // Records that the full block `b` holds private KV, outside the index.
  void cache_private(BlockId b, BlockHash hash);
  // Whether `b` holds private KV not in the index (a preemption must index it).
  bool is_private(BlockId b) const { return (blocks_[b].hash & kUnindexed) != 0; }
  void index_private(BlockId b, BlockHash hash);
  static constexpr BlockHash kUnindexed = uint64_t{1} << 63;  // flag bit in Block::hash
  // Everything the pool and the LRU queue keep per block, in one record: the metadata of
  // 100,000s of blocks does not fit in cache, and blocks are visited in scattered order.
  struct alignas(16) Block {
    BlockHash hash = 0;      // 0 = no KV; kUnindexed set = private KV kept out of the index
    uint32_t ref_cnt = 0;
    uint32_t policy_slot = UINT32_MAX;  // the LRU queue's slot (unused with other policies)
  };
  static_assert(sizeof(Block) == 16);
  uint32_t num_blocks_;
  std::vector<Block> blocks_;  // the records made so far; ids beyond are free and unused
  uint32_t num_unused() const { return num_blocks_ - static_cast<uint32_t>(blocks_.size()); }
  BlockId take_unused();
  void materialise_all();
  FlatHashMap cached_;
  std::unique_ptr<EvictionPolicy> policy_;
  LruFreeQueue* lru_ = nullptr;  // the built-in queue (policy_ then owns it): calls bypass the vtable
  bool private_hashes_needed_ = true;
  BlockId pop_free(uint64_t now_ns) { return lru_ ? lru_->pop_victim(now_ns) : policy_->pop_victim(now_ns); }
  void push_free(BlockId b, const BlockInfo& info) {
    if (lru_) lru_->push_free(b, info);
    else policy_->push_free(b, info);
  }
  uint32_t cached_free_ = 0;
#ifndef NDEBUG
  uint64_t refs_ = 0;  // total_ref_count()
  void count_refs(int64_t delta) { refs_ += static_cast<uint64_t>(delta); }
#else
  void count_refs(int64_t) {}
#endif
  BlockPoolStats stats_;

  void drop_hash(BlockId b, uint64_t now_ns);
  void expire_slow(uint64_t now_ns);
  void take_free(BlockId b);
  // The points where the TTL and the radix tree hook in (block_pool.cpp's last section); the
  // others are expire() (the TTL, applied at lookups), allocate()'s victim choice (blocks the
  // TTL emptied go first; when every free block is an inner radix node, the oldest of those)
  // and take_free() (a hit on a pinned inner node).
  // A block's last reference went: the TTL starts its clock; the radix tree keeps an inner
  // node out of the policy's order (true: the block is not to be pushed to the policy).
  bool on_freed(BlockId b, bool has_kv, uint64_t now_ns) {
    if (ttl_ns_ != 0 && has_kv) expiry_.emplace_back(b, now_ns);  // the TTL's clock starts
    if (radix_ && has_kv && radix_->children(b) > 0) {  // an inner node: not evictable yet
      radix_->pin(b);
      return true;
    }
    return false;
  }
  // The radix tree links a newly cached block under its parent (pinning a free parent).
  void on_cached(BlockId b, BlockHash parent_hash);
  // The radix tree unlinks a block whose KV was dropped; a parent that became a leaf rejoins
  // the policy's order.
  void on_dropped(BlockId b);
  uint64_t ttl_ns_ = 0;
  std::deque<std::pair<BlockId, uint64_t>> expiry_;  // (block, release time), release order
  std::vector<uint64_t> released_at_;                // last release time (TTL, radix tree)
  std::vector<BlockId> expired_;                     // free blocks whose KV the TTL dropped
  std::unique_ptr<RadixTree> radix_;
  EvictionListener* listener_ = nullptr;
  bool prefetch_evictions_ = false;
  std::vector<uint32_t> position_;  // last release position, for the radix tree and listener
  // The two arrays above are kept (one entry per record) once these are set.
  bool keeps_release_times_ = false, keeps_positions_ = false;
  void keep_release_times() {
    keeps_release_times_ = true;
    released_at_.resize(blocks_.size(), 0);
  }
  void keep_positions() {
    keeps_positions_ = true;
    position_.resize(blocks_.size(), 0);
  }
};

}  // namespace kvsim
