// Prefill/decode disaggregation in a run (docs/fleet.md, "Prefill/decode disaggregation";
// configuration in sim/cluster/disaggregation.h). Replicas 0..P-1 are the prefill pool, P..P+D-1
// the decode pool, each built from its pool's scenario. A request's life:
//
//   arrival -> the prefill router picks a prefill replica -> queued, prefilled (the replica's
//   scheduler is prefill_only: the request finishes with its first token and its KV stays
//   held, vLLM's delay_free_blocks) -> the decode router picks a decode replica -> queued there
//   until the decode scheduler admits it with blocks for the prompt (vLLM's
//   WAITING_FOR_REMOTE_KVS) -> the KV flows over the network (cluster/kv_network.h) from the
//   prefill replica's link to the decode replica's -> arrived: the decode replica runs it, the
//   prefill replica frees the held KV -> decoded to the end.
//
// With first_token "decode" (vLLM, llm-d) the prefill's token is dropped: the decode replica pulls
// all but the last prompt token and samples the first token itself. With "prefill" (DistServe,
// Splitwise) the first token counts when prefill ends and the decode replica pulls the whole prompt.
// A pool's router sees only its pool: the other pool's replicas are not accepting() while it routes.
#pragma once
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster/kv_network.h"
#include "cluster/router.h"
#include "engine/replica.h"
#include "metrics/metrics.h"
#include "run/event_loop.h"
#include "scenario/scenario.h"

namespace kvsim {

class DisaggCluster final : public ClusterControl, public RemoteKvSource, public TimeseriesExtra, public RequestExtra {
 public:
  // Makes the pools' replicas into `replicas` (which must be empty). `out` gets every request's
  // end (finished or dropped) and every step, as a fixed fleet's replicas report them.
  DisaggCluster(const Scenario& sc, std::vector<std::unique_ptr<Replica>>& replicas, ReplicaObserver& out);

  // ClusterControl
  void set_kick(Kick kick) override { kick_ = std::move(kick); }
  void attach(EventQueue<SimEvent>& queue) override { queue_ = &queue; }
  void route(Request* req, SimTime now) override;
  void on_event(const Event<SimEvent>& ev, SimTime now, bool work_left, bool arrivals_done) override;

  // RemoteKvSource: a decode replica admitted `req` and pulls `tokens` tokens of its KV.
  uint64_t start_pull(const Request& req, uint32_t tokens, SimTime now) override;

  // TimeseriesExtra: each pool's queue and running requests, held and pulling KV, transfers.
  std::string header() const override;
  void write(CsvWriter& csv, SimTime now) override;

  // RequestExtra: requests.csv's prefill_replica, prefill_end_s, kv_pull_s (the decode replica
  // admitted it and the transfer began), kv_arrived_s (empty for a request that never moved).
  std::string request_header() const override;
  void write_request(CsvWriter& csv, const Request& req) override;

  // summary.json's "disaggregation" at the end of a run of `seconds` simulated seconds.
  nlohmann::json summary(double seconds) const;
  uint32_t num_gpus() const;
  double usd_per_hour() const;
  // GPU-hours the pools' replicas spent in steps.
  double busy_gpu_hours() const;
  double bytes_sent() const { return bytes_sent_; }
  double bytes_received() const { return bytes_received_; }

 private:
  struct Pool {
    std::shared_ptr<const Scenario> sc;
    uint32_t first = 0, count = 0;  // replica ids first .. first + count - 1
    std::unique_ptr<Router> router;
    double busy_s = 0;
    double waiting_sum = 0;  // over the time-series rows written
    uint64_t peak_waiting = 0;
    double kv_used_sum = 0;
    uint32_t link = 0;  // the first replica's link (the others follow in order)
  };
  // The two pools' replica observers.
  class Side final : public ReplicaObserver {
   public:
    Side(DisaggCluster& c, bool prefill) : c_(c), prefill_(prefill) {}
    void on_step(uint32_t replica, const SchedulerOutput& out, SimTime start, SimTime end) override;
    void on_finished(Request& req) override;
    void on_dropped(Request& req, const char* reason) override;

   private:
    DisaggCluster& c_;
    bool prefill_;
  };
  // A request from its prefill's end to its end (or its drop).
  struct Handoff {
    uint32_t prefill_replica = 0;
    SimTime prefill_end = 0;
    double overlap_fraction = 0;  // layerwise: the share of its KV sent during the prefill step
    SimTime pull_start = -1, arrived = -1;
  };
  struct Transfer {
    const Request* req = nullptr;
    uint32_t src = 0, dst = 0;  // replica ids
    SimTime start = 0;
    double bytes = 0;
  };

  void prefill_done(Request& req);
  // Frees the KV the prefill replica held for `req`; `kick`: start its next step (not from within its own step end).
  void release_prefill_kv(const Request& req, uint32_t prefill_replica, SimTime now, bool kick);
  void flows_done(SimTime now);
  void reschedule_flows(SimTime now);
  Pool& pool_of(uint32_t replica) { return replica < decode_.first ? prefill_ : decode_; }
  double link_bytes_per_s(const Scenario& pool) const;

  const Scenario& sc_;
  std::vector<std::unique_ptr<Replica>>& replicas_;
  ReplicaObserver& out_;
  Side prefill_side_, decode_side_;
  Pool prefill_, decode_;
  Kick kick_;
  EventQueue<SimEvent>* queue_ = nullptr;
  KvNetwork net_;
  uint64_t flow_generation_ = 0;
  double bytes_per_token_ = 0;
  std::vector<SimTime> last_step_start_, last_step_end_;  // per prefill replica
  std::unordered_map<const Request*, Handoff> handoffs_;
  std::unordered_map<uint64_t, Transfer> transfers_;     // by flow id, until arrived
  std::vector<uint64_t> done_;                           // scratch
  // Per-request stages (seconds) for the TTFT split.
  std::vector<double> prefill_queue_s_, prefill_s_, decode_queue_s_, transfer_s_, first_decode_s_;
  double bytes_sent_ = 0, bytes_received_ = 0;
  uint64_t transfers_started_ = 0, transfers_done_ = 0, finished_at_prefill_ = 0;
  uint64_t rows_ = 0;
};

}  // namespace kvsim
