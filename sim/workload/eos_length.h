// Answers that stop early at EOS. A client's max_tokens is a cap; a model usually stops before it,
// where it emits its end-of-sequence token. Given a distribution of where EOS falls, a request
// generates min(cap, draw) tokens and keeps the cap in RequestSpec::max_output_tokens. The draws
// come from their own random stream, so adding EOS to a workload leaves its arrivals, prompts and
// caps unchanged.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/rng.h"
#include "workload/length_distribution.h"
#include "workload/request_spec.h"

namespace kvsim {

class EosLength {
 public:
  // No distribution: every answer runs to its cap. `stream_seed` seeds the EOS draws alone.
  // Throws InputError if the distribution is malformed or its trace cannot be read.
  EosLength(const std::optional<LengthDist>& eos, uint64_t stream_seed);

  // Sets out.output_tokens to the answer length for this cap; with EOS, out.max_output_tokens
  // to the cap.
  void apply(uint32_t cap, RequestSpec& out);
  // "" without EOS, else " eos lognormal(...)".
  std::string describe() const;

 private:
  std::optional<LengthSampler> eos_;
  Rng rng_;
};

}  // namespace kvsim
