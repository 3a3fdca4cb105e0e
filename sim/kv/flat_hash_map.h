// An open-addressing hash map from 64-bit block hashes to 32-bit block ids: linear probing,
// backward-shift deletion (no tombstones), power-of-two capacity. The prefix cache does a lookup
// per block, so this avoids std::unordered_map's node allocation and pointer chasing.
// Key 0 is reserved as "empty"; callers never use hash 0 (see prefix_hash.h).
// FlatHashSet is the same table without the values (8 bytes a slot instead of 12): find()
// answers 0 for a key it holds.
#pragma once
#include <cstdint>
#include <vector>

namespace kvsim {

template <bool kHasValues>
class FlatHashTable {
 public:
  static constexpr uint32_t kMissing = UINT32_MAX;

  explicit FlatHashTable(size_t expected = 16) { rehash(capacity_for(expected)); }

  // Starts loading the slot `key` hashes to into cache: a hint, no effect on behaviour.
  void prefetch(uint64_t key) const {
    const size_t i = slot(key);
    __builtin_prefetch(&keys_[i]);
    if constexpr (kHasValues) __builtin_prefetch(&values_[i]);
  }
  uint32_t find(uint64_t key) const {
    for (size_t i = slot(key);; i = (i + 1) & mask_) {
      if (keys_[i] == key) return value(i);
      if (keys_[i] == 0) return kMissing;
    }
  }
  // Inserts or overwrites.
  void insert(uint64_t key, uint32_t v = 0) {
    if ((size_ + 1) * 4 > keys_.size() * 3) rehash(keys_.size() * 2);
    size_t i = slot(key);
    while (keys_[i] != 0 && keys_[i] != key) i = (i + 1) & mask_;
    if (keys_[i] == 0) ++size_;
    keys_[i] = key;
    if constexpr (kHasValues) values_[i] = v;
  }
  bool erase(uint64_t key) {
    size_t i = slot(key);
    while (keys_[i] != key) {
      if (keys_[i] == 0) return false;
      i = (i + 1) & mask_;
    }
    // Backward-shift: move later entries of the probe run into the hole.
    size_t hole = i;
    for (size_t j = (hole + 1) & mask_; keys_[j] != 0; j = (j + 1) & mask_) {
      const size_t home = slot(keys_[j]);
      const bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        keys_[hole] = keys_[j];
        if constexpr (kHasValues) values_[hole] = values_[j];
        hole = j;
      }
    }
    keys_[hole] = 0;
    --size_;
    return true;
  }
  size_t size() const { return size_; }
  template <class F>
  void for_each(F&& f) const {
    for (size_t i = 0; i < keys_.size(); ++i)
      if (keys_[i] != 0) f(keys_[i], value(i));
  }

 private:
  static size_t capacity_for(size_t n) {
    size_t c = 16;
    while (c * 3 < n * 4 + 4) c *= 2;
    return c;
  }
  uint32_t value(size_t i) const {
    if constexpr (kHasValues) return values_[i];
    return 0;
  }
  size_t slot(uint64_t key) const { return (key * 0x9E3779B97F4A7C15ULL) >> shift_; }
  void rehash(size_t capacity) {
    std::vector<uint64_t> old_keys(capacity, 0);
    std::vector<uint32_t> old_values(kHasValues ? capacity : 0, 0);
    old_keys.swap(keys_);
    old_values.swap(values_);
    mask_ = capacity - 1;
    shift_ = 64;
    for (size_t c = capacity; c > 1; c >>= 1) --shift_;
    size_ = 0;
    for (size_t i = 0; i < old_keys.size(); ++i)
      if (old_keys[i] != 0) insert(old_keys[i], kHasValues ? old_values[i] : 0);
  }
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> values_;  // (empty without values)
  size_t mask_ = 0;
  int shift_ = 64;
  size_t size_ = 0;
};

using FlatHashMap = FlatHashTable<true>;
using FlatHashSet = FlatHashTable<false>;

}  // namespace kvsim
