// A request inside a replica: the workload's RequestSpec plus the engine's progress on it.
// Names follow vLLM v1 (num_computed_tokens, num_tokens, status).
#pragma once
#include <cstdint>
#include <cstddef>
#include <vector>

#include "core/time.h"
#include "kv/eviction_policy.h"
#include "kv/prefix_hash.h"
#include "workload/request_spec.h"

namespace kvsim {

// kWaitingForKv: admitted, waiting for its KV to load from a lower tier (vLLM's
// WAITING_FOR_REMOTE_KVS); it holds GPU blocks but is neither waiting nor running.
enum class RequestStatus : uint8_t { kWaiting, kRunning, kPreempted, kFinished, kDropped, kWaitingForKv };

// Field order matters for speed: the fields every step touches (progress, status, the block
// table and the spec's token counts right behind them) share the first cache line.
struct alignas(64) Request {
  uint32_t num_computed_tokens = 0;  // tokens whose KV is in the cache
  uint32_t num_output_tokens = 0;    // tokens generated so far
  uint32_t num_hashed_blocks = 0;    // blocks of `blocks` already hashed and cached
  // Swap preemption: blocks of KV the request has in host swap space (0 = none); its
  // num_computed_tokens are kept while swapped out.
  uint32_t swapped_blocks = 0;
  // Paged KV: the block table.
  std::vector<BlockId> blocks;
  // Paged KV: the first token no other request can share (set by the KV manager at admission).
  uint32_t private_from = UINT32_MAX;
  RequestStatus status = RequestStatus::kWaiting;
  // Paged KV: a preemption entered the request's private blocks in the prefix index.
  bool private_blocks_indexed = false;
  RequestSpec spec;
  uint32_t replica = 0;
  uint32_t num_cached_tokens = 0;    // prefix-cache hit at the first admission
  uint32_t num_preemptions = 0;
  SimTime first_scheduled = -1;
  SimTime first_token = -1;
  SimTime finished = -1;

  // Paged KV: the hash of the last hashed block of `blocks` (chained to the next).
  BlockHash last_block_hash = 0;
  // Contiguous KV: the reserved extent, in blocks.
  uint32_t extent_start = 0;
  uint32_t extent_blocks = 0;

  // Prompt plus the output so far: what the KV must hold before the next token is sampled.
  uint32_t num_tokens() const { return spec.prompt_tokens + num_output_tokens; }
  bool prefill_done() const { return num_computed_tokens >= num_tokens(); }
};
static_assert(offsetof(Request, spec) + offsetof(RequestSpec, priority) < 64,
              "the fields of every step must share the first cache line");

}  // namespace kvsim
