// Draws integers k in [min, max] with probability proportional to k^-s (a truncated Zipf or
// discrete power law), in constant expected time and without tables, by rejection-inversion
// (W. Hormann and G. Derflinger, "Rejection-inversion to generate variates from monotone discrete
// distributions", ACM TOMACS 6(3), 1996): invert the integral H of the continuous density
// h(x) = x^-s, and accept k when the uniform draw falls in the part of [H(k-1/2), H(k+1/2)] of
// length h(k). Convexity of h makes those parts disjoint, so every k is accepted with weight h(k).
#pragma once
#include <cstdint>

#include "core/rng.h"

namespace kvsim {

class ZipfSampler {
 public:
  // Requires s > 0 and 1 <= min <= max (checked by the caller).
  ZipfSampler(double s, uint64_t min, uint64_t max);
  uint64_t sample(Rng& rng) const;

 private:
  double h(double x) const;
  double big_h(double x) const;
  double big_h_inverse(double y) const;

  double s_;
  uint64_t min_, max_;
  double low_;   // H(min + 1/2) - h(min)
  double high_;  // H(max + 1/2)
};

}  // namespace kvsim
