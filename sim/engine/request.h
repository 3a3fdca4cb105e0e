// A request inside a replica: the workload's RequestSpec plus the engine's progress on it and
// the KV cache's state for it (kv/request_kv_state.h). Names follow vLLM v1
// (num_computed_tokens, num_tokens, status).
#pragma once
#include <cstdint>
#include <cstddef>
#include <vector>

#include "core/time.h"
#include "kv/request_kv_state.h"
#include "workload/request_spec.h"

namespace kvsim {

// kWaitingForKv: admitted, waiting for its KV to load from a lower tier (vLLM's
// WAITING_FOR_REMOTE_KVS); it holds GPU blocks but is neither waiting nor running.
enum class RequestStatus : uint8_t { kWaiting, kRunning, kPreempted, kFinished, kDropped, kWaitingForKv };

// Field order matters for speed: the fields every step touches (progress, the KV state with the
// block table, status and the spec's token counts right behind them) share the first cache line.
struct alignas(64) Request {
  uint32_t num_computed_tokens = 0;  // tokens whose KV is in the cache (set by the scheduler)
  uint32_t num_output_tokens = 0;    // tokens generated so far
  // (no_unique_address: `status` goes in the KV state's tail padding.)
  [[no_unique_address]] RequestKvState kv;
  RequestStatus status = RequestStatus::kWaiting;
  RequestSpec spec;
  uint32_t replica = 0;
  uint32_t num_cached_tokens = 0;    // prefix-cache hit at the first admission
  uint32_t num_preemptions = 0;
  // Disaggregated serving (docs/fleet.md): on a decode replica, the prompt tokens whose KV a
  // prefill replica computed and the decode replica pulls when it admits the request (0: none).
  uint32_t remote_kv_tokens = 0;
  // Disaggregated serving: the answer's length while a prefill replica runs the request for its
  // first token only (spec.output_tokens is 1 there; restored when the prefill ends).
  uint32_t held_output_tokens = 0;
  SimTime first_scheduled = -1;
  SimTime first_token = -1;
  SimTime finished = -1;

  // Prompt plus the output so far: what the KV must hold before the next token is sampled.
  uint32_t num_tokens() const { return spec.prompt_tokens + num_output_tokens; }
  bool prefill_done() const { return num_computed_tokens >= num_tokens(); }
  // What the KV manager reads of the request.
  KvTokens kv_tokens() const { return {spec, num_computed_tokens, num_tokens()}; }
  // Makes a recycled request a new one for `s`, keeping its block table's capacity.
  void reset(const RequestSpec& s) {
    RequestKvState keep = std::move(kv);
    keep.reset();
    *this = Request{};
    kv = std::move(keep);
    spec = s;
  }
};
static_assert(offsetof(Request, status) < offsetof(Request, spec), "status lives in the KV state's tail padding");
// (The spec's priority, read only under the priority policy, starts the second line.)
static_assert(offsetof(Request, spec) + offsetof(RequestSpec, priority) <= 64,
              "the fields of every step must share the first cache line");

}  // namespace kvsim
