// A request as the workload describes it: when it arrives, how long its prompt and answer are,
// and which of its tokens it shares with other requests. Token contents are never stored; the
// sharing structure is enough to compute the chained block hashes of prefix caching.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/time.h"

namespace kvsim {

// Where the tokens of a request come from. A "stream" is an endless token sequence named by a
// 64-bit id; token position p of the request is token p of its stream, so two requests that read
// the same stream share every block they both cover (a system prompt, a multi-turn session).
//   positions [0, hashed_tokens)        : trace block ids (Mooncake `hash_ids`), each covering
//                                         `hash_block_tokens` tokens; equal id = same content
//   positions [hashed_tokens, shared_end): stream `shared_stream` (0 = none)
//   positions [shared_end, ...)         : stream `own_stream`, which also generates the answer
// For a multi-turn session own_stream is the session id, so turn n+1 re-reads turn n's prompt
// and answer.
struct PromptContent {
  std::shared_ptr<const std::vector<uint64_t>> hash_ids;  // may be null
  uint32_t hash_block_tokens = 512;
  uint32_t hashed_tokens = 0;  // min(prompt, hash_ids->size() * hash_block_tokens)
  uint64_t shared_stream = 0;
  uint32_t shared_end = 0;
  uint64_t own_stream = 0;
};

struct RequestSpec {
  // (The lengths come first: the engine reads them every step, see Request.)
  uint32_t prompt_tokens = 0;
  uint32_t output_tokens = 0;  // the answer length the request will generate (EOS or its cap)
  int32_t priority = 0;        // lower value = served first under the priority policy (vLLM)
  // The cap the client asked for (vLLM max_tokens) when the answer stops earlier at EOS; 0 = not
  // known, or the same as output_tokens. (It fills the padding before `id`: no size change.)
  uint32_t max_output_tokens = 0;
  uint64_t id = 0;          // dense, 0-based, in arrival order
  SimTime arrival = 0;
  uint64_t session = 0;        // 0 = not part of a session
  PromptContent content;
};
static_assert(offsetof(RequestSpec, id) == 16, "the token counts, priority and cap share 16 bytes");

}  // namespace kvsim
