// The planner's autoscaling axis (`candidates.autoscaling`, docs/plan.md): an autoscaled fleet
// as a candidate beside fixed fleets. Its searched count is the autoscaler's max_replicas (the
// least maximum that meets every SLO on every seed), and its cost is what the elastic fleet
// actually paid over the run (replica-hours by price class, as summary.json's cost and fleet
// sections give them), per hour of the run and per million tokens within SLO, so that a fixed
// fleet sized for the peak and an autoscaled one compare at equal work.
//
// The base scenario holds no autoscaler while the plan runs: its own /cluster/autoscaling becomes
// the axis' single entry when the plan lists none, and the cluster fields that only an elastic
// fleet takes move aside (PlanSpec::elastic_fields) so that the fixed candidates stay valid
// scenarios; the autoscaled candidates write them back.
#include <algorithm>
#include <cmath>

#include "cluster/autoscaler.h"
#include "core/json_reader.h"
#include "plan/plan_internal.h"
#include "plan/planner.h"

namespace kvsim {

namespace {

// The cluster fields an elastic fleet takes and a fixed one refuses (without spot capacity).
const char* const kElasticOnlyFields[] = {"cold_start", "max_queue_wait_s"};

double number_in(const nlohmann::json& j, const char* key, double def) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : def;
}

// The lowest max_replicas the autoscaler accepts: its min_replicas, and every schedule entry.
uint32_t autoscaler_floor(const nlohmann::json& a) {
  double floor = std::max(1.0, number_in(a, "min_replicas", 1));
  if (a.contains("schedule") && a["schedule"].is_array())
    for (const nlohmann::json& e : a["schedule"]) floor = std::max(floor, number_in(e, "replicas", 0));
  return static_cast<uint32_t>(std::min(floor, 1e9));
}

// Checks one entry as /cluster/autoscaling would take it (with the plan's top as max_replicas),
// reporting at `at` instead of /cluster/autoscaling.
void check_autoscaler(const nlohmann::json& a, const std::string& at, const PlanSpec& spec, bool from_base, ErrorList& errors) {
  if (a.contains("max_replicas") && !from_base)
    errors.add(json_pointer_child(at, "max_replicas"),
               "the planner searches the autoscaler's max_replicas (within /replicas): leave it out");
  const uint32_t floor = autoscaler_floor(a);
  if (floor > spec.max_replicas)
    errors.add(at, "the autoscaler needs at least " + std::to_string(floor) + " replicas (min_replicas or a schedule entry), "
                   "above the plan's /replicas/max (" + std::to_string(spec.max_replicas) + ")");
  nlohmann::json cluster = {{"autoscaling", a}};
  cluster["autoscaling"]["max_replicas"] = std::max(spec.max_replicas, floor);
  ErrorList local;
  JsonReader c(cluster, "", local);
  uint32_t replicas = 1;
  parse_fleet(c, false, replicas);
  for (const std::string& e : local.errors()) {  // "/autoscaling/target: ..." -> "AT/target: ..."
    const std::string prefix = "/autoscaling";
    const size_t colon = e.find(": ");
    const std::string pointer = e.substr(0, colon), message = colon == std::string::npos ? e : e.substr(colon + 2);
    errors.add(pointer.rfind(prefix, 0) == 0 ? at + pointer.substr(prefix.size()) : at, message);
  }
}

// " autoscaled concurrency=32 min=1": what tells the axis' candidates apart in a label.
std::string autoscaler_label(const nlohmann::json& a) {
  if (!a.is_object()) return " fixed";
  const std::string policy = a.contains("policy") && a["policy"].is_string() ? a["policy"].get<std::string>() : "concurrency";
  std::string text = " autoscaled " + policy;
  if (a.contains("target")) text += "=" + plan_number(number_in(a, "target", 0));
  text += " min=" + std::to_string(static_cast<long long>(number_in(a, "min_replicas", 1)));
  return text;
}

}  // namespace

bool PlanSpec::has_autoscaling_axis() const {
  return std::any_of(autoscaling.begin(), autoscaling.end(), [](const nlohmann::json& a) { return a.is_object(); });
}

void read_autoscaling_axis(const nlohmann::json& list, const std::string& at, PlanSpec& spec, bool base_ok, ErrorList& errors) {
  nlohmann::json base_autoscaler;
  if (base_ok && spec.base.contains("cluster") && spec.base["cluster"].is_object() && spec.base["cluster"].contains("autoscaling")) {
    base_autoscaler = spec.base["cluster"]["autoscaling"];
    spec.base["cluster"].erase("autoscaling");
  }
  spec.autoscaling.clear();
  if (list.is_null()) {
    if (base_autoscaler.is_object()) {
      check_autoscaler(base_autoscaler, "/base/cluster/autoscaling", spec, true, errors);
      base_autoscaler.erase("max_replicas");  // the searched value
      spec.autoscaling.push_back(base_autoscaler);
    } else if (!base_autoscaler.is_null()) {
      errors.add("/base/cluster/autoscaling", "expected an autoscaler object, found " + describe_json(base_autoscaler));
    }
  } else if (!list.is_array() || list.empty()) {
    errors.add(at, "expected a non-empty list of autoscalers (objects as /cluster/autoscaling takes, without max_replicas) "
                   "or null for a fixed fleet, found " + describe_json(list));
  } else {
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string where = at + "/" + std::to_string(i);
      if (!list[i].is_null() && !list[i].is_object())
        errors.add(where, "expected an autoscaler object or null (a fixed fleet), found " + describe_json(list[i]));
      else if (std::find(spec.autoscaling.begin(), spec.autoscaling.end(), list[i]) != spec.autoscaling.end())
        errors.add(where, list[i].dump() + " is listed twice");
      else {
        if (list[i].is_object()) check_autoscaler(list[i], where, spec, false, errors);
        spec.autoscaling.push_back(list[i]);
      }
    }
  }
  if (spec.autoscaling.empty()) spec.autoscaling = {nullptr};
  if (!spec.has_autoscaling_axis() || !base_ok || !spec.base.contains("cluster") || !spec.base["cluster"].is_object()) return;
  nlohmann::json& cluster = spec.base["cluster"];
  const bool spot = cluster.contains("spot");  // a spot fleet is elastic anyway: its fields stay
  if (cluster.contains("replicas")) {  // the initial fleet of an autoscaled one; a fixed one's is searched
    spec.elastic_fields["replicas"] = cluster["replicas"];
    cluster.erase("replicas");
  }
  if (!spot)
    for (const char* key : kElasticOnlyFields)
      if (cluster.contains(key)) {
        spec.elastic_fields[key] = cluster[key];
        cluster.erase(key);
      }
}

void write_autoscaling_axis(const PlanSpec& spec, nlohmann::json& plan) {
  if (!spec.has_autoscaling_axis()) return;
  plan["candidates"]["autoscaling"] = spec.autoscaling;
  for (const auto& [key, value] : spec.elastic_fields.items()) plan["base"]["cluster"][key] = value;
}

std::vector<PlanCandidate> expand_autoscaling_axis(const PlanSpec& spec, std::vector<PlanCandidate> candidates) {
  if (!spec.has_autoscaling_axis()) return candidates;
  std::vector<PlanCandidate> out;
  out.reserve(candidates.size() * spec.autoscaling.size());
  for (const PlanCandidate& base : candidates)
    for (const nlohmann::json& a : spec.autoscaling) {
      PlanCandidate c = base;
      c.index = out.size();
      c.label += autoscaler_label(a);
      c.autoscaling = a;
      if (a.is_object()) {
        c.min_replicas = std::max(c.min_replicas, autoscaler_floor(a));
        c.overrides.emplace_back("/cluster/autoscaling", a);
        for (const auto& [key, value] : spec.elastic_fields.items())
          if (key != "replicas") c.overrides.emplace_back("/cluster/" + key, value);
      }
      out.push_back(std::move(c));
    }
  return out;
}

void add_replica_overrides(const PlanSpec& spec, const PlanCandidate& candidate, uint32_t replicas, SweepPoint& point) {
  if (!candidate.autoscaled()) {
    point.overrides.emplace_back("/cluster/replicas", replicas);
    return;
  }
  point.overrides.emplace_back("/cluster/autoscaling/max_replicas", replicas);
  if (spec.elastic_fields.contains("replicas") && spec.elastic_fields["replicas"].is_number()) {  // the initial fleet, within min..max
    const double initial = spec.elastic_fields["replicas"].get<double>();
    const double lo = number_in(candidate.autoscaling, "min_replicas", 1);
    point.overrides.emplace_back("/cluster/replicas", static_cast<int64_t>(std::clamp(initial, lo, static_cast<double>(replicas))));
  }
}

void autoscaled_figures(const std::vector<const RunSummary*>& summaries, PlanCandidateResult& out) {
  if (!out.candidate.autoscaled() || summaries.empty()) return;
  double usd_per_hour = 0, mean_held = 0, peak = 0;
  for (const RunSummary* s : summaries) {
    const double hours = s->simulated_seconds / 3600.0;
    const nlohmann::json& fleet = s->fleet;  // the fleet's report stays JSON in the summary (run/fleet.h)
    const nlohmann::json held = fleet.is_object() ? fleet.value("replica_hours", nlohmann::json::object()) : nlohmann::json::object();
    if (hours > 0) {
      usd_per_hour += s->cost.usd_gpu / hours;
      mean_held += (number_in(held, "on_demand", 0) + number_in(held, "spot", 0)) / hours;
    }
    peak = std::max(peak, number_in(fleet, "peak_replicas_held", 0));
  }
  const double n = static_cast<double>(summaries.size());
  out.usd_per_hour = usd_per_hour / n;
  out.spot_usd_per_hour = -1;  // the fleet's dollars already count what it bought as spot
  out.mean_replicas_held = mean_held / n;
  out.peak_replicas_held = peak;
}

std::string plan_fleet_text(const PlanCandidateResult& r) {
  const std::string plural = r.replicas == 1 ? "" : "s";
  if (!r.candidate.autoscaled()) return std::to_string(r.replicas) + " replica" + plural;
  char held[32];
  std::snprintf(held, sizeof held, "%.2f", r.mean_replicas_held);
  return "up to " + std::to_string(r.replicas) + " replica" + plural + ", " + held + " held on average";
}

}  // namespace kvsim
