#include "cluster/router.h"

#include "core/error.h"

namespace kvsim {

namespace {

class RoundRobinRouter final : public Router {
 public:
  uint32_t route(const Request&, const std::vector<std::unique_ptr<Replica>>& replicas) override {
    uint32_t chosen;
    do {  // (an elastic fleet's replicas that take no requests are skipped; one always does)
      chosen = next_;
      next_ = (next_ + 1) % static_cast<uint32_t>(replicas.size());
    } while (!replicas[chosen]->accepting());
    return chosen;
  }

 private:
  uint32_t next_ = 0;
};

class LeastOutstandingRouter final : public Router {
 public:
  uint32_t route(const Request&, const std::vector<std::unique_ptr<Replica>>& replicas) override {
    uint32_t best = 0;
    while (!replicas[best]->accepting()) ++best;
    for (uint32_t i = best + 1; i < replicas.size(); ++i)
      if (replicas[i]->accepting() && replicas[i]->outstanding() < replicas[best]->outstanding()) best = i;
    return best;
  }
};

}  // namespace

std::vector<std::string> router_names() { return {"round_robin", "least_outstanding"}; }

std::unique_ptr<Router> make_router(const std::string& name) {
  if (name == "round_robin") return std::make_unique<RoundRobinRouter>();
  if (name == "least_outstanding") return std::make_unique<LeastOutstandingRouter>();
  throw InputError("unknown router \"" + name + "\" (known: round_robin, least_outstanding)");
}

}  // namespace kvsim
