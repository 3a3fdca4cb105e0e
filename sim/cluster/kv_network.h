// The interconnect disaggregated serving moves KV over (docs/fleet.md, "Prefill/decode
// disaggregation"): a flow-level network model. Every replica has a link (its GPUs' NICs or
// NVLink ports: per-GPU bandwidth x GPUs per replica); an optional fabric link is crossed by
// every flow (an oversubscribed spine; none = non-blocking). A transfer is a flow of bytes from a
// prefill replica's link to a decode replica's link; concurrent flows share the links they cross
// max-min fairly (progressive filling: every flow gets the same rate until a link it crosses is
// full, as RDMA and TCP flows converge to), rates recomputed whenever a flow starts or ends. A
// flow's bytes done, the transfer completes `latency` later (setup and the completion notice).
//
// Time is integer nanoseconds (core/time.h); bytes are doubles. Deterministic: flows are kept
// and visited in the order they started.
#pragma once
#include <cstdint>
#include <vector>

#include "core/time.h"

namespace kvsim {

class KvNetwork {
 public:
  static constexpr uint32_t kNoLink = UINT32_MAX;
  // A link of `bytes_per_s` (> 0); returns its index.
  uint32_t add_link(double bytes_per_s);
  // Every flow crosses this link too (call once, before any flow).
  void set_fabric(uint32_t link) { fabric_ = link; }
  // Starts moving `bytes` (>= 0) from link `src` to link `dst` at `now` (after advance(now)).
  // Returns the flow's id (ids count up from 0).
  uint64_t start(uint32_t src, uint32_t dst, double bytes, SimTime now);
  // Moves every flow on to `now`; flows whose bytes are done are appended to `done` (ids) and
  // leave the network. Call with non-decreasing times.
  void advance(SimTime now, std::vector<uint64_t>& done);
  // When the next flow's bytes will be done at the current rates (kNever: no flow).
  SimTime next_done() const;
  size_t flows_in_flight() const { return flows_.size(); }
  // What the links carried so far (bytes), and the seconds each carried anything.
  double carried_bytes(uint32_t link) const { return links_[link].carried; }
  double busy_seconds(uint32_t link) const { return links_[link].busy_s; }
  double capacity(uint32_t link) const { return links_[link].capacity; }
  size_t num_links() const { return links_.size(); }

 private:
  struct Link {
    double capacity = 0;  // bytes/s
    double carried = 0;
    double busy_s = 0;
    // scratch of assign_rates
    double left = 0;
    uint32_t unfrozen = 0;
  };
  struct Flow {
    uint64_t id = 0;
    uint32_t src = 0, dst = 0;
    double remaining = 0;  // bytes
    double rate = 0;       // bytes/s
  };
  void assign_rates();

  std::vector<Link> links_;
  std::vector<Flow> flows_;
  std::vector<uint8_t> frozen_;  // scratch of assign_rates
  uint32_t fabric_ = kNoLink;
  uint64_t next_id_ = 0;
  SimTime last_ = 0;
};

}  // namespace kvsim
