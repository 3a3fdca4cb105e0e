#include "perf/linear.h"

namespace kvsim {

LinearCoefficients LinearStepModel::read(JsonReader& r) {
  LinearCoefficients c;
  c.base_s = r.number("base_s", 0, 0);
  c.per_prefill_token_s = r.number("per_prefill_token_s", 0, 0);
  c.per_decode_seq_s = r.number("per_decode_seq_s", 0, 0);
  c.per_context_token_s = r.number("per_context_token_s", 0, 0);
  return c;
}

LinearStepModel LinearStepModel::from_json(const nlohmann::json& j, const std::string& where) {
  ErrorList errors;
  JsonReader r(j, "", errors);
  const LinearCoefficients c = read(r);
  r.reject_unknown_keys();
  errors.throw_if_any(where);
  return LinearStepModel(c);
}

nlohmann::json LinearStepModel::describe() const {
  return {{"kind", "linear"},
          {"base_s", c_.base_s},
          {"per_prefill_token_s", c_.per_prefill_token_s},
          {"per_decode_seq_s", c_.per_decode_seq_s},
          {"per_context_token_s", c_.per_context_token_s}};
}

}  // namespace kvsim
