// Token-level KV eviction with a budget, as KV compression methods do it: a sequence keeps only
// some of its tokens' KV once its prompt is processed, which frees blocks and shortens the
// context its decode steps attend over. Which tokens survive (and so the answer quality) is
// outside the model; only how many is modelled:
//   window    StreamingLLM (Xiao et al., "Efficient Streaming Language Models with Attention
//             Sinks", ICLR 2024): sink_tokens first tokens + the window_tokens most recent;
//   h2o       H2O (Zhang et al., "H2O: Heavy-Hitter Oracle", NeurIPS 2023): heavy_tokens heavy
//             hitters + recent_tokens recent tokens, a fixed budget;
//   fraction  a fixed share of the tokens (H2O's "20% KV cache budget" experiments), never
//             fewer than min_tokens;
//   snapkv    SnapKV (Li et al., "SnapKV: LLM Knows What You are Looking for Before
//             Generation", 2024): the prompt is compressed once, after prefill, to
//             prompt_budget_tokens; generated tokens are all kept.
// During prefill every prompt token is held (the methods need the full attention once to
// choose what to keep), so the peak memory of a prefill is unchanged.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "core/json_reader.h"

namespace kvsim {

struct TokenBudget {
  enum class Mode : uint8_t { kNone, kWindow, kH2o, kFraction, kSnapKv };
  Mode mode = Mode::kNone;
  uint32_t sink_tokens = 4;        // window
  uint32_t window_tokens = 1024;   // window
  uint32_t heavy_tokens = 512;     // h2o
  uint32_t recent_tokens = 512;    // h2o
  double fraction = 0.2;           // fraction
  uint32_t min_tokens = 0;         // fraction
  uint32_t prompt_budget_tokens = 1024;  // snapkv

  bool active() const { return mode != Mode::kNone; }
  // KV tokens a sequence with `prompt` prompt tokens holds when `tokens` tokens are computed.
  uint32_t held(uint32_t prompt, uint32_t tokens) const {
    if (tokens <= prompt || mode == Mode::kNone) return tokens;  // prefill keeps everything
    switch (mode) {
      case Mode::kWindow: return std::min(tokens, sink_tokens + window_tokens);
      case Mode::kH2o: return std::min(tokens, heavy_tokens + recent_tokens);
      case Mode::kFraction:
        return std::min(tokens, std::max(min_tokens, static_cast<uint32_t>(std::ceil(fraction * tokens))));
      case Mode::kSnapKv: return std::min(prompt, prompt_budget_tokens) + (tokens - prompt);
      case Mode::kNone: break;
    }
    return tokens;
  }
};

// Reads the optional "token_budget" object of the kv_cache section `kv`:
//   {"mode": "none" | "window" | "h2o" | "fraction" | "snapkv", and the mode's fields above}
// Problems go to kv.errors() by JSON pointer.
TokenBudget parse_token_budget(JsonReader& kv);

}  // namespace kvsim
