// A discrete-event queue on one simulated clock. Events fire in time order; events at the same
// time fire in the order they were scheduled (a sequence number breaks ties), so a run is
// deterministic. An event is a plain (time, kind, index, payload) record, not a closure: the loop
// dispatches on `kind`, an enum the loop defines (e.g. arrival, step end), and `index` says which
// of its objects the event is for (e.g. a replica). The queue allocates nothing per event once
// its heap has grown.
#pragma once
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "core/time.h"

namespace kvsim {

template <typename Kind>
struct Event {
  static_assert(std::is_enum_v<Kind>, "an event's kind is an enum the loop defines");
  SimTime time = 0;
  uint64_t seq = 0;      // scheduling order, the tie-breaker
  Kind kind{};           // what happened
  uint32_t index = 0;    // to whom (e.g. a replica index); 0 when the kind names one object
  uint64_t payload = 0;  // e.g. a transfer's token
};

template <typename Kind>
class EventQueue {
 public:
  using Ev = Event<Kind>;
  void schedule(SimTime time, Kind kind, uint32_t index = 0, uint64_t payload = 0) {
    if (time < now_) throw std::logic_error("event scheduled in the past");
    heap_.push_back(Ev{time, next_seq_++, kind, index, payload});
    std::push_heap(heap_.begin(), heap_.end(), later);
  }
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  const Ev& top() const { return heap_.front(); }
  // Removes and returns the earliest event and advances now() to its time.
  Ev pop() {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    Ev e = heap_.back();
    heap_.pop_back();
    now_ = e.time;
    ++processed_;
    return e;
  }
  SimTime now() const { return now_; }
  uint64_t events_processed() const { return processed_; }

 private:
  static bool later(const Ev& a, const Ev& b) { return a.time != b.time ? a.time > b.time : a.seq > b.seq; }
  std::vector<Ev> heap_;
  uint64_t next_seq_ = 0;
  uint64_t processed_ = 0;
  SimTime now_ = 0;
};

}  // namespace kvsim
