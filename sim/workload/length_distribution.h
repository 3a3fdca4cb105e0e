// Token counts for synthetic requests (prompt, answer, session turns, user tokens per turn):
//   fixed      always `value`
//   uniform    an integer uniform in [min, max]
//   lognormal  round(exp(mu + sigma * N(0,1))) clamped to [min, max], with mu from either
//              `median` (mu = ln median) or `mean` (mu = ln mean - sigma^2 / 2)
//   zipf       k in [min, max] with probability proportional to k^-s
//   geometric  the number of tokens up to and including the first "stop", when every token stops
//              with the same probability 1/mean (a constant EOS hazard): 1 + floor(ln U / ln(1 - 1/mean)),
//              clamped to [min, max]
//   trace      resampled from the lengths of a trace file: a uniform reservoir of at most
//              `reservoir` (prompt, answer) pairs read once when the sampler is built
// Every draw is at least 1.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/rng.h"
#include "workload/zipf_sampler.h"

namespace kvsim {

struct LengthDist {
  enum class Kind { kFixed, kUniform, kLognormal, kZipf, kTrace, kGeometric };
  static constexpr uint32_t kDefaultMax = 1u << 20;

  Kind kind = Kind::kFixed;
  uint32_t value = 1;           // fixed
  uint32_t min = 1;             // uniform, zipf; lower clamp of lognormal
  uint32_t max = kDefaultMax;   // uniform, zipf; upper clamp of lognormal
  double mean = 0;              // lognormal: mean of the distribution (give mean or median);
                                // geometric: mean before clamping, 1 / the stop probability
  double median = 0;            // lognormal: median, e^mu
  double sigma = 0;             // lognormal: standard deviation of the underlying normal
  double s = 1.0;               // zipf exponent, > 0
  std::string format;           // trace: a trace format name (see trace_formats.h)
  std::string path;             // trace: the file
  uint32_t reservoir = 4096;    // trace: most (prompt, answer) pairs kept
  std::string pointer;          // where it was configured (a JSON pointer), for messages

  static LengthDist fixed(uint32_t value);
  static LengthDist uniform(uint32_t min, uint32_t max);
  static LengthDist lognormal_mean(double mean, double sigma);
  static LengthDist lognormal_median(double median, double sigma);
  static LengthDist zipf(double s, uint32_t min, uint32_t max);
  static LengthDist trace(std::string format, std::string path);
  static LengthDist geometric(double mean, uint32_t max = kDefaultMax);
};

const char* kind_name(LengthDist::Kind kind);
// The parameters' problem as "<field>: <what>", or empty when the distribution is well formed.
std::string validate(const LengthDist& dist);

// A uniform sample of at most `max_pairs` (prompt, answer) pairs of a trace, in file order of
// selection, and how many rows the file had.
struct TraceLengths {
  std::vector<uint32_t> prompt;
  std::vector<uint32_t> output;
  uint64_t rows = 0;
};
// Reads the whole trace once (reservoir sampling, seeded). Throws InputError on a bad file, or
// when it holds no request.
std::shared_ptr<const TraceLengths> load_trace_lengths(const std::string& format,
                                                       const std::string& path, uint32_t max_pairs,
                                                       uint64_t seed);

class LengthSampler {
 public:
  enum class Side { kPrompt, kOutput };  // which length of a trace row to resample

  // Throws InputError (prefixed with dist.pointer when set) if the distribution is malformed or
  // its trace cannot be read. `seed` seeds the trace reservoir.
  LengthSampler(const LengthDist& dist, Side side, uint64_t seed);
  // Shares an already loaded trace reservoir (for a prompt and an answer drawn as one pair).
  LengthSampler(const LengthDist& dist, Side side, std::shared_ptr<const TraceLengths> lengths);

  uint32_t sample(Rng& rng) const;
  const LengthDist& dist() const { return dist_; }
  const std::shared_ptr<const TraceLengths>& trace_lengths() const { return trace_; }
  // "lognormal(median=1000, sigma=0.8)" and the like.
  std::string describe() const;

 private:
  LengthDist dist_;
  Side side_;
  double mu_ = 0;
  std::optional<ZipfSampler> zipf_;
  std::shared_ptr<const TraceLengths> trace_;
};

}  // namespace kvsim
