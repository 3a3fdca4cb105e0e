// A discrete-event queue on one simulated clock. Events fire in time order; events at the same
// time fire in the order they were scheduled (a sequence number breaks ties), so a run is
// deterministic. An event is a (time, target, kind, payload) record, not a closure: the loop
// dispatches on `target`, which keeps the queue free of allocation per event.
#pragma once
#include <cstdint>
#include <vector>

#include "core/time.h"

namespace kvsim {

struct Event {
  SimTime time = 0;
  uint64_t seq = 0;      // scheduling order, the tie-breaker
  uint32_t target = 0;   // who handles it (e.g. a replica index, or the workload)
  uint32_t kind = 0;     // what it is, meaning owned by the target
  uint64_t payload = 0;  // e.g. a step number, to drop stale events
};

class EventQueue {
 public:
  void schedule(SimTime time, uint32_t target, uint32_t kind, uint64_t payload = 0);
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  const Event& top() const { return heap_.front(); }
  // Removes and returns the earliest event and advances now() to its time.
  Event pop();
  SimTime now() const { return now_; }
  uint64_t events_processed() const { return processed_; }

 private:
  static bool later(const Event& a, const Event& b) {
    return a.time != b.time ? a.time > b.time : a.seq > b.seq;
  }
  std::vector<Event> heap_;
  uint64_t next_seq_ = 0;
  uint64_t processed_ = 0;
  SimTime now_ = 0;
};

}  // namespace kvsim
