// Chained block hashes for automatic prefix caching, as vLLM computes them: the hash of block k
// covers the tokens of block k and, through the hash of block k-1, every token before it. Two
// requests share block k's KV exactly when their first (k+1)*block_size tokens are equal.
// Tokens are not stored; PromptContent says which stream each token position comes from.
#pragma once
#include <cstdint>

#include <algorithm>

#include "core/rng.h"
#include "workload/stream_ids.h"
#include "workload/request_spec.h"

namespace kvsim {

using BlockHash = uint64_t;  // never 0 (0 marks "no hash"), top bit always clear

// Identity of the token at `position` of a request: equal for two requests exactly when the
// workload says the token is shared.
inline uint64_t token_source(const PromptContent& c, uint32_t position) {
  if (position < c.hashed_tokens) {
    const uint64_t id = (*c.hash_ids)[position / c.hash_block_tokens];
    return hash_mix(hash_mix(0x7261636521ULL, id), position % c.hash_block_tokens);
  }
  const uint64_t stream = position < c.shared_end ? c.shared_stream : c.own_stream;
  return hash_mix(stream, position);
}

// The hash of the block covering positions [first, first + block_size), chained on `parent`
// (the previous block's hash, 0 for the first block).
inline BlockHash chain_block_hash(BlockHash parent, const PromptContent& c, uint32_t first,
                                  uint32_t block_size) {
  const uint64_t content = hash_mix(token_source(c, first), token_source(c, first + block_size - 1));
  // The top bit is left clear: BlockPool uses it to mark blocks kept out of its index.
  const BlockHash h = hash_mix(parent, content) & ~(uint64_t{1} << 63);
  return h == 0 ? 1 : h;
}

// The first token position no other request can share (UINT32_MAX if all may be shared).
inline uint32_t first_private_token(const PromptContent& c) {
  return stream_kind(c.own_stream) == StreamKind::kUnique ? std::max(c.hashed_tokens, c.shared_end) : UINT32_MAX;
}

}  // namespace kvsim
