#include "kv/policies/slru_policy.h"

#include <cmath>

namespace kvsim {

void SlruPolicy::on_reset(uint32_t n) {
  probation_.reset(n);
  protected_.reset(n);
  segment_.assign(n, kNone);
  protected_count_ = 0;
  protected_cap_ = static_cast<uint32_t>(std::floor(protected_fraction_ * n));
}

void SlruPolicy::on_insert(BlockId b, const BlockInfo&) { segment_[b] = kProbation; }

void SlruPolicy::on_hit(BlockId b, uint64_t) {
  if (segment_[b] != kProbation) return;
  segment_[b] = kProtected;
  ++protected_count_;
  if (probation_.contains(b)) {  // the pool takes a block out of the free set before a hit
    probation_.remove(b);
    protected_.push_back(b);
  }
}

void SlruPolicy::push_cached(BlockId b, const BlockInfo&) {
  (segment_[b] == kProtected ? protected_ : probation_).push_back(b);
  demote_overflow();
}

void SlruPolicy::demote_overflow() {
  while (protected_count_ > protected_cap_ && !protected_.empty()) {
    const BlockId d = protected_.pop_front();
    segment_[d] = kProbation;
    --protected_count_;
    probation_.push_back(d);
  }
}

void SlruPolicy::remove_cached(BlockId b) {
  (segment_[b] == kProtected ? protected_ : probation_).remove(b);
}

BlockId SlruPolicy::pop_cached(uint64_t) {
  return probation_.empty() ? protected_.pop_front() : probation_.pop_front();
}

void SlruPolicy::on_drop(BlockId b, uint64_t) {
  if (segment_[b] == kProtected) --protected_count_;
  segment_[b] = kNone;
}

}  // namespace kvsim
