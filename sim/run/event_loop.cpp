#include "run/event_loop.h"

#include <algorithm>

#include "cluster/response_cache.h"
#include "cluster/router.h"
#include "engine/replica.h"
#include "metrics/metrics.h"

namespace kvsim {

namespace {

// Between events nothing changes, so after a sample that followed no event (`quiet`) every row
// repeats it but for its time. A quiet stretch longer than kQuietRows intervals is written as its
// first row and the last one before the next event; the rows between are only counted. Idle time
// then costs nothing, whatever the gap between two requests.
constexpr SimTime kQuietRows = 1000;

}  // namespace

EventLoop::EventLoop(const Scenario& scenario, RequestSource& source, std::vector<std::unique_ptr<Replica>>& replicas,
                     Router& router, MetricsCollector& metrics, RequestPool& pool, Cancellation cancel,
                     ProgressReporter& progress, ClusterControl* cluster)
    : sc_(scenario),
      source_(source),
      replicas_(replicas),
      router_(router),
      metrics_(metrics),
      pool_(pool),
      cancel_(cancel),
      progress_(progress),
      sample_interval_(std::max<SimTime>(1, from_seconds(scenario.timeseries_interval_s))),
      cluster_(cluster) {
  if (cluster_) cluster_->set_kick([this](Replica& rep, SimTime now) { kick(rep, now); });
}

SimTime EventLoop::engine_arrival(const RequestSpec& r) const {
  return r.arrival + from_seconds(sc_.engine.arrival_delay_s(r.prompt_tokens));
}

void EventLoop::run() {
  read_first_request(source_, next_);
  queue_.schedule(engine_arrival(next_), SimEvent::kArrival);
  queue_.schedule(0, SimEvent::kSample);
  if (cluster_) {
    cluster_->attach(queue_);
    loop<true>();
  } else {
    loop<false>();  // a fixed fleet: the loop as it was, with no test for a cluster
  }
}

template <bool kElastic>
void EventLoop::loop() {
  uint64_t since_check = 0;
  while (!queue_.empty()) {
    const Event<SimEvent> ev = queue_.pop();
    const SimTime now = ev.time;
    switch (ev.kind) {
      case SimEvent::kArrival:
        on_arrival<kElastic>(now);
        break;
      case SimEvent::kStepEnd:
        if constexpr (kElastic)
          if (cluster_->gone(ev.index)) break;  // a step the replica's departure abandoned
        on_step_end<kElastic>(*replicas_[ev.index], now);
        break;
      case SimEvent::kTransferDone:
        on_transfer_done(*replicas_[ev.index], ev.payload, now);
        break;
      case SimEvent::kSample:
        on_sample(now);
        break;
      default:
        if constexpr (kElastic)
          cluster_->on_event(ev, now, !arrivals_done_ || metrics_.arrived() > metrics_.completed() + metrics_.dropped(),
                           arrivals_done_);
        break;
    }
    quiet_ = ev.kind == SimEvent::kSample;
    if (++since_check >= kCheckEvery) {
      since_check = 0;
      cancel_.check();
      progress_.maybe_report(now, metrics_.arrived(), metrics_.completed() + metrics_.dropped());
    }
  }
}

template <bool kElastic>
void EventLoop::on_arrival(SimTime now) {
  metrics_.on_arrival(next_.arrival);
  Request* req = pool_.acquire(next_);
  // The cache sits in front of the frontend: looked up as the request arrives, answered after its latency.
  if (const CacheHit hit = cache_ ? cache_->lookup(next_, next_.arrival) : CacheHit::kMiss; hit != CacheHit::kMiss) {
    metrics_.on_cache_hit(*req, next_.arrival + cache_->latency(hit), hit == CacheHit::kExact ? "exact" : "semantic");
    pool_.release(req);
  } else if constexpr (kElastic) {
    cluster_->route(req, now);
  } else {
    Replica& rep = *replicas_[router_.route(*req, replicas_, now)];
    rep.add_request(req);
    kick(rep, now);
  }
  if (source_.next(next_)) queue_.schedule(std::max(engine_arrival(next_), now), SimEvent::kArrival);
  else arrivals_done_ = true;
  last_activity_ = now;
}

template <bool kElastic>
void EventLoop::on_step_end(Replica& rep, SimTime now) {
  rep.end_step(now);
  kick(rep, now);
  if constexpr (kElastic) cluster_->after_step(rep, now);
  last_activity_ = now;
}

void EventLoop::on_transfer_done(Replica& rep, uint64_t token, SimTime now) {
  rep.on_transfer_done(token, now);
  kick(rep, now);
}

void EventLoop::on_sample(SimTime now) {
  metrics_.sample(now, replicas_);
  if (!queue_.empty()) queue_.schedule(next_sample_time(now), SimEvent::kSample);
}

void EventLoop::kick(Replica& rep, SimTime now) {
  if (!rep.busy()) {
    const SimTime end = rep.begin_step(now);
    if (end != kNever) queue_.schedule(end, SimEvent::kStepEnd, rep.id());
  }
  // KV transfers the replica started complete at known times: wake it then.
  std::vector<Wakeup>* w = rep.wakeups();
  if (w == nullptr || w->empty()) return;
  for (const Wakeup& x : *w) queue_.schedule(x.time, SimEvent::kTransferDone, rep.id(), x.token);
  w->clear();
}

SimTime EventLoop::next_sample_time(SimTime now) {
  const SimTime gap = queue_.top().time - now;
  if (!quiet_ || gap / sample_interval_ <= kQuietRows) return now + sample_interval_;
  const SimTime intervals = (gap - 1) / sample_interval_;  // the last sample strictly before the event
  metrics_.count_repeated_rows(static_cast<uint64_t>(intervals - 1));
  return now + intervals * sample_interval_;
}

}  // namespace kvsim
