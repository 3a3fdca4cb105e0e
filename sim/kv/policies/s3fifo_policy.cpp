#include "kv/policies/s3fifo_policy.h"

#include <cmath>

namespace kvsim {

void S3FifoPolicy::on_reset(uint32_t n) {
  small_.reset(n);
  main_.reset(n);
  queue_.assign(n, kNone);
  freq_.assign(n, 0);
  seq_.assign(n, 0);
  next_seq_ = 0;
  small_count_ = main_count_ = 0;
  ghost_.clear();
  small_target_ = static_cast<uint32_t>(std::ceil(params_.small_fraction * n));
  ghost_capacity_ = static_cast<uint32_t>(std::floor(params_.ghost_fraction * n));
}

void S3FifoPolicy::on_insert(BlockId b, const BlockInfo& info) {
  freq_[b] = 0;
  seq_[b] = ++next_seq_;
  if (ghost_.erase(info.hash)) {
    queue_[b] = kMain;
    ++main_count_;
  } else {
    queue_[b] = kSmall;
    ++small_count_;
  }
}

void S3FifoPolicy::push_cached(BlockId b, const BlockInfo&) {
  (queue_[b] == kMain ? main_ : small_).push(b, {0, seq_[b]});
}

void S3FifoPolicy::remove_cached(BlockId b) { (queue_[b] == kMain ? main_ : small_).remove(b); }

BlockId S3FifoPolicy::pop_cached(uint64_t) {
  for (;;) {
    if (!small_.empty() && (small_count_ >= small_target_ || main_.empty())) {
      const BlockId b = small_.pop();
      if (freq_[b] < params_.move_to_main_threshold) return b;  // on_drop puts it in the ghost queue
      queue_[b] = kMain;
      --small_count_;
      ++main_count_;
      freq_[b] = 0;
      seq_[b] = ++next_seq_;
      main_.push(b, {0, seq_[b]});
      continue;
    }
    const BlockId b = main_.pop();
    if (freq_[b] == 0) return b;
    --freq_[b];
    seq_[b] = ++next_seq_;
    main_.push(b, {0, seq_[b]});
  }
}

void S3FifoPolicy::on_drop(BlockId b, uint64_t hash) {
  if (queue_[b] == kSmall) {
    --small_count_;
    if (ghost_capacity_ > 0) {
      ghost_.push(hash);
      ghost_.trim(ghost_capacity_);
    }
  } else if (queue_[b] == kMain) {
    --main_count_;
  }
  queue_[b] = kNone;
  freq_[b] = 0;
}

}  // namespace kvsim
