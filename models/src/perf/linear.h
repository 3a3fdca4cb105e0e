// LinearStepModel: a toy step model for tests that check the simulator's arithmetic by hand:
//   seconds = base_s + per_prefill_token_s x prefill_tokens + per_decode_seq_s x num_decode_seqs
//             + per_context_token_s x decode_context_tokens
// An empty batch takes 0 s. Built from {"base_s": .., "per_prefill_token_s": ..,
// "per_decode_seq_s": .., "per_context_token_s": ..} (all optional, default 0, never negative).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "core/json_reader.h"
#include "perf/step_model.h"

namespace kvsim {

struct LinearCoefficients {
  double base_s = 0;
  double per_prefill_token_s = 0;
  double per_decode_seq_s = 0;
  double per_context_token_s = 0;
};

class LinearStepModel : public StepModel {
 public:
  explicit LinearStepModel(LinearCoefficients c) : c_(c) {}
  // Reads the coefficients from `j`, rejecting unknown keys; errors name `where` and the pointer.
  static LinearStepModel from_json(const nlohmann::json& j, const std::string& where);
  // The same from a reader inside a larger document; the caller throws the collected errors.
  static LinearCoefficients read(JsonReader& r);

  double step_seconds(const BatchShape& b) const override {
    if (b.empty()) return 0;
    return c_.base_s + c_.per_prefill_token_s * static_cast<double>(b.prefill_tokens) +
           c_.per_decode_seq_s * b.num_decode_seqs +
           c_.per_context_token_s * static_cast<double>(b.decode_context_tokens);
  }
  nlohmann::json describe() const override;
  const LinearCoefficients& coefficients() const { return c_; }

 private:
  LinearCoefficients c_;
};

}  // namespace kvsim
