// What the KV cache keeps per request (vLLM v1 keeps it in the KV manager's req_to_blocks; here
// the request carries it, so that the engine's hot loop finds it in the request's first cache
// line), and what the KV manager reads of a request besides it. kv/ knows no engine type: the
// engine's Request embeds a RequestKvState and hands its token counts over as KvTokens.
#pragma once
#include <cstdint>
#include <vector>

#include "kv/eviction_policy.h"
#include "kv/prefix_hash.h"
#include "workload/request_spec.h"

namespace kvsim {

// Field order matters for speed (see Request): the block table and the counters every step
// reads come first; the 3 bytes of tail padding hold the request's status.
struct RequestKvState {
  // The block table: the blocks holding the request's KV, in sequence order. (The contiguous
  // layout's reservation is the extent blocks.front() .. blocks.front() + blocks.size() - 1.)
  std::vector<BlockId> blocks;
  // The hash of the last hashed block of `blocks` (the next block's hash chains on it).
  BlockHash last_block_hash = 0;
  uint32_t num_hashed_blocks = 0;  // blocks of `blocks` already hashed and cached
  // Swap preemption: blocks of KV the request has in host swap space (0 = none).
  uint32_t swapped_blocks = 0;
  // The private tail (see BlockPool): the first token no other request can share, set at
  // admission, and whether a preemption entered the private blocks in the prefix index (the
  // request then looks its own private blocks up again).
  uint32_t private_from = UINT32_MAX;
  bool private_blocks_indexed = false;

  // Clears the state for a new request, keeping the block table's capacity.
  void reset() {
    std::vector<BlockId> table = std::move(blocks);
    table.clear();
    *this = RequestKvState{};
    blocks = std::move(table);
  }
};

// The "does an append fit" rule, written once: whether `n` more tokens after `computed` ones fit
// in the blocks the request holds, and whether they fill its first unhashed block (which must
// then be hashed and cached).
inline bool append_fits_blocks(const RequestKvState& kv, uint32_t computed, uint32_t n, uint32_t block_size) {
  return computed + n <= static_cast<uint32_t>(kv.blocks.size()) * block_size;
}
inline bool append_fills_block(const RequestKvState& kv, uint32_t tokens, uint32_t block_size) {
  return tokens >= (kv.num_hashed_blocks + 1) * block_size;
}

// What the KV manager reads of a request besides its RequestKvState.
struct KvTokens {
  const RequestSpec& spec;     // prompt length and content (hashing, token budget, tier plans)
  uint32_t num_computed;       // tokens whose KV is in the cache
  uint32_t num_tokens;         // prompt plus the output so far
};

// Why a request gives its blocks back: a preempted request will look its own blocks up again.
enum class FreeReason : uint8_t { kFinished, kPreempted };

}  // namespace kvsim
