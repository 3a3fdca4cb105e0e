// Token-stream ids (see PromptContent). Every id carries its kind in the top two bits and a
// per-kind counter offset by a seeded hash in the other 62, so ids of different kinds can never
// be equal, ids of one kind are distinct for the first 2^62 numbers, and no id is 0 ("none").
#pragma once
#include <cstdint>

#include "core/rng.h"

namespace kvsim {

enum class StreamKind : uint64_t {
  kUnique = 1,        // the private tokens of one request
  kSystemPrompt = 2,  // a system prompt shared by many requests
  // A stream that later requests read again, so never private to one request: every turn of one
  // multi-turn session, or a whole prompt that a benchmark sends again (shared_prefix).
  kSession = 3,
};

// The stream of the n-th item of `kind`; `salt` (the generator's seed, or a constant for traces)
// makes the ids of two workloads differ.
inline uint64_t make_stream_id(StreamKind kind, uint64_t salt, uint64_t n) {
  constexpr uint64_t kLow62 = (uint64_t{1} << 62) - 1;
  const uint64_t tag = static_cast<uint64_t>(kind);
  return (tag << 62) | ((hash_mix(salt, tag) + n) & kLow62);
}

inline StreamKind stream_kind(uint64_t stream) { return static_cast<StreamKind>(stream >> 62); }

// The salt of the streams of requests read from a trace file.
constexpr uint64_t kTraceStreamSalt = 0x7472616365ULL;  // "trace"

}  // namespace kvsim
