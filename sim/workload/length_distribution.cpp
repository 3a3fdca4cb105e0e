#include "workload/length_distribution.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.h"
#include "workload/text_number.h"
#include "workload/trace_formats.h"

namespace kvsim {

LengthDist LengthDist::fixed(uint32_t value) {
  LengthDist d;
  d.kind = Kind::kFixed;
  d.value = value;
  return d;
}

LengthDist LengthDist::uniform(uint32_t min, uint32_t max) {
  LengthDist d;
  d.kind = Kind::kUniform;
  d.min = min;
  d.max = max;
  return d;
}

LengthDist LengthDist::lognormal_mean(double mean, double sigma) {
  LengthDist d;
  d.kind = Kind::kLognormal;
  d.mean = mean;
  d.sigma = sigma;
  return d;
}

LengthDist LengthDist::lognormal_median(double median, double sigma) {
  LengthDist d;
  d.kind = Kind::kLognormal;
  d.median = median;
  d.sigma = sigma;
  return d;
}

LengthDist LengthDist::zipf(double s, uint32_t min, uint32_t max) {
  LengthDist d;
  d.kind = Kind::kZipf;
  d.s = s;
  d.min = min;
  d.max = max;
  return d;
}

LengthDist LengthDist::trace(std::string format, std::string path) {
  LengthDist d;
  d.kind = Kind::kTrace;
  d.format = std::move(format);
  d.path = std::move(path);
  return d;
}

LengthDist LengthDist::geometric(double mean, uint32_t max) {
  LengthDist d;
  d.kind = Kind::kGeometric;
  d.mean = mean;
  d.max = max;
  return d;
}

const char* kind_name(LengthDist::Kind kind) {
  switch (kind) {
    case LengthDist::Kind::kFixed: return "fixed";
    case LengthDist::Kind::kUniform: return "uniform";
    case LengthDist::Kind::kLognormal: return "lognormal";
    case LengthDist::Kind::kZipf: return "zipf";
    case LengthDist::Kind::kTrace: return "trace";
    case LengthDist::Kind::kGeometric: return "geometric";
  }
  return "?";
}

std::string validate(const LengthDist& d) {
  auto range = [&]() -> std::string {
    if (d.min < 1) return "min: expected an integer >= 1, found " + std::to_string(d.min);
    if (d.max < d.min)
      return "max: expected an integer >= min (" + std::to_string(d.min) + "), found " +
             std::to_string(d.max);
    return "";
  };
  switch (d.kind) {
    case LengthDist::Kind::kFixed:
      return d.value >= 1 ? "" : "value: expected an integer >= 1, found " + std::to_string(d.value);
    case LengthDist::Kind::kUniform: return range();
    case LengthDist::Kind::kLognormal: {
      const bool has_mean = d.mean > 0, has_median = d.median > 0;
      if (has_mean == has_median)
        return "expected exactly one of \"mean\" and \"median\" (a positive number)";
      if (!std::isfinite(d.mean) || !std::isfinite(d.median))
        return "mean/median: expected a finite number";
      if (!(d.sigma >= 0) || !std::isfinite(d.sigma))
        return "sigma: expected a number >= 0, found " + format_number(d.sigma);
      return range();
    }
    case LengthDist::Kind::kZipf:
      if (!(d.s > 0) || !std::isfinite(d.s))
        return "s: expected a number > 0, found " + format_number(d.s);
      return range();
    case LengthDist::Kind::kGeometric:
      if (!(d.mean >= 1) || !std::isfinite(d.mean))
        return "mean: expected a finite number >= 1 (tokens), found " + format_number(d.mean);
      return range();
    case LengthDist::Kind::kTrace:
      if (!is_trace_format(d.format)) return "format: unknown trace format \"" + d.format + "\"";
      if (d.path.empty()) return "path: expected the trace file";
      if (d.reservoir < 1) return "reservoir: expected an integer >= 1";
      return "";
  }
  return "";
}

std::shared_ptr<const TraceLengths> load_trace_lengths(const std::string& format,
                                                       const std::string& path, uint32_t max_pairs,
                                                       uint64_t seed) {
  // Arrival times do not matter here; a generated process lets length-only files be read too.
  TraceReaderOptions options;
  options.arrivals = ArrivalConfig{};
  auto reader = open_trace_reader(format, path, options);
  auto lengths = std::make_shared<TraceLengths>();
  Rng rng(hash_mix(seed, 0x7265736572766f69ULL));  // "reservoi"
  RequestSpec r;
  while (reader->next(r)) {
    const uint64_t i = lengths->rows++;
    if (i < max_pairs) {
      lengths->prompt.push_back(r.prompt_tokens);
      lengths->output.push_back(r.output_tokens);
      continue;
    }
    const uint64_t j = rng.uniform_int(0, i);  // Algorithm R: keep row i with probability k/(i+1)
    if (j < max_pairs) {
      lengths->prompt[j] = r.prompt_tokens;
      lengths->output[j] = r.output_tokens;
    }
  }
  if (lengths->rows == 0) throw InputError(path + ": the trace holds no request to resample lengths from");
  return lengths;
}

namespace {
std::string prefixed(const LengthDist& d, const std::string& what) {
  return d.pointer.empty() ? what : d.pointer + ": " + what;
}
}  // namespace

LengthSampler::LengthSampler(const LengthDist& dist, Side side, uint64_t seed)
    : LengthSampler(dist, side,
                    dist.kind == LengthDist::Kind::kTrace && validate(dist).empty()
                        ? load_trace_lengths(dist.format, dist.path, dist.reservoir, seed)
                        : nullptr) {}

LengthSampler::LengthSampler(const LengthDist& dist, Side side,
                             std::shared_ptr<const TraceLengths> lengths)
    : dist_(dist), side_(side), trace_(std::move(lengths)) {
  const std::string problem = validate(dist);
  if (!problem.empty()) throw InputError(prefixed(dist, problem));
  switch (dist.kind) {
    case LengthDist::Kind::kLognormal:
      mu_ = dist.median > 0 ? std::log(dist.median) : std::log(dist.mean) - dist.sigma * dist.sigma / 2;
      break;
    case LengthDist::Kind::kZipf: zipf_.emplace(dist.s, dist.min, dist.max); break;
    case LengthDist::Kind::kGeometric: mu_ = dist.mean > 1 ? 1 / std::log1p(-1 / dist.mean) : 0; break;
    case LengthDist::Kind::kTrace:
      if (!trace_ || trace_->prompt.empty())
        throw InputError(prefixed(dist, "no trace lengths loaded for " + dist.path));
      break;
    default: break;
  }
}

uint32_t LengthSampler::sample(Rng& rng) const {
  uint64_t v = 1;
  switch (dist_.kind) {
    case LengthDist::Kind::kFixed: v = dist_.value; break;
    case LengthDist::Kind::kUniform: v = rng.uniform_int(dist_.min, dist_.max); break;
    case LengthDist::Kind::kLognormal: {
      const double x = std::round(rng.lognormal(mu_, dist_.sigma));
      v = static_cast<uint64_t>(std::clamp(x, static_cast<double>(dist_.min), static_cast<double>(dist_.max)));
      break;
    }
    case LengthDist::Kind::kZipf: v = zipf_->sample(rng); break;
    case LengthDist::Kind::kGeometric: {
      // mu_ = 1 / ln(1 - p); a mean of 1 stops at the first token.
      const double x = 1 + std::floor(mu_ == 0 ? 0 : std::log(rng.uniform_pos()) * mu_);
      v = static_cast<uint64_t>(std::clamp(x, static_cast<double>(dist_.min), static_cast<double>(dist_.max)));
      break;
    }
    case LengthDist::Kind::kTrace: {
      const auto& column = side_ == Side::kPrompt ? trace_->prompt : trace_->output;
      v = column[rng.uniform_int(0, column.size() - 1)];
      break;
    }
  }
  return static_cast<uint32_t>(std::max<uint64_t>(v, 1));
}

std::string LengthSampler::describe() const {
  std::ostringstream o;
  o << kind_name(dist_.kind) << "(";
  switch (dist_.kind) {
    case LengthDist::Kind::kFixed: o << dist_.value; break;
    case LengthDist::Kind::kUniform: o << dist_.min << ".." << dist_.max; break;
    case LengthDist::Kind::kLognormal:
      if (dist_.median > 0) o << "median=" << dist_.median;
      else o << "mean=" << dist_.mean;
      o << ", sigma=" << dist_.sigma;
      break;
    case LengthDist::Kind::kZipf: o << "s=" << dist_.s << ", " << dist_.min << ".." << dist_.max; break;
    case LengthDist::Kind::kGeometric: o << "mean=" << dist_.mean << ", " << dist_.min << ".." << dist_.max; break;
    case LengthDist::Kind::kTrace:
      o << dist_.format << " " << dist_.path << ", " << trace_->prompt.size() << " of " << trace_->rows
        << " rows";
      break;
  }
  o << ")";
  return o.str();
}

}  // namespace kvsim
