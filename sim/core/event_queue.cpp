#include "core/event_queue.h"

#include <algorithm>
#include <stdexcept>

namespace kvsim {

void EventQueue::schedule(SimTime time, uint32_t target, uint32_t kind, uint64_t payload) {
  if (time < now_) throw std::logic_error("event scheduled in the past");
  heap_.push_back(Event{time, next_seq_++, target, kind, payload});
  std::push_heap(heap_.begin(), heap_.end(), later);
}

Event EventQueue::pop() {
  std::pop_heap(heap_.begin(), heap_.end(), later);
  Event e = heap_.back();
  heap_.pop_back();
  now_ = e.time;
  ++processed_;
  return e;
}

}  // namespace kvsim
