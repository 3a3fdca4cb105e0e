#include "cluster/kv_network.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace kvsim {

uint32_t KvNetwork::add_link(double bytes_per_s) {
  if (!(bytes_per_s > 0) || !std::isfinite(bytes_per_s)) throw std::logic_error("a KV link needs a bandwidth > 0");
  links_.push_back(Link{bytes_per_s});
  return static_cast<uint32_t>(links_.size() - 1);
}

uint64_t KvNetwork::start(uint32_t src, uint32_t dst, double bytes, SimTime now) {
  if (now != last_) throw std::logic_error("KvNetwork::start without advance to its time");
  flows_.push_back(Flow{next_id_, src, dst, std::max(0.0, bytes), 0});
  assign_rates();
  return next_id_++;
}

// Max-min fair rates: the link with the smallest fair share (capacity left / flows not yet
// fixed) fixes every flow through it at that share; repeat until every flow has its rate.
void KvNetwork::assign_rates() {
  for (Link& l : links_) {
    l.left = l.capacity;
    l.unfrozen = 0;
  }
  const auto crossed = [this](const Flow& f, auto&& visit) {
    visit(f.src);
    if (f.dst != f.src) visit(f.dst);
    if (fabric_ != kNoLink && fabric_ != f.src && fabric_ != f.dst) visit(fabric_);
  };
  for (const Flow& f : flows_) crossed(f, [this](uint32_t l) { ++links_[l].unfrozen; });
  frozen_.assign(flows_.size(), 0);
  size_t left = flows_.size();
  while (left > 0) {
    uint32_t bottleneck = kNoLink;
    double share = INFINITY;
    for (uint32_t l = 0; l < links_.size(); ++l) {
      if (links_[l].unfrozen == 0) continue;
      const double s = std::max(0.0, links_[l].left) / links_[l].unfrozen;
      if (s < share) {
        share = s;
        bottleneck = l;
      }
    }
    for (size_t i = 0; i < flows_.size(); ++i) {
      Flow& f = flows_[i];
      if (frozen_[i]) continue;
      bool through = false;
      crossed(f, [&](uint32_t l) { through |= l == bottleneck; });
      if (!through) continue;
      f.rate = share;
      frozen_[i] = 1;
      --left;
      crossed(f, [&](uint32_t l) {
        links_[l].left -= share;
        --links_[l].unfrozen;
      });
    }
  }
}

void KvNetwork::advance(SimTime now, std::vector<uint64_t>& done) {
  if (now < last_) throw std::logic_error("KvNetwork::advance back in time");
  const double dt = to_seconds(now - last_);
  last_ = now;
  if (flows_.empty()) return;
  if (dt > 0) {
    for (Link& l : links_) l.left = 0;  // (reused as "carried something" flags)
    for (Flow& f : flows_) {
      const double sent = std::min(f.remaining, f.rate * dt);
      f.remaining -= sent;
      links_[f.src].carried += sent;
      links_[f.src].left = 1;
      if (f.dst != f.src) {
        links_[f.dst].carried += sent;
        links_[f.dst].left = 1;
      }
      if (fabric_ != kNoLink && fabric_ != f.src && fabric_ != f.dst) {
        links_[fabric_].carried += sent;
        links_[fabric_].left = 1;
      }
    }
    for (Link& l : links_) l.busy_s += l.left > 0 ? dt : 0;
  }
  // Done: less than a nanosecond's worth (or a millibyte) left; next_done rounds times up.
  const size_t before = flows_.size();
  flows_.erase(std::remove_if(flows_.begin(), flows_.end(),
                              [&done](const Flow& f) {
                                if (f.remaining > std::max(1e-3, f.rate * 1e-9)) return false;
                                done.push_back(f.id);
                                return true;
                              }),
               flows_.end());
  if (flows_.size() != before) assign_rates();
}

SimTime KvNetwork::next_done() const {
  SimTime next = kNever;
  for (const Flow& f : flows_) {
    const double s = f.remaining / f.rate;
    const SimTime t = f.remaining <= 0 ? last_ : last_ + static_cast<SimTime>(std::ceil(s * 1e9));
    next = std::min(next, t);
  }
  return next;
}

}  // namespace kvsim
