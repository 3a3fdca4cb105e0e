// A map from 64-bit keys (never 0) to 64-bit values holding at most `capacity` entries: a new
// key evicts the least recently used one. The nodes live in one vector (a doubly linked list by
// index, most recent at the head) and the keys in an open-addressing table, so once grown to its
// capacity it allocates nothing. Used by the approximate prefix router (which replica was sent
// which block) and the response cache (which answers are stored, and since when).
#pragma once
#include <cstdint>
#include <vector>

#include "kv/flat_hash_map.h"

namespace kvsim {

class LruIndex {
 public:
  explicit LruIndex(uint32_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
  // The value of `key`, made the most recently used; null when absent.
  uint64_t* find(uint64_t key) {
    const uint32_t i = map_.find(key);
    if (i == FlatHashMap::kMissing) return nullptr;
    move_to_front(i);
    return &nodes_[i].value;
  }
  // Whether `key` is held (no change to the order).
  bool contains(uint64_t key) const { return map_.find(key) != FlatHashMap::kMissing; }
  // Inserts or updates `key`, as the most recently used; evicts the least recent when full.
  void put(uint64_t key, uint64_t value) {
    if (uint64_t* v = find(key)) {
      *v = value;
      return;
    }
    uint32_t i;
    if (nodes_.size() < capacity_) {
      i = static_cast<uint32_t>(nodes_.size());
      nodes_.push_back({});
    } else {  // reuse the least recent node
      i = tail_;
      unlink(i);
      map_.erase(nodes_[i].key);
      ++evictions_;
    }
    nodes_[i].key = key;
    nodes_[i].value = value;
    push_front(i);
    map_.insert(key, i);
  }
  bool erase(uint64_t key) {
    const uint32_t i = map_.find(key);
    if (i == FlatHashMap::kMissing) return false;
    unlink(i);
    map_.erase(key);
    // The freed node takes the place of the last one, so the nodes stay dense.
    const uint32_t last = static_cast<uint32_t>(nodes_.size() - 1);
    if (i != last) {
      nodes_[i] = nodes_[last];
      if (nodes_[i].prev != kNil) nodes_[nodes_[i].prev].next = i; else head_ = i;
      if (nodes_[i].next != kNil) nodes_[nodes_[i].next].prev = i; else tail_ = i;
      map_.insert(nodes_[i].key, i);
    }
    nodes_.pop_back();
    return true;
  }
  size_t size() const { return nodes_.size(); }
  uint32_t capacity() const { return capacity_; }
  uint64_t evictions() const { return evictions_; }

 private:
  static constexpr uint32_t kNil = UINT32_MAX;
  struct Node {
    uint64_t key = 0, value = 0;
    uint32_t prev = kNil, next = kNil;
  };
  void unlink(uint32_t i) {
    Node& n = nodes_[i];
    if (n.prev != kNil) nodes_[n.prev].next = n.next; else head_ = n.next;
    if (n.next != kNil) nodes_[n.next].prev = n.prev; else tail_ = n.prev;
    n.prev = n.next = kNil;
  }
  void push_front(uint32_t i) {
    nodes_[i].prev = kNil;
    nodes_[i].next = head_;
    if (head_ != kNil) nodes_[head_].prev = i;
    head_ = i;
    if (tail_ == kNil) tail_ = i;
  }
  void move_to_front(uint32_t i) {
    if (head_ == i) return;
    unlink(i);
    push_front(i);
  }
  uint32_t capacity_;
  std::vector<Node> nodes_;
  FlatHashMap map_;
  uint32_t head_ = kNil, tail_ = kNil;
  uint64_t evictions_ = 0;
};

}  // namespace kvsim
