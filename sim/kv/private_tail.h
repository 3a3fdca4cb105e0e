// The private tail of a request: blocks holding tokens of the request's own stream, which no
// other request can share (workload/stream_ids.h). They are cached KV like any other block
// (counted, evicted, reported), but no other lookup can find them, so the paged manager keeps
// them out of the prefix index, and under LRU does not even hash them: it marks them private
// when it allocates them (no second visit to their records), counts them cached once full, and
// frees them without reading their records, unless the request is preempted, when index()
// computes their chain hashes and enters them so that the recompute hits them, as in vLLM.
// This helper is the one place the manager and the pool meet for it.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "kv/block_pool.h"
#include "kv/request_kv_state.h"

namespace kvsim {

class PrivateTail {
 public:
  PrivateTail(BlockPool& pool, uint32_t block_size) : pool_(pool), block_size_(block_size) {}

  // The first block of the table that allocate marks private (UINT32_MAX: none).
  uint32_t first_block(const RequestKvState& kv, bool prefix_caching) const {
    return prefix_caching && !pool_.private_hashes_needed_ ? kv.private_from / block_size_ : UINT32_MAX;
  }
  // Whether block k of the table holds any private token.
  bool holds_private(const RequestKvState& kv, uint32_t k) const { return (k + 1) * block_size_ > kv.private_from; }
  // Hashing block k of `full` full blocks: when it and every later one are private and nothing
  // reads their hashes before a preemption, they only count as cached now (their chain hash,
  // last_block_hash, stops at the last shared block). Returns true when it did that.
  bool skip_hashing(RequestKvState& kv, uint32_t k, uint32_t full) {
    if (!holds_private(kv, k) || pool_.private_hashes_needed_) return false;
    pool_.stats_.cached_inserts += full - k;
    kv.num_hashed_blocks = full;
    return true;
  }
  // Records that block `b` holds private KV whose hash is `hash`, outside the index.
  void cache(BlockId b, BlockHash hash) { pool_.cache_private(b, hash); }
  // The request is preempted: its private blocks enter the index under their chain hashes.
  void index(RequestKvState& kv, const PromptContent& c) {
    kv.private_blocks_indexed = true;
    BlockHash h = 0;
    const uint32_t hashed = std::min<uint32_t>(kv.num_hashed_blocks, static_cast<uint32_t>(kv.blocks.size()));
    for (uint32_t k = 0; k < hashed; ++k) {
      h = chain_block_hash(h, c, k * block_size_, block_size_);
      if (pool_.is_private(kv.blocks[k])) pool_.index_private(kv.blocks[k], h);
    }
  }
  // The first block the request frees as exclusive (BlockPool::release_exclusive), SIZE_MAX:
  // none (it was preempted, hashes are kept, or the pool's order is not the built-in LRU).
  size_t first_exclusive_block(const RequestKvState& kv, bool prefix_caching) const {
    const bool exclusive = prefix_caching && !kv.private_blocks_indexed && !pool_.private_hashes_needed_ &&
                           pool_.exclusive_release_ok();
    return exclusive ? kv.private_from / block_size_ : SIZE_MAX;
  }
  // Frees block `b` of a table from first_exclusive_block on.
  void release(BlockId b, bool holds_kv) { pool_.release_exclusive(b, holds_kv); }
  // Computes and keeps every private hash (tests compare both ways).
  void keep_hashes() { pool_.private_hashes_needed_ = true; }
  bool hashes_kept() const { return pool_.private_hashes_needed_; }

 private:
  BlockPool& pool_;
  uint32_t block_size_;
};

}  // namespace kvsim
