#include "workload/eos_length.h"

#include <algorithm>

namespace kvsim {

EosLength::EosLength(const std::optional<LengthDist>& eos, uint64_t stream_seed) : rng_(stream_seed) {
  if (eos) eos_.emplace(*eos, LengthSampler::Side::kOutput, stream_seed);
}

void EosLength::apply(uint32_t cap, RequestSpec& out) {
  out.output_tokens = cap;
  if (!eos_) return;
  out.max_output_tokens = cap;
  out.output_tokens = std::min(cap, eos_->sample(rng_));
}

std::string EosLength::describe() const { return eos_ ? " eos " + eos_->describe() : std::string(); }

}  // namespace kvsim
