#include "run/fleet.h"

#include <algorithm>
#include <cmath>

#include "cluster/router.h"
#include "engine/replica.h"

namespace kvsim {

Fleet::Fleet(const FleetConfig& config, uint64_t seed, std::vector<std::unique_ptr<Replica>>& replicas,
             Router& router, ReplicaObserver& observer, MakeReplica make)
    : c_(config),
      replicas_(replicas),
      router_(router),
      observer_(observer),
      make_(std::move(make)),
      autoscaler_(config.autoscaling),
      market_(config.spot, seed),
      tick_(std::max<SimTime>(1, from_seconds(config.autoscaling.evaluation_interval_s))),
      cold_start_(from_seconds(config.cold_start_s())),
      max_wait_(std::isfinite(config.max_queue_wait_s) ? from_seconds(config.max_queue_wait_s) : kNever) {}

void Fleet::start(uint32_t initial) {
  target_ = initial;
  for (uint32_t i = 0; i < initial; ++i) provision(0, true);
  track_peaks();
}

void Fleet::attach(EventQueue<SimEvent>& queue) {
  queue_ = &queue;
  next_tick_ = tick_;
  queue_->schedule(next_tick_, SimEvent::kFleetTick);
  for (uint32_t i = 0; i < state_.size(); ++i) schedule_notice_if_due(i);
}

uint32_t Fleet::count(ReplicaState s) const {
  uint32_t n = 0;
  for (const FleetReplica& r : state_) n += r.state == s;
  return n;
}

void Fleet::track_peaks() {
  const uint32_t serving = count(ReplicaState::kUp) + count(ReplicaState::kDraining) + count(ReplicaState::kNotice);
  n_.peak_serving = std::max(n_.peak_serving, serving);
  n_.peak_held = std::max(n_.peak_held, serving + count(ReplicaState::kProvisioning));
}

uint32_t Fleet::committed() const {
  uint32_t n = 0;
  for (const FleetReplica& r : state_)
    n += r.state == ReplicaState::kProvisioning || (r.state == ReplicaState::kUp && !r.swap_out);
  return n;
}

// A new replica: spot while the spot share allows and the market grants it, else on-demand (or
// nothing, when a refused spot request has no fallback: retried at the next evaluation).
bool Fleet::provision(SimTime now, bool instant) {
  uint32_t spot = 0;
  for (const FleetReplica& r : state_)
    spot += r.price == PriceClass::kSpot && (r.state == ReplicaState::kProvisioning || r.state == ReplicaState::kUp);
  PriceClass price = market_.wanted_class(spot, committed() + 1);
  if (price == PriceClass::kSpot && !market_.granted()) {
    ++n_.spot_refused;
    if (!market_.config().fallback_on_demand) return false;
    ++n_.spot_fallbacks;
    price = PriceClass::kOnDemand;
  }
  add_replica(now, instant, price);
  return true;
}

uint32_t Fleet::add_replica(SimTime now, bool instant, PriceClass price) {
  FleetReplica r;
  r.price = price;
  r.start = now;
  const auto id = static_cast<uint32_t>(replicas_.size());
  replicas_.push_back(make_(id));
  replicas_.back()->set_accepting(false);
  state_.push_back(r);
  if (!instant) ++n_.replicas_started;
  if (instant || cold_start_ == 0) set_up(id, now);
  else queue_->schedule(now + cold_start_, SimEvent::kReplicaUp, id);
  return id;
}

// After a fallback, on-demand replicas beyond the on-demand share are replaced by spot ones as the
// market grants them (SkyServe's dynamic on-demand fallback switches back the same way): the spot
// replica is provisioned while the on-demand one serves, which then drains.
void Fleet::return_to_spot(SimTime now) {
  const SpotConfig& sc = market_.config();
  if (!sc.enabled || !sc.fallback_on_demand) return;
  for (;;) {
    uint32_t spot = 0;
    int64_t od = -1;
    for (uint32_t i = 0; i < state_.size(); ++i) {
      const FleetReplica& r = state_[i];
      if (r.state != ReplicaState::kProvisioning && r.state != ReplicaState::kUp) continue;
      if (r.price == PriceClass::kSpot) ++spot;
      else if (r.state == ReplicaState::kUp && !r.swap_out) od = i;  // the newest
    }
    if (od < 0 || market_.wanted_class(spot, committed()) != PriceClass::kSpot) return;
    if (!market_.granted()) {
      ++n_.spot_refused;
      return;
    }
    state_[static_cast<size_t>(od)].swap_out = true;
    ++n_.spot_returns;
    const uint32_t id = add_replica(now, false, PriceClass::kSpot);
    if (state_[id].state == ReplicaState::kUp) drain(static_cast<uint32_t>(od), now);  // (no cold start)
    else state_[id].swap_for = od;
  }
}

void Fleet::set_up(uint32_t i, SimTime now) {
  FleetReplica& r = state_[i];
  r.state = ReplicaState::kUp;
  r.up = now;
  replicas_[i]->set_accepting(true);
  ++accepting_;
  if (r.price == PriceClass::kSpot) r.interrupt_at = market_.interruption_after(now);
  if (queue_) {
    schedule_notice_if_due(i);
    dispatch_queue(now);
  }
}

// Interruptions are put in the event queue one evaluation ahead, so a run ends when its work
// does rather than at the last drawn interruption.
void Fleet::schedule_notice_if_due(uint32_t i) {
  FleetReplica& r = state_[i];
  if (r.notice_scheduled || r.interrupt_at == kNever || r.interrupt_at > next_tick_) return;
  r.notice_scheduled = true;
  queue_->schedule(std::max(r.interrupt_at, queue_->now()), SimEvent::kSpotNotice, i);
}

void Fleet::release(uint32_t i, SimTime now) {
  FleetReplica& r = state_[i];
  if (r.state == ReplicaState::kUp) --accepting_;
  r.state = ReplicaState::kReleased;
  r.end = now;
  replicas_[i]->set_accepting(false);
}

void Fleet::route(Request* req, SimTime now) {
  if (accepting_ == 0) {
    if (router_queue_.empty() && max_wait_ != kNever) queue_->schedule(now + max_wait_, SimEvent::kQueueTimeout);
    router_queue_.push_back({req, now});
    ++n_.queued;
    n_.max_queue = std::max<uint64_t>(n_.max_queue, router_queue_.size());
    return;
  }
  Replica& rep = *replicas_[router_.route(*req, replicas_, now)];
  rep.add_request(req);
  kick_(rep, now);
}

void Fleet::dispatch_queue(SimTime now) {
  while (!router_queue_.empty() && accepting_ > 0) {
    Request* req = router_queue_.front().req;
    router_queue_.pop_front();
    route(req, now);
  }
}

FleetObservation Fleet::observe(SimTime now) const {
  FleetObservation o;
  o.now = now;
  double util = 0;
  for (uint32_t i = 0; i < state_.size(); ++i) {
    if (state_[i].state != ReplicaState::kUp) continue;
    ++o.ready;
    const Replica& rep = *replicas_[i];
    o.running += rep.num_running();
    o.waiting += rep.num_waiting();
    const KvUsage u = rep.kv_usage();
    if (u.blocks_total > 0) util += static_cast<double>(u.blocks_used) / static_cast<double>(u.blocks_total);
  }
  o.waiting += router_queue_.size();
  o.committed = committed();
  o.kv_utilization = o.ready ? util / o.ready : 0;
  return o;
}

void Fleet::drain(uint32_t i, SimTime now) {
  FleetReplica& r = state_[i];
  if (r.state == ReplicaState::kUp) --accepting_;
  r.state = ReplicaState::kDraining;
  r.swap_out = false;
  replicas_[i]->set_accepting(false);
  if (!replicas_[i]->busy() && replicas_[i]->outstanding() == 0) release(i, now);
}

bool Fleet::drain_one(SimTime now) {
  // A replica still provisioning goes first (the newest; one taking over from an on-demand
  // replica goes with that replica); then an up one of the class above its share (on-demand when
  // at par), the one with the fewest requests (ties: the newest).
  for (uint32_t i = static_cast<uint32_t>(state_.size()); i-- > 0;)
    if (state_[i].state == ReplicaState::kProvisioning) {
      const int64_t partner = state_[i].swap_for;
      release(i, now);
      if (partner >= 0 && state_[static_cast<size_t>(partner)].state == ReplicaState::kUp)
        drain(static_cast<uint32_t>(partner), now);
      return true;
    }
  uint32_t spot = 0, up = 0;
  for (const FleetReplica& r : state_)
    if (r.state == ReplicaState::kUp && !r.swap_out) {
      ++up;
      spot += r.price == PriceClass::kSpot;
    }
  if (up == 0) return false;
  const bool spot_over = static_cast<double>(spot) > market_.config().fraction * (up - 1) + 1e-9;
  const PriceClass prefer = spot == up || (spot > 0 && spot_over) ? PriceClass::kSpot : PriceClass::kOnDemand;
  int64_t best = -1;
  for (uint32_t i = 0; i < state_.size(); ++i) {
    if (state_[i].state != ReplicaState::kUp || state_[i].swap_out || state_[i].price != prefer) continue;
    if (best < 0 || replicas_[i]->outstanding() <= replicas_[static_cast<uint32_t>(best)]->outstanding()) best = i;
  }
  drain(static_cast<uint32_t>(best), now);
  return true;
}

void Fleet::reconcile(SimTime now) {
  while (committed() < target_ && provision(now, false)) {}
  while (committed() > target_ && drain_one(now)) {}
  track_peaks();
}

void Fleet::after_step(Replica& rep, SimTime now) {
  const uint32_t i = rep.id();
  if (state_[i].state == ReplicaState::kDraining && !rep.busy() && rep.outstanding() == 0) release(i, now);
}

void Fleet::drop_queue(const char* reason) {
  for (const Queued& q : router_queue_) observer_.on_dropped(*q.req, reason);
  n_.dropped_no_replica += router_queue_.size();
  router_queue_.clear();
}

void Fleet::on_event(const Event<SimEvent>& ev, SimTime now, bool work_left, bool arrivals_done) {
  switch (ev.kind) {
    case SimEvent::kFleetTick: {
      if (c_.autoscaling.policy != ScalePolicy::kNone) {
        const int64_t change = autoscaler_.decide(observe(now));
        if (change > 0) ++n_.scale_up_decisions;
        if (change < 0) ++n_.scale_down_decisions;
        target_ = static_cast<uint32_t>(static_cast<int64_t>(committed()) + change);
      }
      if (!work_left) return;  // the run is over: no more evaluations
      reconcile(now);
      return_to_spot(now);
      track_peaks();
      // With every request arrived, no replica held and none coming (spot refused without a
      // fallback, a schedule at zero), the queue would wait forever: it is dropped instead.
      if (arrivals_done && !router_queue_.empty() && count(ReplicaState::kReleased) == state_.size() &&
          !autoscaler_.scheduled_later(now))
        drop_queue("no_replica_after_last_arrival");
      next_tick_ = now + tick_;
      queue_->schedule(next_tick_, SimEvent::kFleetTick);
      for (uint32_t i = 0; i < state_.size(); ++i) schedule_notice_if_due(i);
      return;
    }
    case SimEvent::kReplicaUp:
      if (state_[ev.index].state != ReplicaState::kProvisioning) return;  // cancelled while provisioning
      set_up(ev.index, now);  // (takes the router's queue)
      if (const int64_t od = state_[ev.index].swap_for; od >= 0 && state_[static_cast<size_t>(od)].swap_out)
        drain(static_cast<uint32_t>(od), now);
      track_peaks();
      return;
    case SimEvent::kSpotNotice: {
      FleetReplica& r = state_[ev.index];
      if (r.state != ReplicaState::kUp && r.state != ReplicaState::kDraining) return;
      if (r.state == ReplicaState::kUp) --accepting_;
      r.state = ReplicaState::kNotice;
      r.interrupted = true;
      replicas_[ev.index]->set_accepting(false);
      ++n_.interruptions;
      queue_->schedule(now + market_.notice(), SimEvent::kSpotGone, ev.index);
      if (work_left) reconcile(now);  // a replacement starts now
      return;
    }
    case SimEvent::kSpotGone: {
      moved_.clear();
      n_.tokens_recomputed += replicas_[ev.index]->evict_all(moved_, now);
      release(ev.index, now);
      n_.requests_moved += moved_.size();
      // In arrival order, so that the moved requests queue elsewhere as they came.
      std::sort(moved_.begin(), moved_.end(), [](const Request* a, const Request* b) {
        return a->spec.arrival != b->spec.arrival ? a->spec.arrival < b->spec.arrival : a->spec.id < b->spec.id;
      });
      for (Request* r : moved_) route(r, now);
      return;
    }
    case SimEvent::kQueueTimeout: {
      bool dropped = false;
      while (!router_queue_.empty() && now - router_queue_.front().since >= max_wait_) {
        observer_.on_dropped(*router_queue_.front().req, "no_replica_within_max_queue_wait");
        router_queue_.pop_front();
        ++n_.dropped_max_wait;
        dropped = true;
      }
      if (dropped && !router_queue_.empty())
        queue_->schedule(router_queue_.front().since + max_wait_, SimEvent::kQueueTimeout);
      return;
    }
    default:
      return;
  }
}

double Fleet::replica_hours(PriceClass c, SimTime now) const {
  double s = 0;
  for (const FleetReplica& r : state_)
    if (r.price == c && r.start < now) s += to_seconds(std::min(r.end, now) - r.start);
  return s / 3600.0;
}

double Fleet::usd(PriceClass c, SimTime now) const {
  const double price = c == PriceClass::kSpot ? c_.spot.usd_per_gpu_hour : c_.usd_per_gpu_hour;
  return replica_hours(c, now) * c_.gpus_per_replica * price;
}

double Fleet::gpu_hours(SimTime end) const {
  return (replica_hours(PriceClass::kOnDemand, end) + replica_hours(PriceClass::kSpot, end)) * c_.gpus_per_replica;
}

std::string Fleet::header() const {
  return "replicas_on_demand,replicas_spot,replicas_provisioning,replicas_draining,router_queue,fleet_usd";
}

void Fleet::write(CsvWriter& csv, SimTime now) {
  uint64_t od = 0, spot = 0, prov = 0, draining = 0;
  for (const FleetReplica& r : state_) {
    if (r.state == ReplicaState::kUp) ++(r.price == PriceClass::kSpot ? spot : od);
    prov += r.state == ReplicaState::kProvisioning;
    draining += r.state == ReplicaState::kDraining || r.state == ReplicaState::kNotice;
  }
  csv.u(od).u(spot).u(prov).u(draining).u(router_queue_.size()).f(usd_total(now));
}

nlohmann::json Fleet::summary(SimTime end) const {
  const double duration_h = to_seconds(end) / 3600.0;
  const double od = usd(PriceClass::kOnDemand, end), spot = usd(PriceClass::kSpot, end);
  // The fixed fleet it is compared with: as many on-demand replicas as served at once at the
  // peak, for the whole run.
  const double fixed = n_.peak_serving * duration_h * c_.gpus_per_replica * c_.usd_per_gpu_hour;
  nlohmann::json j;
  j["autoscaling_policy"] = scale_policy_name(c_.autoscaling.policy);
  j["cold_start_s"] = c_.cold_start_s();
  j["replicas_started"] = n_.replicas_started;
  j["scale_up_decisions"] = n_.scale_up_decisions;
  j["scale_down_decisions"] = n_.scale_down_decisions;
  j["peak_replicas_serving"] = n_.peak_serving;
  j["peak_replicas_held"] = n_.peak_held;
  j["replica_hours"] = {{"on_demand", replica_hours(PriceClass::kOnDemand, end)},
                        {"spot", replica_hours(PriceClass::kSpot, end)}};
  j["usd"] = {{"on_demand", od}, {"spot", spot}, {"total", od + spot}};
  j["fixed_peak_fleet"] = {{"replicas", n_.peak_serving}, {"usd", fixed}};
  j["usd_saved_vs_fixed_peak"] = fixed - (od + spot);
  j["spot"] = {{"interruptions", n_.interruptions},
               {"requests_moved", n_.requests_moved},
               {"tokens_recomputed", n_.tokens_recomputed},
               {"requests_refused", n_.spot_refused},
               {"fallbacks_to_on_demand", n_.spot_fallbacks},
               {"returns_to_spot", n_.spot_returns}};
  nlohmann::json reps = nlohmann::json::array();
  for (size_t i = 0; i < state_.size(); ++i) {
    const FleetReplica& r = state_[i];
    const auto when = [](SimTime t) { return t == kNever ? nlohmann::json() : nlohmann::json(to_seconds(t)); };
    reps.push_back({{"id", i}, {"price", price_class_name(r.price)}, {"start_s", to_seconds(r.start)},
                    {"up_s", when(r.up)}, {"end_s", when(r.end)},
                    {"replaces", r.swap_for >= 0 ? nlohmann::json(r.swap_for) : nlohmann::json()},
                    {"interrupted_s", r.interrupted ? nlohmann::json(to_seconds(r.interrupt_at)) : nlohmann::json()}});
  }
  j["replicas"] = std::move(reps);
  j["router_queue"] = {{"requests_queued", n_.queued},
                       {"dropped_after_max_wait", n_.dropped_max_wait},
                       {"dropped_no_replica_after_last_arrival", n_.dropped_no_replica},
                       {"max_length", n_.max_queue}};
  return j;
}

}  // namespace kvsim
