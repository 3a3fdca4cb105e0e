#include "catalog/sampling.h"

namespace kvsim {

void SamplingParams::read(JsonReader& r) {
  temperature = r.number("temperature", temperature, 0, 100);
  top_p = r.number("top_p", top_p, 1e-9, 1);
  top_k = r.integer("top_k", top_k, -1, 1 << 30);
  repetition_penalty = r.number("repetition_penalty", repetition_penalty, 1e-9, 100);
  frequency_penalty = r.number("frequency_penalty", frequency_penalty, -2, 2);
  presence_penalty = r.number("presence_penalty", presence_penalty, -2, 2);
}

nlohmann::json SamplingParams::to_json() const {
  return {{"temperature", temperature},
          {"top_p", top_p},
          {"top_k", top_k},
          {"repetition_penalty", repetition_penalty},
          {"frequency_penalty", frequency_penalty},
          {"presence_penalty", presence_penalty}};
}

}  // namespace kvsim
