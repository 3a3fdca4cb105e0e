// The elastic fleet's configuration (scenario `cluster.autoscaling`, `cluster.spot`,
// `cluster.cold_start`, `cluster.max_queue_wait_s`; docs/fleet.md "Elastic fleet") and the
// autoscaling policy: from what the fleet looks like at an evaluation, how many replicas it
// should hold. The fleet itself (replicas that come and go, spot interruptions, cost by price
// class) is sim/run/fleet.h.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/json_reader.h"
#include "core/time.h"

namespace kvsim {

enum class ScalePolicy { kNone, kConcurrency, kQueueLength, kKvUtilization, kSchedule };

struct ScheduleEntry {
  double at_s = 0;
  uint32_t replicas = 0;
};

struct AutoscalingConfig {
  ScalePolicy policy = ScalePolicy::kNone;
  // concurrency: requests (running + waiting, the router's queue included) per replica;
  // queue_length: waiting requests per replica; kv_utilization: the used share of the KV blocks.
  double target = 0;
  double tolerance = 0.1;  // no change while |metric / target - 1| <= tolerance (Kubernetes HPA's 10 %)
  uint32_t min_replicas = 1, max_replicas = 1;
  double evaluation_interval_s = 15;
  double cooldown_s = 60;  // no scaling decision within this long of the last one
  std::vector<ScheduleEntry> schedule;  // policy "schedule": replica count from each at_s on
};

struct SpotConfig {
  bool enabled = false;
  double usd_per_gpu_hour = 0;
  double interruptions_per_hour = 0;  // Poisson rate per spot replica
  double notice_s = 30;               // from the interruption notice to the replica going away
  double fraction = 1;                // share of the fleet bought as spot (the rest on-demand)
  double availability = 1;            // probability that a spot request is granted
  bool fallback_on_demand = true;     // a refused spot request buys on-demand instead
};

struct FleetConfig {
  AutoscalingConfig autoscaling;
  SpotConfig spot;
  double provisioning_s = 0;       // from asking for a replica to its machine being up
  double weight_load_gbps = 0;     // storage bandwidth per GPU for the weights, Gbit/s (0: instant)
  double weight_bytes_per_gpu = 0; // from the memory plan
  double max_queue_wait_s = INFINITY;  // a request the router cannot place this long is dropped
  double usd_per_gpu_hour = 0;     // on-demand price (the scenario's cost.usd_per_gpu_hour)
  uint32_t gpus_per_replica = 1;

  bool elastic() const { return autoscaling.policy != ScalePolicy::kNone || spot.enabled; }
  // Seconds from asking for a replica to it taking requests: provisioning + weight load.
  double cold_start_s() const {
    const double load = weight_load_gbps > 0 ? weight_bytes_per_gpu * 8 / (weight_load_gbps * 1e9) : 0;
    return provisioning_s + load;
  }
};

// Reads the fleet's fields of the scenario's "cluster" object; problems go to the reader's
// errors with their JSON pointers. `has_replicas` says whether cluster.replicas was given, and
// `replicas` is its value: the initial fleet (must lie within min..max; absent: min).
FleetConfig parse_fleet(JsonReader& cluster, bool has_replicas, uint32_t& replicas);
const char* scale_policy_name(ScalePolicy p);
// The values parse_fleet accepts (the GUI's form offers them): /cluster/autoscaling/policy (the
// first is the default) and /cluster/spot/fallback (likewise).
const std::vector<std::string>& scale_policy_names();
const std::vector<std::string>& spot_fallback_names();

// What the autoscaler sees at an evaluation.
struct FleetObservation {
  SimTime now = 0;
  uint32_t ready = 0;      // replicas taking requests
  uint32_t committed = 0;  // ready + provisioning: what the fleet will have without a decision
  uint64_t running = 0;
  uint64_t waiting = 0;    // in the replicas' queues and the router's
  double kv_utilization = 0;  // mean over the ready replicas
};

class Autoscaler {
 public:
  explicit Autoscaler(const AutoscalingConfig& config) : c_(config) {}
  // The replica count the policy asks for, clamped to min..max (ignores the cool-down).
  uint32_t desired(const FleetObservation& o) const;
  // The change to make now: replicas to add (> 0) or to drain (< 0); 0 within the cool-down of
  // the last decision or when the policy asks for what is committed. A non-zero answer is a decision.
  int64_t decide(const FleetObservation& o);
  SimTime last_decision() const { return last_; }
  // Whether a schedule still has an entry after `now` asking for replicas.
  bool scheduled_later(SimTime now) const;

 private:
  AutoscalingConfig c_;
  SimTime last_ = -1;
};

}  // namespace kvsim
