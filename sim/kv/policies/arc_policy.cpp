#include "kv/policies/arc_policy.h"

#include <algorithm>

namespace kvsim {

void ArcPolicy::on_reset(uint32_t n) {
  t1_free_.reset(n);
  t2_free_.reset(n);
  list_.assign(n, kNone);
  t1_count_ = t2_count_ = 0;
  b1_.clear();
  b2_.clear();
  p_ = 0;
}

void ArcPolicy::on_insert(BlockId b, const BlockInfo& info) {
  const double c = capacity_;
  const double b1 = b1_.size(), b2 = b2_.size();
  if (b1_.contains(info.hash)) {
    p_ = std::min(c, p_ + std::max(1.0, b2 / b1));
    b1_.erase(info.hash);
    list_[b] = kT2;
    ++t2_count_;
    return;
  }
  if (b2_.contains(info.hash)) {
    p_ = std::max(0.0, p_ - std::max(1.0, b1 / b2));
    b2_.erase(info.hash);
    list_[b] = kT2;
    ++t2_count_;
    return;
  }
  if (t1_count_ + b1_.size() >= capacity_) {
    if (!b1_.empty()) b1_.pop_oldest();
  } else if (t1_count_ + t2_count_ + b1_.size() + b2_.size() >= 2 * capacity_ && !b2_.empty()) {
    b2_.pop_oldest();
  }
  list_[b] = kT1;
  ++t1_count_;
}

void ArcPolicy::on_hit(BlockId b, uint64_t) {
  if (list_[b] != kT1) return;
  list_[b] = kT2;
  if (t1_free_.contains(b)) {  // the pool takes a block out of the free set before a hit
    t1_free_.remove(b);
    t2_free_.push_back(b);
  }
  --t1_count_;
  ++t2_count_;
}

void ArcPolicy::push_cached(BlockId b, const BlockInfo&) { (list_[b] == kT2 ? t2_free_ : t1_free_).push_back(b); }

void ArcPolicy::remove_cached(BlockId b) { (list_[b] == kT2 ? t2_free_ : t1_free_).remove(b); }

BlockId ArcPolicy::pop_cached(uint64_t) {
  const bool from_t1 = !t1_free_.empty() && (t1_count_ > p_ || t2_free_.empty());
  return from_t1 ? t1_free_.pop_front() : t2_free_.pop_front();
}

void ArcPolicy::on_drop(BlockId b, uint64_t hash) {
  if (list_[b] == kT1) {
    --t1_count_;
    b1_.push(hash);
  } else if (list_[b] == kT2) {
    --t2_count_;
    b2_.push(hash);
  }
  list_[b] = kNone;
  // Directory bounds of the paper: |T1| + |B1| <= c and |T1| + |T2| + |B1| + |B2| <= 2c.
  while (t1_count_ + b1_.size() > capacity_ && !b1_.empty()) b1_.pop_oldest();
  while (t1_count_ + t2_count_ + b1_.size() + b2_.size() > 2 * capacity_ && !b2_.empty()) b2_.pop_oldest();
}

}  // namespace kvsim
