// Arrival processes and length distributions: their moments on 20,000 draws.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/error.h"
#include "test_workload_util.h"
#include "workload/arrival_process.h"
#include "workload/length_distribution.h"
#include "workload/zipf_sampler.h"

using namespace kvsim;
using kvsim::testing::test_trace;

namespace {
constexpr int kDraws = 20000;

struct Moments {
  double mean = 0, cv = 0;
};
Moments moments(const std::vector<double>& xs) {
  double sum = 0, sq = 0;
  for (double x : xs) sum += x;
  const double mean = sum / xs.size();
  for (double x : xs) sq += (x - mean) * (x - mean);
  return {mean, std::sqrt(sq / (xs.size() - 1)) / mean};
}
std::vector<double> gaps(const ArrivalConfig& c, uint64_t seed) {
  ArrivalProcess p(c, seed);
  std::vector<double> out;
  SimTime prev = p.next();
  CHECK(prev == 0);
  for (int i = 0; i < kDraws; ++i) {
    const SimTime t = p.next();
    REQUIRE(t >= prev);
    out.push_back(to_seconds(t - prev));
    prev = t;
  }
  return out;
}
std::vector<double> draws(const LengthDist& d, uint64_t seed = 3) {
  LengthSampler s(d, LengthSampler::Side::kPrompt, seed);
  Rng rng(seed);
  std::vector<double> out;
  for (int i = 0; i < kDraws; ++i) out.push_back(s.sample(rng));
  return out;
}
}  // namespace

TEST_CASE("Poisson arrivals have exponential gaps of mean 1/rate") {
  const auto g = gaps({ArrivalConfig::Process::kPoisson, 10.0, 1.0}, 1);
  const Moments m = moments(g);
  CHECK(m.mean == Approx(0.1).epsilon(0.03));
  CHECK(m.cv == Approx(1.0).epsilon(0.04));
}

TEST_CASE("Gamma arrivals have gaps of mean 1/rate and the requested cv") {
  for (double cv : {0.5, 2.0}) {
    INFO("cv " << cv);
    const Moments m = moments(gaps({ArrivalConfig::Process::kGamma, 4.0, cv}, 2));
    CHECK(m.mean == Approx(0.25).epsilon(0.05));
    CHECK(m.cv == Approx(cv).epsilon(0.08));
  }
}

TEST_CASE("an arrival process is deterministic given its seed") {
  ArrivalProcess a({ArrivalConfig::Process::kGamma, 3.0, 1.5}, 9), b({ArrivalConfig::Process::kGamma, 3.0, 1.5}, 9);
  for (int i = 0; i < 100; ++i) CHECK(a.next() == b.next());
  CHECK_THROWS_AS(ArrivalProcess({ArrivalConfig::Process::kPoisson, 0.0, 1.0}, 1), InputError);
  CHECK_THROWS_AS(ArrivalProcess({ArrivalConfig::Process::kGamma, 1.0, 0.0}, 1), InputError);
}

TEST_CASE("fixed and uniform lengths stay in range with the right mean") {
  for (double x : draws(LengthDist::fixed(37))) CHECK(x == 37);
  const auto u = draws(LengthDist::uniform(10, 20));
  CHECK(*std::min_element(u.begin(), u.end()) == 10);
  CHECK(*std::max_element(u.begin(), u.end()) == 20);
  CHECK(moments(u).mean == Approx(15.0).epsilon(0.01));
}

TEST_CASE("geometric lengths stop with a constant hazard: mean 1/p, memoryless, clamped to the cap") {
  const auto g = draws(LengthDist::geometric(50));
  CHECK(*std::min_element(g.begin(), g.end()) == 1);
  CHECK(moments(g).mean == Approx(50.0).epsilon(0.03));
  // Memoryless: of the answers longer than 50 tokens, the mean excess is again about 50.
  double excess = 0, n = 0;
  for (double x : g)
    if (x > 50) excess += x - 50, ++n;
  CHECK(excess / n == Approx(50.0).epsilon(0.05));
  // Capped at 40 (an EOS draw against max_tokens): E[min(G, 40)] = (1 - (1 - 1/50)^40) / (1/50).
  const auto capped = draws(LengthDist::geometric(50, 40));
  CHECK(*std::max_element(capped.begin(), capped.end()) == 40);
  CHECK(moments(capped).mean == Approx((1 - std::pow(1 - 1.0 / 50, 40)) * 50).epsilon(0.02));
  for (double x : draws(LengthDist::geometric(1))) CHECK(x == 1);
}

TEST_CASE("lognormal lengths match the given mean, or the given median") {
  const auto by_mean = draws(LengthDist::lognormal_mean(1000, 0.5));
  CHECK(moments(by_mean).mean == Approx(1000).epsilon(0.03));
  auto by_median = draws(LengthDist::lognormal_median(500, 1.0));
  std::nth_element(by_median.begin(), by_median.begin() + kDraws / 2, by_median.end());
  CHECK(by_median[kDraws / 2] == Approx(500).epsilon(0.05));
  LengthDist clamped = LengthDist::lognormal_median(500, 2.0);
  clamped.min = 100;
  clamped.max = 2000;
  for (double x : draws(clamped)) {
    CHECK(x >= 100);
    CHECK(x <= 2000);
  }
}

TEST_CASE("Zipf lengths follow k^-s between min and max") {
  for (double s : {0.8, 1.0, 1.2, 2.5}) {
    for (uint32_t lo : {1u, 10u}) {
      INFO("s " << s << " min " << lo);
      const uint32_t hi = 1000;
      double norm = 0, mean = 0;
      for (uint32_t k = lo; k <= hi; ++k) {
        norm += std::pow(k, -s);
        mean += k * std::pow(k, -s);
      }
      mean /= norm;
      const auto z = draws(LengthDist::zipf(s, lo, hi), 11);
      CHECK(*std::min_element(z.begin(), z.end()) >= lo);
      CHECK(*std::max_element(z.begin(), z.end()) <= hi);
      CHECK(moments(z).mean == Approx(mean).epsilon(0.05));
      const double p_lo = std::pow(lo, -s) / norm;
      const double seen = std::count(z.begin(), z.end(), lo) / static_cast<double>(kDraws);
      CHECK(seen == Approx(p_lo).margin(4 * std::sqrt(p_lo * (1 - p_lo) / kDraws)));
    }
  }
}

TEST_CASE("trace lengths are resampled from a bounded reservoir of the file's rows") {
  const std::string path = test_trace("vidur_arxiv_summarization_lengths_head200.csv");
  auto all = load_trace_lengths("vidur", path, 1000, 1);
  REQUIRE(all->rows == 200);
  REQUIRE(all->prompt.size() == 200);
  CHECK(all->prompt[0] == 3772);
  CHECK(all->output[0] == 54);
  auto few = load_trace_lengths("vidur", path, 50, 1);
  CHECK(few->rows == 200);
  CHECK(few->prompt.size() == 50);
  std::set<std::pair<uint32_t, uint32_t>> rows;
  for (size_t i = 0; i < all->prompt.size(); ++i) rows.insert({all->prompt[i], all->output[i]});
  for (size_t i = 0; i < few->prompt.size(); ++i) CHECK(rows.count({few->prompt[i], few->output[i]}) == 1);

  LengthDist d = LengthDist::trace("vidur", path);
  double file_mean = 0;
  for (auto p : all->prompt) file_mean += p;
  file_mean /= all->prompt.size();
  CHECK(moments(draws(d)).mean == Approx(file_mean).epsilon(0.02));
}

TEST_CASE("malformed length distributions are refused with the field at fault") {
  CHECK(validate(LengthDist::fixed(0)) == "value: expected an integer >= 1, found 0");
  CHECK(validate(LengthDist::uniform(20, 10)) == "max: expected an integer >= min (20), found 10");
  LengthDist both = LengthDist::lognormal_mean(10, 1);
  both.median = 10;
  CHECK(validate(both) == "expected exactly one of \"mean\" and \"median\" (a positive number)");
  CHECK(validate(LengthDist::zipf(0, 1, 10)) == "s: expected a number > 0, found 0");
  CHECK(validate(LengthDist::geometric(0.5)) == "mean: expected a finite number >= 1 (tokens), found 0.5");
  CHECK(validate(LengthDist::trace("csv", "x")) == "format: unknown trace format \"csv\"");
  LengthDist bad = LengthDist::uniform(0, 5);
  bad.pointer = "/workload/synthetic/prompt_tokens";
  CHECK_THROWS_WITH(LengthSampler(bad, LengthSampler::Side::kPrompt, 1),
                    "/workload/synthetic/prompt_tokens: min: expected an integer >= 1, found 0");
}
