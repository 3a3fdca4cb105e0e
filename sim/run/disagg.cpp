#include "run/disagg.h"

#include <algorithm>
#include <stdexcept>

#include "metrics/csv_writer.h"
#include "metrics/percentiles.h"

namespace kvsim {

DisaggCluster::DisaggCluster(const Scenario& sc, std::vector<std::unique_ptr<Replica>>& replicas, ReplicaObserver& out)
    : sc_(sc), replicas_(replicas), out_(out), prefill_side_(*this, true), decode_side_(*this, false) {
  if (!sc.prefill_pool || !sc.decode_pool || !replicas.empty())
    throw std::logic_error("DisaggCluster needs a validated disaggregated scenario and no replicas yet");
  prefill_.sc = sc.prefill_pool;
  decode_.sc = sc.decode_pool;
  prefill_.count = sc.disagg.prefill.replicas;
  decode_.first = prefill_.count;
  decode_.count = sc.disagg.decode.replicas;
  // Each pool's router draws from its own stream of the seed (power_of_two).
  prefill_.router = make_router(prefill_.sc->router_config, {sc.seed, prefill_.sc->replica.block_size});
  decode_.router = make_router(decode_.sc->router_config, {sc.seed + 1, decode_.sc->replica.block_size});
  ReplicaConfig prefill_config = prefill_.sc->replica;
  prefill_config.scheduler.prefill_only = true;
  for (uint32_t i = 0; i < prefill_.count; ++i)
    replicas.push_back(std::make_unique<Replica>(i, prefill_config, *prefill_.sc->step_model, prefill_side_));
  for (uint32_t i = 0; i < decode_.count; ++i) {
    auto rep = std::make_unique<Replica>(decode_.first + i, decode_.sc->replica, *decode_.sc->step_model, decode_side_);
    rep->set_remote_kv(this);
    rep->set_accepting(false);  // the prefill router's view; the decode router flips it
    replicas.push_back(std::move(rep));
  }
  last_step_start_.assign(prefill_.count, 0);
  last_step_end_.assign(prefill_.count, 0);
  // One link per replica, in replica order (link i is replica i's), then the fabric if any.
  for (Pool* p : {&prefill_, &decode_}) {
    const double bw = link_bytes_per_s(*p->sc);
    for (uint32_t i = 0; i < p->count; ++i) {
      const uint32_t l = net_.add_link(bw);
      if (i == 0) p->link = l;
    }
  }
  const KvLinkConfig& link = sc.disagg.link;
  if (link.fabric_bytes_per_s > 0) net_.set_fabric(net_.add_link(link.fabric_bytes_per_s * link.efficiency));
  bytes_per_token_ = static_cast<double>(prefill_.sc->model.kv_bytes_per_token(prefill_.sc->deployment.kv_dtype));
}

double DisaggCluster::link_bytes_per_s(const Scenario& pool) const {
  const KvLinkConfig& link = sc_.disagg.link;
  double bw = link.replica_bytes_per_s;
  if (bw <= 0) {
    const double per_gpu = link.gpu_bytes_per_s > 0 ? link.gpu_bytes_per_s : pool.gpu.nvlink_bytes_per_s;
    bw = per_gpu * pool.gpus_per_replica();
  }
  return bw * link.efficiency;
}

void DisaggCluster::route(Request* req, SimTime now) {
  // The prefill replica makes the first token only; the answer's length waits aside.
  req->held_output_tokens = req->spec.output_tokens;
  req->spec.output_tokens = 1;
  Replica& rep = *replicas_[prefill_.router->route(*req, replicas_, now)];
  rep.add_request(req);
  kick_(rep, now);
}

void DisaggCluster::Side::on_step(uint32_t replica, const SchedulerOutput& out, SimTime start, SimTime end) {
  c_.out_.on_step(replica, out, start, end);
  c_.pool_of(replica).busy_s += to_seconds(end - start);
  if (prefill_) {
    c_.last_step_start_[replica] = start;
    c_.last_step_end_[replica] = end;
  }
}

void DisaggCluster::Side::on_finished(Request& req) {
  if (prefill_) {
    c_.prefill_done(req);
    return;
  }
  const auto it = c_.handoffs_.find(&req);
  if (it != c_.handoffs_.end() && c_.sc_.disagg.first_token == FirstTokenFrom::kDecode && it->second.arrived >= 0)
    c_.first_decode_s_.push_back(to_seconds(req.first_token - it->second.arrived));
  c_.out_.on_finished(req);  // (writes its requests.csv row, with the handoff's columns)
  if (it != c_.handoffs_.end()) c_.handoffs_.erase(it);
}

void DisaggCluster::Side::on_dropped(Request& req, const char* reason) {
  if (prefill_) req.spec.output_tokens = req.held_output_tokens;  // dropped requests keep their length
  // A decode replica refuses a request when it is added (longer than its max_model_len or
  // KV capacity), always within the prefill replica's step end: that replica is kicked after.
  const auto it = prefill_ ? c_.handoffs_.end() : c_.handoffs_.find(&req);
  if (it != c_.handoffs_.end()) c_.release_prefill_kv(req, it->second.prefill_replica, it->second.prefill_end, false);
  c_.out_.on_dropped(req, reason);
  if (it != c_.handoffs_.end()) c_.handoffs_.erase(it);
}

void DisaggCluster::release_prefill_kv(const Request& req, uint32_t prefill_replica, SimTime now, bool kick) {
  Replica& rep = *replicas_[prefill_replica];
  rep.release_held_kv(req, now);
  if (kick) kick_(rep, now);
}

// Within the prefill replica's step end (Replica::end_step): that replica is not kicked here.
void DisaggCluster::prefill_done(Request& req) {
  const SimTime now = req.finished;
  const uint32_t p = req.replica;
  req.spec.output_tokens = req.held_output_tokens;
  prefill_queue_s_.push_back(to_seconds(req.first_scheduled - req.spec.arrival));
  prefill_s_.push_back(to_seconds(now - req.first_scheduled));
  const bool decode_first = sc_.disagg.first_token == FirstTokenFrom::kDecode;
  if (!decode_first && req.spec.output_tokens <= 1) {  // the prefill's token was the whole answer
    release_prefill_kv(req, p, now, false);
    ++finished_at_prefill_;
    out_.on_finished(req);
    return;
  }
  const uint32_t prompt = req.spec.prompt_tokens;
  Handoff h{p, now, 0};
  if (sc_.disagg.link.layerwise) {
    // Layer l's KV can leave once layer l of the last prefill step is done: all but the last
    // layer's overlap that step, as far as the replica's link alone could carry them in it.
    const double full = prompt * bytes_per_token_;
    const double layers = std::max<uint32_t>(1, prefill_.sc->model.num_layers);
    const double step_s = to_seconds(last_step_end_[p] - last_step_start_[p]);
    const double sent = std::min(full * (layers - 1) / layers, step_s * net_.capacity(prefill_.link + p));
    h.overlap_fraction = full > 0 ? sent / full : 0;
  }
  if (decode_first) {  // the decode replica samples the first token (the prefill's is dropped)
    req.num_output_tokens = 0;
    req.first_token = -1;
  }
  req.finished = -1;
  req.num_computed_tokens = 0;
  req.status = RequestStatus::kWaiting;
  req.remote_kv_tokens = decode_first ? prompt - 1 : prompt;
  if (req.remote_kv_tokens == 0) release_prefill_kv(req, p, now, false);  // a one-token prompt: nothing to move
  else handoffs_[&req] = h;
  // The decode router sees only the decode pool.
  for (uint32_t i = 0; i < replicas_.size(); ++i) replicas_[i]->set_accepting(i >= decode_.first);
  const uint32_t d = decode_.router->route(req, replicas_, now);
  for (uint32_t i = 0; i < replicas_.size(); ++i) replicas_[i]->set_accepting(i < decode_.first);
  Replica& rep = *replicas_[d];
  rep.add_request(&req);
  kick_(rep, now);
}

uint64_t DisaggCluster::start_pull(const Request& req, uint32_t tokens, SimTime now) {
  const auto it = handoffs_.find(&req);
  if (it == handoffs_.end()) throw std::logic_error("a decode replica pulls KV no prefill replica holds");
  Handoff& h = it->second;
  h.pull_start = now;
  const double bytes = tokens * bytes_per_token_ * (1 - h.overlap_fraction);
  net_.advance(now, done_);
  flows_done(now);
  const uint64_t id = net_.start(prefill_.link + h.prefill_replica, prefill_.link + req.replica, bytes, now);
  transfers_.emplace(id, Transfer{&req, h.prefill_replica, req.replica, now, bytes});
  bytes_sent_ += bytes;
  ++transfers_started_;
  decode_queue_s_.push_back(to_seconds(now - h.prefill_end));
  reschedule_flows(now);
  return id;
}

void DisaggCluster::flows_done(SimTime now) {
  const SimTime latency = from_seconds(sc_.disagg.link.latency_s);
  for (const uint64_t id : done_) queue_->schedule(now + latency, SimEvent::kKvArrive, 0, id);
  done_.clear();
}

void DisaggCluster::reschedule_flows(SimTime now) {
  const SimTime next = net_.next_done();
  if (next == kNever) return;
  queue_->schedule(std::max(next, now), SimEvent::kKvFlow, 0, ++flow_generation_);
}

void DisaggCluster::on_event(const Event<SimEvent>& ev, SimTime now, bool /*work_left*/, bool /*arrivals_done*/) {
  if (ev.kind == SimEvent::kKvFlow) {
    if (ev.payload != flow_generation_) return;  // the rates changed since it was scheduled
    net_.advance(now, done_);
    flows_done(now);
    reschedule_flows(now);
  } else if (ev.kind == SimEvent::kKvArrive) {
    const auto it = transfers_.find(ev.payload);
    if (it == transfers_.end()) throw std::logic_error("a KV transfer arrived that was never started");
    const Transfer t = it->second;
    transfers_.erase(it);
    bytes_received_ += t.bytes;
    ++transfers_done_;
    transfer_s_.push_back(to_seconds(now - t.start));
    if (const auto h = handoffs_.find(t.req); h != handoffs_.end()) h->second.arrived = now;
    Replica& dst = *replicas_[t.dst];
    dst.on_remote_kv_done(ev.payload);
    release_prefill_kv(*t.req, t.src, now, true);
    kick_(dst, now);
  }
}

std::string DisaggCluster::request_header() const { return "prefill_replica,prefill_end_s,kv_pull_s,kv_arrived_s"; }

void DisaggCluster::write_request(CsvWriter& csv, const Request& req) {
  const auto it = handoffs_.find(&req);
  if (it == handoffs_.end()) {  // ended at the prefill pool, or dropped before it
    csv.s("").s("").s("").s("");
    return;
  }
  const Handoff& h = it->second;
  csv.u(h.prefill_replica).seconds(h.prefill_end).seconds(h.pull_start).seconds(h.arrived);
}

std::string DisaggCluster::header() const {
  return "prefill_waiting,prefill_running,prefill_kv_held,decode_waiting,decode_running,decode_pulling,"
         "kv_transfers_in_flight,kv_gb_sent";
}

void DisaggCluster::write(CsvWriter& csv, SimTime /*now*/) {
  for (Pool* p : {&prefill_, &decode_}) {
    uint64_t waiting = 0, running = 0, third = 0;
    double used = 0;
    for (uint32_t i = p->first; i < p->first + p->count; ++i) {
      const Replica& r = *replicas_[i];
      waiting += r.num_waiting();
      running += r.num_running();
      third += p == &prefill_ ? r.num_held_kv() : r.num_loading();
      const KvUsage u = r.kv_usage();
      used += u.blocks_total ? static_cast<double>(u.blocks_used) / u.blocks_total : 0;
    }
    p->waiting_sum += static_cast<double>(waiting);
    p->peak_waiting = std::max(p->peak_waiting, waiting);
    p->kv_used_sum += used / p->count;
    csv.u(waiting).u(running).u(third);
  }
  ++rows_;
  csv.u(transfers_.size()).f(bytes_sent_ / 1e9);
}

uint32_t DisaggCluster::num_gpus() const {
  return prefill_.count * prefill_.sc->gpus_per_replica() + decode_.count * decode_.sc->gpus_per_replica();
}

double DisaggCluster::usd_per_hour() const {
  double usd = 0;
  for (const Pool* p : {&prefill_, &decode_}) usd += p->count * p->sc->gpus_per_replica() * p->sc->usd_per_gpu_hour;
  return usd;
}

double DisaggCluster::busy_gpu_hours() const {
  return (prefill_.busy_s * prefill_.sc->gpus_per_replica() + decode_.busy_s * decode_.sc->gpus_per_replica()) / 3600.0;
}

nlohmann::json DisaggCluster::summary(double seconds) const {
  const auto dist = [](std::vector<double> v) { return summarize(v).to_json(); };
  const auto pool_json = [&](const Pool& p) {
    const Scenario& s = *p.sc;
    double carried = 0;
    uint64_t hit = 0, query = 0;
    for (uint32_t i = p.first; i < p.first + p.count; ++i) {
      carried += net_.carried_bytes(i);
      hit += replicas_[i]->prefix_stats().hit_tokens;
      query += replicas_[i]->prefix_stats().query_tokens;
    }
    const double span = seconds * p.count;
    const double rows = rows_ ? static_cast<double>(rows_) : 1.0;
    return nlohmann::json{
        {"replicas", p.count},
        {"gpu", s.gpu.name},
        {"tensor_parallel", s.deployment.tensor_parallel},
        {"pipeline_parallel", s.deployment.pipeline_parallel},
        {"gpus", p.count * s.gpus_per_replica()},
        {"usd_per_gpu_hour", s.usd_per_gpu_hour},
        {"usd_per_hour", p.count * s.gpus_per_replica() * s.usd_per_gpu_hour},
        {"num_gpu_blocks_per_replica", s.replica.num_gpu_blocks},
        {"busy_fraction", span > 0 ? p.busy_s / span : 0.0},
        {"mean_waiting", p.waiting_sum / rows},
        {"peak_waiting", p.peak_waiting},
        {"kv_used_fraction_mean", p.kv_used_sum / rows},
        {"prefix_hit_rate", query ? static_cast<double>(hit) / static_cast<double>(query) : 0.0},
        {"link_gb_per_s", net_.capacity(p.link) / 1e9},
        {"link_utilization", span > 0 ? carried / (net_.capacity(p.link) * span) : 0.0},
    };
  };
  const KvLinkConfig& link = sc_.disagg.link;
  const bool decode_first = sc_.disagg.first_token == FirstTokenFrom::kDecode;
  nlohmann::json split = {{"prefill_queue", dist(prefill_queue_s_)}, {"prefill", dist(prefill_s_)},
                          {"decode_queue", dist(decode_queue_s_)},   {"transfer", dist(transfer_s_)}};
  if (decode_first) split["first_decode_step"] = dist(first_decode_s_);
  return nlohmann::json{
      {"first_token", decode_first ? "decode" : "prefill"},
      {"ttft_includes", decode_first ? nlohmann::json{"prefill_queue", "prefill", "decode_queue", "transfer", "first_decode_step"}
                                     : nlohmann::json{"prefill_queue", "prefill"}},
      {"pools", {{"prefill", pool_json(prefill_)}, {"decode", pool_json(decode_)}}},
      {"kv_transfer",
       {{"link", link.link},
        {"latency_us", link.latency_s * 1e6},
        {"efficiency", link.efficiency},
        {"fabric_gb_per_s", link.fabric_bytes_per_s / 1e9},
        {"overlap", link.layerwise ? "layerwise" : "none"},
        {"kv_bytes_per_token", bytes_per_token_},
        {"transfers_started", transfers_started_},
        {"transfers_completed", transfers_done_},
        {"bytes_sent", bytes_sent_},
        {"bytes_received", bytes_received_},
        {"time_s", dist(transfer_s_)}}},
      {"stage_s", split},
      {"finished_at_prefill", finished_at_prefill_},
  };
}

}  // namespace kvsim
