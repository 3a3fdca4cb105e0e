// The router in front of a cluster's replicas picks one for each arriving request.
//   round_robin        - replicas in turn;
//   least_outstanding  - the replica with the fewest queued and running requests (ties: lowest index).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "engine/replica.h"

namespace kvsim {

// Routers pick among the replicas that are accepting() (at least one is, when route is called).
class Router {
 public:
  virtual ~Router() = default;
  virtual uint32_t route(const Request& req, const std::vector<std::unique_ptr<Replica>>& replicas) = 0;
};

std::vector<std::string> router_names();
// Throws InputError for an unknown name.
std::unique_ptr<Router> make_router(const std::string& name);

}  // namespace kvsim
