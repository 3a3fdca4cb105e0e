// The elastic fleet (docs/fleet.md "Elastic fleet"): replicas that come and go under an
// autoscaling policy (sim/cluster/autoscaler.h) and spot interruptions (sim/cluster/spot.h), the
// router's queue while no replica takes requests, and the dollars by price class over time.
//
// A replica's life: provisioning (cold start: provisioning + weight load; it costs but takes no
// requests) -> up (routed to) -> draining (scale-in: no new requests, released when empty) or,
// for spot, notice (no new requests) -> gone (its requests move to other replicas and are
// recomputed there) -> released. A replica costs from the start of its provisioning to its release.
// The event loop owns the clock and hands the fleet its events (SimEvent kFleetTick and after);
// the fleet exists only when the scenario configures autoscaling or spot capacity, so a fixed
// fleet runs exactly as before.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster/autoscaler.h"
#include "cluster/spot.h"
#include "core/event_queue.h"
#include "metrics/metrics.h"
#include "run/event_loop.h"

namespace kvsim {

class Router;

enum class ReplicaState : uint8_t { kProvisioning, kUp, kDraining, kNotice, kReleased };

struct FleetReplica {
  PriceClass price = PriceClass::kOnDemand;
  ReplicaState state = ReplicaState::kProvisioning;
  SimTime start = 0;            // provisioning began (billing starts)
  SimTime up = kNever;          // took its first request
  SimTime end = kNever;         // released (billing ends)
  SimTime interrupt_at = kNever;  // spot: when the notice comes
  bool notice_scheduled = false;
  bool interrupted = false;     // the notice came
  // Back to spot after a fallback: a spot replica provisioning to take over from on-demand
  // replica `swap_for`, which is `swap_out` (still serving, no longer counted) until it is up.
  int64_t swap_for = -1;
  bool swap_out = false;
};

struct FleetCounters {
  uint64_t replicas_started = 0;  // provisioned during the run (not the initial fleet)
  uint64_t scale_up_decisions = 0, scale_down_decisions = 0;
  uint64_t interruptions = 0, requests_moved = 0, tokens_recomputed = 0;
  uint64_t spot_refused = 0, spot_fallbacks = 0, spot_returns = 0;
  uint64_t queued = 0, dropped_max_wait = 0, dropped_no_replica = 0, max_queue = 0;
  uint32_t peak_serving = 0;  // up + draining + notice, at once
  uint32_t peak_held = 0;     // everything not released, provisioning included
};

class Fleet final : public ClusterControl, public TimeseriesExtra {
 public:
  using MakeReplica = std::function<std::unique_ptr<Replica>(uint32_t id)>;
  Fleet(const FleetConfig& config, uint64_t seed, std::vector<std::unique_ptr<Replica>>& replicas, Router& router,
        ReplicaObserver& observer, MakeReplica make);
  // How a replica that got a request starts its next step (the event loop's kick).
  void set_kick(Kick kick) override { kick_ = std::move(kick); }
  // The initial fleet, up at time 0 (classes by the spot fraction and availability).
  void start(uint32_t initial);
  // The first fleet event (an evaluation tick) goes into `queue`.
  void attach(EventQueue<SimEvent>& queue) override;
  // Sends a request to a replica that takes requests, or holds it in the router's queue.
  void route(Request* req, SimTime now) override;
  // Handles a fleet event; `work_left`: requests are still to arrive or in flight;
  // `arrivals_done`: none is still to arrive.
  void on_event(const Event<SimEvent>& ev, SimTime now, bool work_left, bool arrivals_done) override;
  // Events of a replica that went away (a step it was running) are ignored.
  bool gone(uint32_t replica) const override { return state_[replica].state == ReplicaState::kReleased; }
  // After a replica's step: a draining replica that is empty is released.
  void after_step(Replica& rep, SimTime now) override;

  // Dollars of GPUs from time 0 to `now`, by class.
  double usd(PriceClass c, SimTime now) const;
  double replica_hours(PriceClass c, SimTime now) const;
  // summary.json's "fleet" at the end of the run.
  nlohmann::json summary(SimTime end) const;
  double gpu_hours(SimTime end) const;
  double usd_total(SimTime end) const { return usd(PriceClass::kOnDemand, end) + usd(PriceClass::kSpot, end); }
  const FleetCounters& counters() const { return n_; }
  const std::vector<FleetReplica>& replica_states() const { return state_; }

  // TimeseriesExtra: replicas by class and state, the router's queue, dollars so far; the
  // replicas held (whose KV blocks the summary's utilisation counts).
  std::string header() const override;
  void write(CsvWriter& csv, SimTime now) override;
  bool replicas_vary() const override { return true; }
  bool held(uint32_t replica) const override { return !gone(replica); }

 private:
  uint32_t count(ReplicaState s) const;
  // Replicas up or provisioning, an on-demand one that a spot replica is about to replace not counted.
  uint32_t committed() const;
  bool provision(SimTime now, bool instant);
  uint32_t add_replica(SimTime now, bool instant, PriceClass price);
  void reconcile(SimTime now);
  bool drain_one(SimTime now);
  void drain(uint32_t i, SimTime now);
  void return_to_spot(SimTime now);
  void drop_queue(const char* reason);
  void release(uint32_t i, SimTime now);
  void set_up(uint32_t i, SimTime now);
  void dispatch_queue(SimTime now);
  void schedule_notice_if_due(uint32_t i);
  void track_peaks();
  FleetObservation observe(SimTime now) const;

  FleetConfig c_;
  std::vector<std::unique_ptr<Replica>>& replicas_;
  Router& router_;
  ReplicaObserver& observer_;
  MakeReplica make_;
  Kick kick_;
  Autoscaler autoscaler_;
  SpotMarket market_;
  EventQueue<SimEvent>* queue_ = nullptr;
  std::vector<FleetReplica> state_;
  uint32_t target_ = 0;     // replicas the fleet wants committed (up + provisioning)
  uint32_t accepting_ = 0;  // replicas taking requests
  struct Queued {
    Request* req;
    SimTime since;
  };
  std::deque<Queued> router_queue_;
  SimTime tick_ = 1;
  SimTime next_tick_ = 0;
  SimTime cold_start_ = 0;
  SimTime max_wait_ = kNever;
  FleetCounters n_;
  std::vector<Request*> moved_;  // reused
};

}  // namespace kvsim
