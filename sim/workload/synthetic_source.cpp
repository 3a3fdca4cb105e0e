#include "workload/synthetic_source.h"

#include <algorithm>
#include <sstream>

#include "core/error.h"
#include "workload/stream_ids.h"
#include "workload/text_number.h"

namespace kvsim {

namespace {

// Independent random streams per concern, so that changing, say, the answer lengths leaves the
// arrival times and prompts of the same seed unchanged.
enum RngStream : uint64_t { kArrivals = 1, kPrompt, kOutput, kSystem, kSessions, kTurnMean, kEos };

bool same_trace(const LengthDist& a, const LengthDist& b) {
  return a.kind == LengthDist::Kind::kTrace && b.kind == LengthDist::Kind::kTrace &&
         a.format == b.format && a.path == b.path && a.reservoir == b.reservoir;
}

void check(bool ok, const std::string& what) {
  if (!ok) throw InputError("synthetic workload: " + what);
}

const SyntheticConfig& validated(const SyntheticConfig& c) {
  check(c.num_requests > 0 || std::isfinite(c.duration_s) || !c.arrivals.stages.empty(),
        "set num_requests, duration_s or arrival stages, or the workload never ends");
  check(c.duration_s > 0, "duration_s must be > 0");
  check(c.system_prompt.fraction >= 0 && c.system_prompt.fraction <= 1,
        "system_prompt.fraction must be in [0, 1]");
  check(c.system_prompt.fraction == 0 || c.system_prompt.tokens >= 1,
        "system_prompt.tokens must be >= 1 when its fraction is > 0");
  check(c.system_prompt.count >= 1, "system_prompt.count must be >= 1");
  check(c.sessions.fraction >= 0 && c.sessions.fraction <= 1, "sessions.fraction must be in [0, 1]");
  check(c.sessions.think_time_s >= 0 && std::isfinite(c.sessions.think_time_s),
        "sessions.think_time_s must be >= 0");
  check(c.sessions.assumed_tpot_s >= 0 && std::isfinite(c.sessions.assumed_tpot_s),
        "sessions.assumed_tpot_s must be >= 0");
  check(c.sessions.turns.kind != LengthDist::Kind::kTrace,
        "sessions.turns cannot be resampled from a trace");
  return c;
}

}  // namespace

SyntheticSource::SyntheticSource(const SyntheticConfig& config)
    : config_(validated(config)),
      arrivals_(config.arrivals, hash_mix(config.seed, kArrivals)),
      prompt_(config.prompt_tokens, LengthSampler::Side::kPrompt, config.seed),
      output_(same_trace(config.prompt_tokens, config.output_tokens)
                  ? LengthSampler(config.output_tokens, LengthSampler::Side::kOutput,
                                  prompt_.trace_lengths())
                  : LengthSampler(config.output_tokens, LengthSampler::Side::kOutput, config.seed)),
      paired_trace_(same_trace(config.prompt_tokens, config.output_tokens)),
      prompt_rng_(hash_mix(config.seed, kPrompt)),
      output_rng_(hash_mix(config.seed, kOutput)),
      system_rng_(hash_mix(config.seed, kSystem)),
      session_rng_(hash_mix(config.seed, kSessions)),
      eos_(config.eos_tokens, hash_mix(config.seed, kEos)) {
  // The workload ends at duration_s or at the end of the last arrival stage, whichever is first.
  const double end_s = std::min(config.duration_s, schedule_end_s(config.arrivals));
  end_time_ = std::isinf(end_s) || end_s >= 9.2e9 ? kNever : from_seconds(end_s);
  double mean_turns = 1.0;
  if (config.sessions.fraction > 0) {
    turns_.emplace(config.sessions.turns, LengthSampler::Side::kPrompt, config.seed);
    if (same_trace(config.sessions.user_tokens, config.prompt_tokens))
      user_tokens_.emplace(config.sessions.user_tokens, LengthSampler::Side::kPrompt,
                           prompt_.trace_lengths());
    else
      user_tokens_.emplace(config.sessions.user_tokens, LengthSampler::Side::kPrompt, config.seed);
    if (config.sessions.turns.kind == LengthDist::Kind::kFixed) {
      mean_turns = config.sessions.turns.value;
    } else {
      Rng rng(hash_mix(config.seed, kTurnMean));
      constexpr int kDraws = 4096;
      double sum = 0;
      for (int i = 0; i < kDraws; ++i) sum += turns_->sample(rng);
      mean_turns = sum / kDraws;
    }
  }
  expected_rate_ = mean_rate(config.arrivals) * (1.0 + config.sessions.fraction * (mean_turns - 1.0));
  next_fresh_ = arrivals_.next();
}

bool SyntheticSource::next(RequestSpec& out) {
  if (config_.num_requests != 0 && emitted_ >= config_.num_requests) return false;
  const bool turn_first =
      !pending_.empty() && (!fresh_open_ || pending_.front().arrival <= next_fresh_);
  if (turn_first) {
    if (pending_.front().arrival >= end_time_) {
      pending_.clear();
      fresh_open_ = false;
      return false;
    }
    std::pop_heap(pending_.begin(), pending_.end(), Later());
    const PendingTurn turn = pending_.back();
    pending_.pop_back();
    emit_turn(turn, out);
    return true;
  }
  if (!fresh_open_) return false;
  if (next_fresh_ >= end_time_) {
    fresh_open_ = false;  // every pending turn is later still
    pending_.clear();
    return false;
  }
  emit_new_conversation(next_fresh_, out);
  next_fresh_ = arrivals_.next();
  return true;
}

void SyntheticSource::emit_new_conversation(SimTime arrival, RequestSpec& out) {
  out = RequestSpec{};
  out.id = emitted_++;
  out.arrival = arrival;
  uint64_t prompt;
  if (paired_trace_) {
    const TraceLengths& pairs = *prompt_.trace_lengths();
    const uint64_t i = prompt_rng_.uniform_int(0, pairs.prompt.size() - 1);
    prompt = std::max<uint32_t>(pairs.prompt[i], 1);
    eos_.apply(std::max<uint32_t>(pairs.output[i], 1), out);
  } else {
    prompt = prompt_.sample(prompt_rng_);
    eos_.apply(output_.sample(output_rng_), out);
  }
  const SystemPromptConfig& sys = config_.system_prompt;
  if (sys.fraction > 0 && system_rng_.uniform() < sys.fraction) {
    const uint64_t which = sys.count > 1 ? system_rng_.uniform_int(0, sys.count - 1) : 0;
    out.content.shared_stream = make_stream_id(StreamKind::kSystemPrompt, config_.seed, which);
    out.content.shared_end = sys.tokens;
    prompt += sys.tokens;
  }
  out.prompt_tokens = static_cast<uint32_t>(std::min<uint64_t>(prompt, UINT32_MAX));
  const SessionConfig& ses = config_.sessions;
  if (ses.fraction > 0 && session_rng_.uniform() < ses.fraction) {
    out.session = ++sessions_started_;
    const uint64_t stream = make_stream_id(StreamKind::kSession, config_.seed, out.session);
    out.content.own_stream = stream;
    const uint32_t turns = turns_->sample(session_rng_);
    if (turns > 1) schedule_next_turn(out, stream, turns - 1);
  } else {
    out.content.own_stream = make_stream_id(StreamKind::kUnique, config_.seed, out.id);
  }
}

void SyntheticSource::emit_turn(const PendingTurn& turn, RequestSpec& out) {
  out = RequestSpec{};
  out.id = emitted_++;
  out.arrival = turn.arrival;
  out.prompt_tokens = turn.prompt_tokens;
  eos_.apply(output_.sample(output_rng_), out);
  out.session = turn.session;
  out.content.shared_stream = turn.shared_stream;
  out.content.shared_end = turn.shared_end;
  out.content.own_stream = turn.stream;
  if (turn.turns_left > 1) schedule_next_turn(out, turn.stream, turn.turns_left - 1);
}

void SyntheticSource::schedule_next_turn(const RequestSpec& previous, uint64_t stream,
                                         uint32_t turns_left) {
  const SessionConfig& ses = config_.sessions;
  const uint64_t user = user_tokens_->sample(session_rng_);
  const uint64_t prompt = uint64_t{previous.prompt_tokens} + previous.output_tokens + user;
  const uint64_t limit = ses.max_prompt_tokens != 0 ? ses.max_prompt_tokens : UINT32_MAX;
  if (prompt > limit) return;  // the conversation would overflow the context: it ends here
  const double think = ses.think_time_s > 0 ? session_rng_.exponential(1.0 / ses.think_time_s) : 0.0;
  const double answer = ses.assumed_tpot_s * previous.output_tokens;
  if (!(answer + think <= kMaxSimSeconds - to_seconds(previous.arrival)))
    throw InputError("a session's next turn would arrive after the simulated-time limit of 100 years (" +
                     format_number(kMaxSimSeconds) + " s): lower sessions.think_time_s or assumed_tpot_s");
  PendingTurn t;
  t.arrival = previous.arrival + from_seconds(answer + think);
  t.order = turn_order_++;
  t.session = previous.session;
  t.stream = stream;
  t.shared_stream = previous.content.shared_stream;
  t.shared_end = previous.content.shared_end;
  t.prompt_tokens = static_cast<uint32_t>(prompt);
  t.turns_left = turns_left;
  pending_.push_back(t);
  std::push_heap(pending_.begin(), pending_.end(), Later());
}

std::string SyntheticSource::describe() const {
  std::ostringstream o;
  o << "synthetic seed=" << config_.seed << " " << arrivals_.describe() << " prompt "
    << prompt_.describe() << " output " << output_.describe() << eos_.describe();
  if (config_.system_prompt.fraction > 0)
    o << " system_prompt " << config_.system_prompt.fraction << "x" << config_.system_prompt.count
      << " of " << config_.system_prompt.tokens << " tokens";
  if (config_.sessions.fraction > 0)
    o << " sessions " << config_.sessions.fraction << " turns " << turns_->describe() << " think "
      << config_.sessions.think_time_s << " s user " << user_tokens_->describe();
  o << " (" << expected_rate_ << " req/s expected)";
  if (config_.num_requests != 0) o << " first " << config_.num_requests;
  if (std::isfinite(config_.duration_s)) o << " for " << config_.duration_s << " s";
  return o.str();
}

std::unique_ptr<RequestSource> make_synthetic_source(const SyntheticConfig& config) {
  return std::make_unique<SyntheticSource>(config);
}

}  // namespace kvsim
