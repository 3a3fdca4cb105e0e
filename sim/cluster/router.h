// The router in front of a cluster's replicas picks one for each arriving request
// (docs/fleet.md, "Routing"):
//   round_robin         - replicas in turn;
//   least_outstanding   - the replica with the fewest queued and running requests (ties: lowest index);
//   power_of_two        - two distinct replicas drawn from the run's seeded Rng, the one with fewer
//                         outstanding requests (ties: the lower index);
//   session_affinity    - a session's requests go where its first went while that replica is not
//                         overloaded (more than max_imbalance outstanding requests above the least
//                         loaded), else to the least outstanding, which becomes the session's;
//   scored              - llm-d's scheduler: each scorer gives every replica a score in [0, 1],
//                         the replica with the largest sum of weight x score wins (ties: lowest
//                         index). Scorers: prefix (precise: the replicas' GPU prefix caches, seen
//                         now or as of the last staleness_s boundary; approximate: a router-side
//                         LRU index of which replica it sent which block), queue (waiting
//                         requests), running, outstanding, kv_utilization, session.
//   prefix_aware        - scored: prefix (precise) x 3 + queue x 2, llm-d's default profile;
//   prefix_aware_approx - the same with the approximate prefix scorer.
// A scenario names one (`cluster.router` a string) or configures one (an object).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_reader.h"
#include "engine/replica.h"

namespace kvsim {

enum class ScorerKind { kPrefix, kQueue, kRunning, kOutstanding, kKvUtilization, kSession };

struct ScorerConfig {
  ScorerKind kind = ScorerKind::kQueue;
  double weight = 1;
  // kind prefix:
  bool approximate = false;
  double staleness_s = 0;                   // precise: the caches as of this long ago at most (0 = now)
  uint32_t index_blocks_per_replica = 31250;  // approximate: the index's LRU capacity per replica
};

struct RouterConfig {
  std::string kind = "round_robin";  // round_robin, least_outstanding, power_of_two, session_affinity, scored
  std::vector<ScorerConfig> scorers;  // scored
  uint32_t max_imbalance = 8;         // session_affinity
};

// What a router needs of the run besides its replicas.
struct RouterContext {
  uint64_t seed = 1;          // the scenario's seed (power_of_two draws from a stream of it)
  uint32_t block_size = 16;   // the replicas' KV block size (the prefix scorers hash with it)
};

// Routers pick among the replicas that are accepting() (at least one is, when route is called).
class Router {
 public:
  virtual ~Router() = default;
  // The replica for `req`, arriving at the engine at `now`.
  virtual uint32_t route(const Request& req, const std::vector<std::unique_ptr<Replica>>& replicas, SimTime now) = 0;
};

// The names `cluster.router` accepts as a string.
std::vector<std::string> router_names();
// The router a name stands for; throws InputError for an unknown name.
RouterConfig router_preset(const std::string& name);
// `cluster.router` (a name, an object or null) at `pointer`; problems go to `errors`, each with
// its JSON pointer. Returns the preset name or the object's kind in `name`.
RouterConfig parse_router_config(const nlohmann::json& value, const std::string& pointer, ErrorList& errors,
                                 std::string& name);
std::unique_ptr<Router> make_router(const RouterConfig& config, const RouterContext& context = {});
// Throws InputError for an unknown name.
std::unique_ptr<Router> make_router(const std::string& name);

// The block hashes of the shareable prefix of a request as a replica's prefix cache would look
// it up on admission (at most (prompt - 1) / block_size blocks, none of its private tokens),
// into `out` (cleared; no allocation once grown).
void request_block_chain(const RequestSpec& spec, uint32_t block_size, std::vector<BlockHash>& out);
// The key sessions stick by: the trace's session id, else the first two Mooncake block ids (the
// first one alone is often a system prompt all conversations share), else the shared stream
// (system prompt, shared-prefix group); 0 = none.
uint64_t session_key(const RequestSpec& spec);

}  // namespace kvsim
