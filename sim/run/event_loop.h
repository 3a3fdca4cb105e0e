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
//
// Cancellation and progress are checked every kCheckEvery events (run_control.h).
#pragma once
#include <cstdint>
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

// The fleet's kinds (kFleetTick and after) occur only with an elastic fleet (run/fleet.h).
enum class SimEvent : uint32_t {
  kArrival, kStepEnd, kTransferDone, kSample,
  kFleetTick, kReplicaUp, kSpotNotice, kSpotGone, kQueueTimeout
};
class Fleet;

class EventLoop {
 public:
  static constexpr uint64_t kCheckEvery = 4096;

  EventLoop(const Scenario& scenario, RequestSource& source, std::vector<std::unique_ptr<Replica>>& replicas,
            Router& router, MetricsCollector& metrics, RequestPool& pool, Cancellation cancel,
            ProgressReporter& progress, Fleet* fleet = nullptr);
  // Runs until no event is left. Throws Cancelled when the cancel flag is seen.
  void run();
  // The time of the last arrival or step end: the simulated end of the run.
  SimTime last_activity() const { return last_activity_; }
  uint64_t events() const { return queue_.events_processed(); }
  // A response cache in front of the router (null: none): a hit is answered at the cache's
  // latency and never reaches a replica.
  void set_response_cache(ResponseCache* cache) { cache_ = cache; }

 private:
  // The loop and the two handlers an elastic fleet changes, compiled once for each kind of fleet.
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
  Fleet* fleet_ = nullptr;    // the elastic fleet, or null for a fixed one
  bool arrivals_done_ = false;
};

}  // namespace kvsim
