#include "cluster/autoscaler.h"

#include <algorithm>

namespace kvsim {

namespace {

ScalePolicy parse_policy(const std::string& s) {
  if (s == "concurrency") return ScalePolicy::kConcurrency;
  if (s == "queue_length") return ScalePolicy::kQueueLength;
  if (s == "kv_utilization") return ScalePolicy::kKvUtilization;
  return ScalePolicy::kSchedule;
}

void parse_schedule(JsonReader& a, AutoscalingConfig& c) {
  const nlohmann::json& sched = a.raw("schedule");
  const std::string at = a.child("schedule");
  if (!sched.is_array() || sched.empty()) {
    a.errors().add(at, "expected a non-empty array of {\"at_s\", \"replicas\"} with policy \"schedule\", found " +
                           describe_json(sched));
    return;
  }
  for (size_t i = 0; i < sched.size(); ++i) {
    JsonReader e(sched[i], json_pointer_child(at, std::to_string(i)), a.errors());
    ScheduleEntry entry;
    entry.at_s = e.required_number("at_s", 0, kMaxSimSeconds);
    entry.replicas = static_cast<uint32_t>(e.required_integer("replicas", 0, 100000));
    e.reject_unknown_keys();
    if (!c.schedule.empty() && entry.at_s <= c.schedule.back().at_s)
      a.errors().add(e.child("at_s"), "expected a time after the previous entry's " +
                                          std::to_string(c.schedule.back().at_s) + " s, found " +
                                          std::to_string(entry.at_s));
    if (entry.replicas < c.min_replicas || entry.replicas > c.max_replicas)
      a.errors().add(e.child("replicas"), "expected between min_replicas (" + std::to_string(c.min_replicas) +
                                              ") and max_replicas (" + std::to_string(c.max_replicas) + "), found " +
                                              std::to_string(entry.replicas));
    c.schedule.push_back(entry);
  }
}

}  // namespace

const std::vector<std::string>& scale_policy_names() {
  static const std::vector<std::string> names = {"concurrency", "queue_length", "kv_utilization", "schedule"};
  return names;
}

const std::vector<std::string>& spot_fallback_names() {
  static const std::vector<std::string> names = {"on_demand", "none"};
  return names;
}

const char* scale_policy_name(ScalePolicy p) {
  switch (p) {
    case ScalePolicy::kNone: return "none";
    case ScalePolicy::kConcurrency: return "concurrency";
    case ScalePolicy::kQueueLength: return "queue_length";
    case ScalePolicy::kKvUtilization: return "kv_utilization";
    case ScalePolicy::kSchedule: return "schedule";
  }
  return "none";
}

FleetConfig parse_fleet(JsonReader& cluster, bool has_replicas, uint32_t& replicas) {
  FleetConfig f;
  ErrorList& errors = cluster.errors();
  if (cluster.has("autoscaling")) {
    JsonReader a = cluster.object("autoscaling");
    AutoscalingConfig& c = f.autoscaling;
    c.policy = parse_policy(a.choice("policy", scale_policy_names()[0], scale_policy_names()));
    c.min_replicas = static_cast<uint32_t>(a.integer("min_replicas", 1, 0, 100000));
    c.max_replicas = static_cast<uint32_t>(a.required_integer("max_replicas", 1, 100000));
    if (c.max_replicas < c.min_replicas)
      errors.add(a.child("max_replicas"), "expected at least min_replicas (" + std::to_string(c.min_replicas) +
                                              "), found " + std::to_string(c.max_replicas));
    if (c.policy == ScalePolicy::kSchedule) {
      parse_schedule(a, c);
    } else {
      const double max_target = c.policy == ScalePolicy::kKvUtilization ? 1.0 : 1e9;
      c.target = a.required_number("target", 1e-9, max_target);
      c.tolerance = a.number("tolerance", 0.1, 0, 1);
    }
    c.evaluation_interval_s = a.number("evaluation_interval_s", 15, 1e-3, 1e6);
    c.cooldown_s = a.number("cooldown_s", 60, 0, 1e6);
    a.reject_unknown_keys();
    if (!has_replicas) {
      replicas = c.min_replicas;
    } else if (replicas < c.min_replicas || replicas > c.max_replicas) {
      errors.add(cluster.child("replicas"), "expected the initial fleet between /cluster/autoscaling/min_replicas (" +
                                                std::to_string(c.min_replicas) + ") and max_replicas (" +
                                                std::to_string(c.max_replicas) + "), found " + std::to_string(replicas));
    }
  }
  if (cluster.has("spot")) {
    JsonReader s = cluster.object("spot");
    SpotConfig& c = f.spot;
    c.enabled = true;
    c.usd_per_gpu_hour = s.required_number("usd_per_gpu_hour", 0, 1e6);
    c.interruptions_per_hour = s.number("interruptions_per_hour", 0, 0, 3600);
    c.notice_s = s.number("notice_s", 30, 0, 86400);
    c.fraction = s.number("fraction", 1, 0, 1);
    c.availability = s.number("availability", 1, 0, 1);
    c.fallback_on_demand = s.choice("fallback", spot_fallback_names()[0], spot_fallback_names()) == "on_demand";
    s.reject_unknown_keys();
  }
  JsonReader cs = cluster.object("cold_start");
  f.provisioning_s = cs.number("provisioning_s", 0, 0, 86400);
  f.weight_load_gbps = cs.number("weight_load_gbps", 0, 0, 1e6);
  cs.reject_unknown_keys();
  f.max_queue_wait_s = cluster.number_or_inf("max_queue_wait_s", INFINITY, 0);
  if (!f.elastic()) {
    if (cluster.has("cold_start"))
      errors.add(cluster.child("cold_start"), "only used with /cluster/autoscaling or /cluster/spot (neither is set)");
    if (cluster.has("max_queue_wait_s"))
      errors.add(cluster.child("max_queue_wait_s"), "only used with /cluster/autoscaling or /cluster/spot (neither is set)");
  }
  return f;
}

uint32_t Autoscaler::desired(const FleetObservation& o) const {
  double want = o.committed;
  const double demand = static_cast<double>(o.running + o.waiting);
  switch (c_.policy) {
    case ScalePolicy::kNone:
      break;
    case ScalePolicy::kConcurrency:
    case ScalePolicy::kQueueLength: {
      // Knative's and KEDA's rule: enough replicas for the metric's total at the target each.
      const double total = c_.policy == ScalePolicy::kConcurrency ? demand : static_cast<double>(o.waiting);
      const double ratio = o.ready > 0 ? total / (o.ready * c_.target) : INFINITY;
      if (o.ready > 0 && std::abs(ratio - 1) <= c_.tolerance) break;
      want = std::ceil(total / c_.target - 1e-9);
      break;
    }
    case ScalePolicy::kKvUtilization: {
      // Kubernetes HPA's rule on a per-replica average: ceil(ready x metric / target).
      if (o.ready == 0) {
        want = demand > 0 ? 1 : o.committed;
        break;
      }
      const double ratio = o.kv_utilization / c_.target;
      if (std::abs(ratio - 1) <= c_.tolerance) break;
      want = std::ceil(o.ready * ratio - 1e-9);
      break;
    }
    case ScalePolicy::kSchedule: {
      const double t = to_seconds(o.now);
      for (const ScheduleEntry& e : c_.schedule)
        if (e.at_s <= t) want = e.replicas;
      break;
    }
  }
  return static_cast<uint32_t>(std::clamp(want, static_cast<double>(c_.min_replicas),
                                          static_cast<double>(c_.max_replicas)));
}

bool Autoscaler::scheduled_later(SimTime now) const {
  if (c_.policy != ScalePolicy::kSchedule) return false;
  for (const ScheduleEntry& e : c_.schedule)
    if (from_seconds(e.at_s) > now && e.replicas > 0) return true;
  return false;
}

int64_t Autoscaler::decide(const FleetObservation& o) {
  const int64_t change = static_cast<int64_t>(desired(o)) - static_cast<int64_t>(o.committed);
  if (change == 0) return 0;
  if (last_ >= 0 && o.now - last_ < from_seconds(c_.cooldown_s)) return 0;
  last_ = o.now;
  return change;
}

}  // namespace kvsim
