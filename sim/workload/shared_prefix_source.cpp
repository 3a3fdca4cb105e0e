#include "workload/shared_prefix_source.h"

#include <algorithm>
#include <sstream>
#include <utility>

#include "core/error.h"
#include "workload/stream_ids.h"

namespace kvsim {

namespace {

// Independent random streams, as in the synthetic generator.
enum RngStream : uint64_t { kArrivals = 1, kPool, kEos };

constexpr uint64_t kMaxPrompts = 10'000'000;

void check(bool ok, const std::string& what) {
  if (!ok) throw InputError("shared_prefix workload: " + what);
}

const SharedPrefixConfig& validated(const SharedPrefixConfig& c) {
  check(c.num_groups >= 1, "num_groups must be >= 1");
  check(c.num_prompts_per_group >= 1, "num_prompts_per_group must be >= 1");
  check(uint64_t{c.num_groups} * c.num_prompts_per_group <= kMaxPrompts,
        "num_groups * num_prompts_per_group must be at most " + std::to_string(kMaxPrompts));
  check(c.num_requests > 0 || std::isfinite(c.duration_s) || !c.arrivals.stages.empty(),
        "set num_requests, duration_s or arrival stages, or the workload never ends");
  check(c.duration_s > 0, "duration_s must be > 0");
  return c;
}

std::vector<SharedPrefixSource::Prompt> make_prompts(const SharedPrefixConfig& c, const LengthSampler& question,
                                                     const LengthSampler& output) {
  Rng rng(hash_mix(c.seed, kPool));
  std::vector<SharedPrefixSource::Prompt> prompts;
  prompts.reserve(uint64_t{c.num_groups} * c.num_prompts_per_group);
  for (uint32_t g = 0; g < c.num_groups; ++g)
    for (uint32_t p = 0; p < c.num_prompts_per_group; ++p)
      prompts.push_back({g, static_cast<uint32_t>(prompts.size()), question.sample(rng), output.sample(rng)});
  for (size_t i = prompts.size() - 1; i > 0; --i)  // Fisher-Yates, like random.shuffle
    std::swap(prompts[i], prompts[rng.uniform_int(0, i)]);
  return prompts;
}

}  // namespace

SharedPrefixSource::SharedPrefixSource(const SharedPrefixConfig& config)
    : config_(validated(config)),
      arrivals_(config.arrivals, hash_mix(config.seed, kArrivals)),
      eos_(config.eos_tokens, hash_mix(config.seed, kEos)),
      question_(config.question_len, LengthSampler::Side::kPrompt, config.seed),
      output_(config.output_len, LengthSampler::Side::kOutput, config.seed),
      prompts_(make_prompts(config, question_, output_)) {
  double t = 0;
  for (const ArrivalStage& s : config.arrivals.stages) stage_ends_.push_back(from_seconds(t += s.duration_s));
  const double end_s = std::min(config.duration_s, schedule_end_s(config.arrivals));
  end_time_ = std::isinf(end_s) || end_s >= 9.2e9 ? kNever : from_seconds(end_s);
}

bool SharedPrefixSource::next(RequestSpec& out) {
  if (done_ || (config_.num_requests != 0 && emitted_ >= config_.num_requests)) return false;
  const SimTime arrival = arrivals_.next();
  if (arrival >= end_time_) {
    done_ = true;
    return false;
  }
  // inference-perf numbers a stage's requests from 0, so each stage starts at the first prompt.
  while (stage_ < stage_ends_.size() && arrival >= stage_ends_[stage_]) {
    ++stage_;
    in_stage_ = 0;
  }
  const Prompt& p = prompts_[in_stage_++ % prompts_.size()];
  out = RequestSpec{};
  out.id = emitted_++;
  out.arrival = arrival;
  out.prompt_tokens = static_cast<uint32_t>(
      std::min<uint64_t>(uint64_t{config_.system_prompt_len} + p.question_tokens, UINT32_MAX));
  eos_.apply(p.max_tokens, out);
  if (config_.system_prompt_len > 0) {
    out.content.shared_stream = make_stream_id(StreamKind::kSystemPrompt, config_.seed, p.group);
    out.content.shared_end = config_.system_prompt_len;
  }
  // Not kUnique: that kind is private KV, never cached for another request, and this prompt comes
  // back every prompts_.size() requests.
  out.content.own_stream = make_stream_id(StreamKind::kSession, config_.seed, p.id);
  return true;
}

std::string SharedPrefixSource::describe() const {
  std::ostringstream o;
  o << "shared_prefix seed=" << config_.seed << " " << config_.num_groups << " groups x "
    << config_.num_prompts_per_group << " prompts, system " << config_.system_prompt_len
    << " + question " << question_.describe() << " tokens, output " << output_.describe()
    << eos_.describe() << ", " << arrivals_.describe();
  if (config_.num_requests != 0) o << " first " << config_.num_requests;
  if (std::isfinite(config_.duration_s)) o << " for " << config_.duration_s << " s";
  return o.str();
}

std::unique_ptr<RequestSource> make_shared_prefix_source(const SharedPrefixConfig& config) {
  return std::make_unique<SharedPrefixSource>(config);
}

}  // namespace kvsim
