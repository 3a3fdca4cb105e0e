// IndexedMinHeap: a binary min-heap of block ids ordered by a (priority, tie) key, with a
// position index so that any block can be removed or re-keyed in O(log n). Ties on priority go
// to the smaller `tie` (policies use an access or insertion counter), so the order is total and
// runs are deterministic. No allocation after reset().
#pragma once
#include <cstdint>
#include <vector>

#include "kv/eviction_policy.h"

namespace kvsim {

struct HeapKey {
  double priority = 0;
  uint64_t tie = 0;
  bool operator<(const HeapKey& o) const { return priority != o.priority ? priority < o.priority : tie < o.tie; }
};

class IndexedMinHeap {
 public:
  void reset(uint32_t num_blocks) {
    heap_.clear();
    heap_.reserve(num_blocks);
    pos_.assign(num_blocks, kAbsent);
  }
  bool contains(BlockId b) const { return pos_[b] != kAbsent; }
  bool empty() const { return heap_.empty(); }
  uint32_t size() const { return static_cast<uint32_t>(heap_.size()); }
  BlockId top() const { return heap_.front().block; }
  const HeapKey& top_key() const { return heap_.front().key; }

  void push(BlockId b, HeapKey key) {
    pos_[b] = static_cast<uint32_t>(heap_.size());
    heap_.push_back({key, b});
    sift_up(pos_[b]);
  }
  void remove(BlockId b) {
    const uint32_t i = pos_[b];
    pos_[b] = kAbsent;
    const Entry last = heap_.back();
    heap_.pop_back();
    if (i == heap_.size()) return;
    heap_[i] = last;
    pos_[last.block] = i;
    sift_down(i);
    sift_up(pos_[last.block]);
  }
  BlockId pop() {
    const BlockId b = top();
    remove(b);
    return b;
  }

 private:
  static constexpr uint32_t kAbsent = UINT32_MAX;
  struct Entry {
    HeapKey key;
    BlockId block;
  };
  void place(uint32_t i, const Entry& e) {
    heap_[i] = e;
    pos_[e.block] = i;
  }
  void sift_up(uint32_t i) {
    const Entry e = heap_[i];
    while (i > 0) {
      const uint32_t parent = (i - 1) / 2;
      if (!(e.key < heap_[parent].key)) break;
      place(i, heap_[parent]);
      i = parent;
    }
    place(i, e);
  }
  void sift_down(uint32_t i) {
    const Entry e = heap_[i];
    const uint32_t n = static_cast<uint32_t>(heap_.size());
    for (;;) {
      uint32_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap_[child + 1].key < heap_[child].key) ++child;
      if (!(heap_[child].key < e.key)) break;
      place(i, heap_[child]);
      i = child;
    }
    place(i, e);
  }
  std::vector<Entry> heap_;
  std::vector<uint32_t> pos_;
};

}  // namespace kvsim
