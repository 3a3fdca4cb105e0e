// The sampling parameters requests are served with, in vLLM's SamplingParams names, and the
// defaults a model checkpoint ships in its generation_config.json.
//
// They matter to the step time because vLLM v0.15's sampler runs eagerly after the CUDA-graph
// forward pass: top-k / top-p go through the PyTorch-native path (a full sort of every sampled
// row's logits; the FlashInfer sampler is opt-in, VLLM_USE_FLASHINFER_SAMPLER=1), and repetition,
// frequency and presence penalties build per-request token counts over the vocabulary every step.
// A server started with the default --generation-config auto applies the model's
// generation_config.json to every request field the client leaves unset; inference-perf and most
// OpenAI clients send none (docs/calibration.md section 11).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_reader.h"

namespace kvsim {

struct SamplingParams {
  // vLLM's own defaults, what a request gets when neither it nor the model sets a field.
  double temperature = 1.0;
  double top_p = 1.0;
  int64_t top_k = 0;  // 0 or -1: no top-k
  double repetition_penalty = 1.0;
  double frequency_penalty = 0.0;
  double presence_penalty = 0.0;

  bool greedy() const { return temperature == 0; }
  // The logits are filtered by top-k / top-p (greedy requests take the argmax and skip it).
  bool filters() const { return !greedy() && (top_p < 1.0 || top_k > 0); }
  bool penalties() const { return repetition_penalty != 1.0 || frequency_penalty != 0.0 || presence_penalty != 0.0; }

  // Reads the fields present in `r` over the current values (field by field, as vLLM lays a
  // request's parameters over the server defaults); the caller rejects unknown keys.
  void read(JsonReader& r);
  nlohmann::json to_json() const;
};

// A checkpoint's generation_config.json as vLLM applies it: the sampling defaults of the named
// checkpoints (a base model and its instruct variant share an architecture, not their defaults).
struct GenerationConfig {
  std::vector<std::string> checkpoints;
  SamplingParams sampling;
  std::string source;  // where the values come from (the generation_config.json's address)
};

}  // namespace kvsim
