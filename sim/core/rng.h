// Deterministic random numbers. The standard library's distributions differ between
// implementations, so every distribution here is written out: the same seed gives the same
// stream on every platform and compiler.
#pragma once
#include <cmath>
#include <cstdint>

namespace kvsim {

// SplitMix64: seeds and derives independent streams.
inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A 64-bit mix used for block hashes and stream ids (not cryptographic).
inline uint64_t hash_mix(uint64_t a, uint64_t b) {
  uint64_t s = a ^ (b + 0x9E3779B97F4A7C15ULL + (a << 6) + (a >> 2));
  return splitmix64(s);
}

// xoshiro256** by Blackman and Vigna.
class Rng {
 public:
  explicit Rng(uint64_t seed = 1) {
    uint64_t s = seed;
    for (auto& w : s_) w = splitmix64(s);
  }
  uint64_t next_u64() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // Uniform in (0, 1], safe for log().
  double uniform_pos() { return 1.0 - uniform(); }
  // Uniform integer in [lo, hi].
  uint64_t uniform_int(uint64_t lo, uint64_t hi) {
    return lo + static_cast<uint64_t>(uniform() * static_cast<double>(hi - lo + 1));
  }
  double exponential(double rate) { return -std::log(uniform_pos()) / rate; }
  double normal() {  // Box-Muller; the second value is discarded to keep the stream simple
    const double u1 = uniform_pos(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }
  double lognormal(double mu, double sigma) { return std::exp(mu + sigma * normal()); }
  // Gamma(shape k, scale theta) by Marsaglia and Tsang; shape < 1 by the boost u^(1/k).
  double gamma(double k, double theta) {
    if (k < 1.0) return gamma(k + 1.0, theta) * std::pow(uniform_pos(), 1.0 / k);
    const double d = k - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x, v;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0.0);
      v = v * v * v;
      const double u = uniform_pos();
      if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v * theta;
    }
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace kvsim
