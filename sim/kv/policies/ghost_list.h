// GhostList: a bounded FIFO of block hashes whose KV was evicted, remembered without data so
// that a policy can tell "seen recently" from "new" when the hash is cached again (ARC's B1/B2,
// S3-FIFO's ghost queue). Membership is a hash-table lookup; removing an entry from the middle
// leaves a stale slot in the queue that is skipped when it reaches the front.
#pragma once
#include <cstddef>  // before flat_hash_map.h, which uses size_t
#include <cstdint>
#include <deque>

#include "kv/flat_hash_map.h"

namespace kvsim {

class GhostList {
 public:
  void clear() {
    queue_.clear();
    index_ = FlatHashMap();
    next_stamp_ = 0;
  }
  bool contains(uint64_t hash) const { return index_.find(hash) != FlatHashMap::kMissing; }
  uint32_t size() const { return static_cast<uint32_t>(index_.size()); }
  bool empty() const { return index_.size() == 0; }
  // Appends `hash` as the newest entry (moving it there if present).
  void push(uint64_t hash) {
    const uint32_t stamp = next_stamp_;
    next_stamp_ = next_stamp_ + 1 == FlatHashMap::kMissing ? 0 : next_stamp_ + 1;
    index_.insert(hash, stamp);
    queue_.push_back({hash, stamp});
    if (queue_.size() > 2 * static_cast<size_t>(size()) + 64) compact();
  }
  bool erase(uint64_t hash) {
    const bool erased = index_.erase(hash);
    // Stale slots never outnumber live ones by much: compact when they dominate.
    if (erased && queue_.size() > 2 * static_cast<size_t>(size()) + 64) compact();
    return erased;
  }
  // Drops the oldest entry. Never called when empty.
  void pop_oldest() {
    for (;;) {
      const Slot s = queue_.front();
      queue_.pop_front();
      if (index_.find(s.hash) == s.stamp) {
        index_.erase(s.hash);
        return;
      }
    }
  }
  // Drops the oldest entries until at most `n` remain.
  void trim(uint32_t n) {
    while (size() > n) pop_oldest();
  }

 private:
  struct Slot {
    uint64_t hash;
    uint32_t stamp;
  };
  void compact() {
    std::deque<Slot> live;
    for (const Slot& s : queue_)
      if (index_.find(s.hash) == s.stamp) live.push_back(s);
    queue_.swap(live);
  }
  std::deque<Slot> queue_;
  FlatHashMap index_;
  uint32_t next_stamp_ = 0;
};

}  // namespace kvsim
