// The simulation's event loop: one EventQueue, one clock, four kinds of event and one handler
// each. `kick` starts a replica's next step when it is idle and schedules what that step set in
// motion (its end, the KV transfers it started); every handler that may leave a replica idle
// with work ends in it.
//
//   arrival        the next request of the workload reaches the engine: routed, queued, the
//                  replica kicked; the following request is pulled and its arrival scheduled
//                  (only one request of the trace is ever ahead of the clock)
//   step end       a replica's step ended: it applies the step, then is kicked
//   transfer done  a KV transfer a replica started completed: it takes the loaded request,
//                  then is kicked
//   sample         a time-series row, every timeseries_interval_s (quiet stretches compressed)
//   fleet events   an elastic fleet's evaluations, replicas coming up, spot notices and
//                  departures, router-queue timeouts: handed to the Fleet (run/fleet.h), which
//                  also routes arrivals then
//   KV network     disaggregated pools' KV transfers: a flow's bytes done, a transfer arrived:
//                  handed to the DisaggCluster (run/disagg.h), which also routes arrivals then
//
// Cancellation and progress are checked every kCheckEvery events (run_control.h).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/event_queue.h"
#include "run/request_pool.h"
#include "run/run_control.h"
#include "scenario/scenario.h"
#include "workload/request_source.h"

namespace kvsim {

class Router;
class ResponseCache;

// The fleet's kinds (kFleetTick to kQueueTimeout) occur only with an elastic fleet
// (run/fleet.h), the KV network's (kKvFlow, kKvArrive) only with disaggregated pools (run/disagg.h).
enum class SimEvent : uint32_t {
  kArrival, kStepEnd, kTransferDone, kSample,
  kFleetTick, kReplicaUp, kSpotNotice, kSpotGone, kQueueTimeout,
  kKvFlow, kKvArrive
};

// What a cluster that is more than a fixed set of replicas behind one router adds to the loop:
// an elastic fleet (run/fleet.h) or disaggregated prefill and decode pools (run/disagg.h). It
// routes arrivals, handles its own kinds of event, and hears of every step's end.
class ClusterControl {
 public:
  using Kick = std::function<void(Replica&, SimTime)>;
  virtual ~ClusterControl() = default;
  // How a replica that got work starts its next step (the event loop's kick).
  virtual void set_kick(Kick kick) = 0;
  // The cluster's first events go into `queue` (which it keeps, to schedule more).
  virtual void attach(EventQueue<SimEvent>& queue) = 0;
  // An arriving request (past the response cache), at the engine at `now`.
  virtual void route(Request* req, SimTime now) = 0;
  // One of the cluster's own events; `work_left`: requests are still to arrive or in flight;
  // `arrivals_done`: none is still to arrive.
  virtual void on_event(const Event<SimEvent>& ev, SimTime now, bool work_left, bool arrivals_done) = 0;
  // Whether the replica went away (events of its steps are then ignored).
  virtual bool gone(uint32_t /*replica*/) const { return false; }
  // After a replica's step ended and the replica was kicked.
  virtual void after_step(Replica& /*rep*/, SimTime /*now*/) {}
};

class EventLoop {
 public:
  static constexpr uint64_t kCheckEvery = 4096;

  EventLoop(const Scenario& scenario, RequestSource& source, std::vector<std::unique_ptr<Replica>>& replicas,
            Router& router, MetricsCollector& metrics, RequestPool& pool, Cancellation cancel,
            ProgressReporter& progress, ClusterControl* cluster = nullptr);
  // Runs until no event is left. Throws Cancelled when the cancel flag is seen.
  void run();
  // The time of the last arrival or step end: the simulated end of the run.
  SimTime last_activity() const { return last_activity_; }
  uint64_t events() const { return queue_.events_processed(); }
  // A response cache in front of the router (null: none): a hit is answered at the cache's
  // latency and never reaches a replica.
  void set_response_cache(ResponseCache* cache) { cache_ = cache; }

 private:
  // The loop and the two handlers a ClusterControl changes, compiled once with and once without.
  template <bool kElastic>
  void loop();
  template <bool kElastic>
  void on_arrival(SimTime now);
  template <bool kElastic>
  void on_step_end(Replica& rep, SimTime now);
  void on_transfer_done(Replica& rep, uint64_t token, SimTime now);
  void on_sample(SimTime now);
  void kick(Replica& rep, SimTime now);
  // When a request reaches the scheduler: after the frontend (API server, tokenisation) has
  // handled it; its latencies still count from its arrival.
  SimTime engine_arrival(const RequestSpec& r) const;
  SimTime next_sample_time(SimTime now);

  const Scenario& sc_;
  RequestSource& source_;
  std::vector<std::unique_ptr<Replica>>& replicas_;
  Router& router_;
  MetricsCollector& metrics_;
  RequestPool& pool_;
  Cancellation cancel_;
  ProgressReporter& progress_;
  EventQueue<SimEvent> queue_;
  RequestSpec next_;  // the request whose arrival is scheduled
  SimTime sample_interval_ = 1;
  SimTime last_activity_ = 0;
  bool quiet_ = false;  // no event but samples since the last sample
  ResponseCache* cache_ = nullptr;
  ClusterControl* cluster_ = nullptr;  // an elastic fleet or disaggregated pools; null: a fixed fleet
  bool arrivals_done_ = false;
};

}  // namespace kvsim
