// Link: a data path of a replica that KV transfers share (PCIe to host memory, the NVMe
// drive, the NIC). Each direction carries one transfer at a time, first come first served, so a
// transfer submitted to a busy link waits for the ones before it; its data then moves at the
// tier's bandwidth, and the tier's latency is added to its completion without occupying the
// link (requests in flight overlap their latencies). Completion times are known when a transfer
// is submitted, so the event loop schedules one event per transfer.
#pragma once
#include <algorithm>
#include <string>

#include "core/time.h"

namespace kvsim {

enum class LinkDirection { kToGpu = 0, kFromGpu = 1 };

class Link {
 public:
  explicit Link(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }

  // When a transfer of `bytes` at `bytes_per_s` submitted at `now` would complete.
  SimTime estimate(SimTime now, double bytes, double bytes_per_s, double latency_s, LinkDirection d) const {
    const SimTime start = std::max(now, free_at_[index(d)]);
    return start + duration(bytes, bytes_per_s) + from_seconds(latency_s);
  }
  // Submits the transfer; returns its completion time.
  SimTime submit(SimTime now, double bytes, double bytes_per_s, double latency_s, LinkDirection d) {
    const int i = index(d);
    const SimTime start = std::max(now, free_at_[i]);
    const SimTime busy = duration(bytes, bytes_per_s);
    waited_ns_[i] += start - now;
    busy_ns_[i] += busy;
    bytes_[i] += bytes;
    ++transfers_[i];
    free_at_[i] = start + busy;
    return start + busy + from_seconds(latency_s);
  }

  SimTime free_at(LinkDirection d) const { return free_at_[index(d)]; }
  double busy_seconds(LinkDirection d) const { return to_seconds(busy_ns_[index(d)]); }
  double waited_seconds(LinkDirection d) const { return to_seconds(waited_ns_[index(d)]); }
  double bytes(LinkDirection d) const { return bytes_[index(d)]; }
  uint64_t transfers(LinkDirection d) const { return transfers_[index(d)]; }

 private:
  static int index(LinkDirection d) { return static_cast<int>(d); }
  static SimTime duration(double bytes, double bytes_per_s) {
    return std::max<SimTime>(1, from_seconds(bytes / bytes_per_s));
  }
  std::string name_;
  SimTime free_at_[2] = {0, 0};
  SimTime busy_ns_[2] = {0, 0};
  SimTime waited_ns_[2] = {0, 0};
  double bytes_[2] = {0, 0};
  uint64_t transfers_[2] = {0, 0};
};

}  // namespace kvsim
