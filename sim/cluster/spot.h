// Spot capacity: the price class of each replica, the interruption process and whether a spot
// request is granted. Interruptions are a Poisson process per spot replica (exponential gaps at
// `interruptions_per_hour`, from the run's seeded Rng); a spot request is granted with
// probability `availability`, else falls back to on-demand (or to nothing, retried at the next
// evaluation). docs/fleet.md "Elastic fleet".
#pragma once
#include <cstdint>

#include "cluster/autoscaler.h"
#include "core/rng.h"
#include "core/time.h"

namespace kvsim {

enum class PriceClass : uint8_t { kOnDemand, kSpot };

class SpotMarket {
 public:
  SpotMarket(const SpotConfig& config, uint64_t seed) : c_(config), rng_(seed ^ 0x5107A11CE5ULL) {}
  // When a spot replica that came up at `up` receives its interruption notice (kNever with a zero rate).
  SimTime interruption_after(SimTime up) {
    if (!c_.enabled || c_.interruptions_per_hour <= 0) return kNever;
    const double s = rng_.exponential(c_.interruptions_per_hour / 3600.0);
    return s >= to_seconds(kMaxSimTime - up) ? kNever : up + std::max<SimTime>(1, from_seconds(s));
  }
  // The class to buy for a new replica when the fleet will hold `spot` spot replicas out of
  // `total` (the new one included): spot while the spot share stays within `fraction`.
  PriceClass wanted_class(uint32_t spot, uint32_t total) const {
    if (!c_.enabled) return PriceClass::kOnDemand;
    return static_cast<double>(spot + 1) <= c_.fraction * total + 1e-9 ? PriceClass::kSpot : PriceClass::kOnDemand;
  }
  // Whether a spot request is granted now (draws from the Rng only when availability < 1).
  bool granted() { return c_.availability >= 1 || rng_.uniform() < c_.availability; }
  SimTime notice() const { return from_seconds(c_.notice_s); }
  const SpotConfig& config() const { return c_; }

 private:
  SpotConfig c_;
  Rng rng_;
};

const char* price_class_name(PriceClass c);

}  // namespace kvsim
