// Requests are recycled: a finished request's slot (and its block table's capacity) is reused,
// so a long run allocates nothing per request once warmed up.
#pragma once
#include <memory>
#include <vector>

#include "engine/request.h"

namespace kvsim {

class RequestPool {
 public:
  Request* acquire(const RequestSpec& spec) {
    Request* r;
    if (free_.empty()) {
      all_.push_back(std::make_unique<Request>());
      r = all_.back().get();
    } else {
      r = free_.back();
      free_.pop_back();
    }
    r->reset(spec);
    return r;
  }
  void release(Request* r) {
    r->spec.content.hash_ids.reset();
    free_.push_back(r);
  }

 private:
  std::vector<std::unique_ptr<Request>> all_;
  std::vector<Request*> free_;
};

}  // namespace kvsim
