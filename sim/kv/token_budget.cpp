#include "kv/token_budget.h"

namespace kvsim {

namespace {
const std::vector<std::string> kModes = {"none", "window", "h2o", "fraction", "snapkv"};
}

TokenBudget parse_token_budget(JsonReader& kv) {
  TokenBudget b;
  if (!kv.has("token_budget")) {
    kv.raw("token_budget");
    return b;
  }
  JsonReader r = kv.object("token_budget");
  const std::string mode = r.choice("mode", "none", kModes);
  const auto count = [&r](const char* key, uint32_t def) {
    return static_cast<uint32_t>(r.integer(key, def, 0, UINT32_MAX));
  };
  if (mode == "window") {
    b.mode = TokenBudget::Mode::kWindow;
    b.sink_tokens = count("sink_tokens", b.sink_tokens);
    b.window_tokens = count("window_tokens", b.window_tokens);
    if (b.sink_tokens + b.window_tokens == 0) r.errors().add(r.child("window_tokens"), "expected sink_tokens + window_tokens >= 1, found 0");
  } else if (mode == "h2o") {
    b.mode = TokenBudget::Mode::kH2o;
    b.heavy_tokens = count("heavy_tokens", b.heavy_tokens);
    b.recent_tokens = count("recent_tokens", b.recent_tokens);
    if (b.heavy_tokens + b.recent_tokens == 0) r.errors().add(r.child("recent_tokens"), "expected heavy_tokens + recent_tokens >= 1, found 0");
  } else if (mode == "fraction") {
    b.mode = TokenBudget::Mode::kFraction;
    b.fraction = r.number("fraction", b.fraction, 1e-6, 1);
    b.min_tokens = count("min_tokens", b.min_tokens);
  } else if (mode == "snapkv") {
    b.mode = TokenBudget::Mode::kSnapKv;
    b.prompt_budget_tokens = count("prompt_budget_tokens", b.prompt_budget_tokens);
    if (b.prompt_budget_tokens == 0) r.errors().add(r.child("prompt_budget_tokens"), "expected a number >= 1, found 0");
  }
  r.reject_unknown_keys();
  return b;
}

}  // namespace kvsim
