// A synthetic workload, generated lazily and deterministically from a seed.
//
// New conversations arrive by an arrival process (Poisson or Gamma). Each one is, with
// probability sessions.fraction, the first turn of a multi-turn session, else a single request.
// Its prompt is drawn from prompt_tokens; with probability system_prompt.fraction it is preceded by
// one of system_prompt.count shared system prompts of system_prompt.tokens tokens (chosen
// uniformly), which every request that carries it shares. Answers are drawn from output_tokens,
// and stop earlier where eos_tokens draws an EOS (see EosLength).
//
// A session of T turns (T drawn from sessions.turns) is one token stream: turn n+1 arrives
// think + tpot * answer_n after turn n, where think is exponential with mean think_time_s and
// tpot * answer_n stands for the time to generate turn n's answer (an open-loop estimate: the
// generator does not see the simulated response), and its prompt is turn n's prompt, turn n's
// answer and sessions.user_tokens new tokens. All turns read the session's stream, so turn n+1
// re-reads turn n's prompt and answer, and carry RequestSpec::session.
//
// Follow-up turns come on top of the arrival process, so the request rate is
// rate * (1 + fraction * (E[turns] - 1)). The stream ends at num_requests requests (all turns
// counted) or at the first request at or after duration_s, whichever comes first. Pending turns
// wait in a min-heap, so memory grows with the number of open sessions, not with the run.
#pragma once
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/rng.h"
#include "workload/arrival_process.h"
#include "workload/eos_length.h"
#include "workload/length_distribution.h"
#include "workload/request_source.h"

namespace kvsim {

struct SystemPromptConfig {
  double fraction = 0.0;  // of new conversations that carry a system prompt, in [0, 1]
  uint32_t tokens = 0;    // length of each system prompt (>= 1 when fraction > 0)
  uint32_t count = 1;     // distinct system prompts, chosen uniformly
};

struct SessionConfig {
  double fraction = 0.0;  // of new conversations that are multi-turn sessions, in [0, 1]
  LengthDist turns = LengthDist::fixed(2);         // turns per session, the first included
  double think_time_s = 30.0;                      // mean user pause between turns (exponential)
  LengthDist user_tokens = LengthDist::fixed(64);  // new prompt tokens of each later turn
  double assumed_tpot_s = 0.02;  // time per answer token assumed by the arrival estimate
  uint32_t max_prompt_tokens = 0;  // a session ends before a turn longer than this (0 = no limit)
};

struct SyntheticConfig {
  uint64_t seed = 1;
  uint64_t num_requests = 0;     // 0 = bounded by duration_s only
  double duration_s = INFINITY;  // arrivals at or after it are not generated
  ArrivalConfig arrivals;
  LengthDist prompt_tokens = LengthDist::fixed(1000);
  LengthDist output_tokens = LengthDist::fixed(100);  // the cap (max_tokens) when eos_tokens is set
  std::optional<LengthDist> eos_tokens;  // where the answer would stop at EOS (none = at the cap)
  SystemPromptConfig system_prompt;
  SessionConfig sessions;
};

class SyntheticSource : public RequestSource {
 public:
  // Throws InputError if the configuration is inconsistent or a length trace cannot be read.
  explicit SyntheticSource(const SyntheticConfig& config);
  bool next(RequestSpec& out) override;
  std::string describe() const override;

  // The mean request rate including follow-up turns (exact for fixed turn counts, else estimated
  // from a sample of the turns distribution).
  double expected_request_rate() const { return expected_rate_; }

 private:
  struct PendingTurn {
    SimTime arrival;
    uint64_t order;  // tie-breaker: turns scheduled earlier go first
    uint64_t session;
    uint64_t stream;
    uint64_t shared_stream;
    uint32_t shared_end;
    uint32_t prompt_tokens;
    uint32_t turns_left;  // this one included
  };
  struct Later {
    bool operator()(const PendingTurn& a, const PendingTurn& b) const {
      return a.arrival != b.arrival ? a.arrival > b.arrival : a.order > b.order;
    }
  };

  void emit_new_conversation(SimTime arrival, RequestSpec& out);
  void emit_turn(const PendingTurn& turn, RequestSpec& out);
  // Schedules the turn after one with this prompt and answer, if the session goes on.
  void schedule_next_turn(const RequestSpec& previous, uint64_t stream, uint32_t turns_left);

  SyntheticConfig config_;
  ArrivalProcess arrivals_;
  LengthSampler prompt_;
  LengthSampler output_;
  bool paired_trace_ = false;  // prompt and answer drawn as one pair from the same trace
  std::optional<LengthSampler> turns_;
  std::optional<LengthSampler> user_tokens_;
  Rng prompt_rng_, output_rng_, system_rng_, session_rng_;
  EosLength eos_;
  SimTime end_time_;
  double expected_rate_ = 0;

  SimTime next_fresh_ = 0;
  bool fresh_open_ = true;
  uint64_t emitted_ = 0;
  uint64_t sessions_started_ = 0;
  uint64_t turn_order_ = 0;
  std::vector<PendingTurn> pending_;  // a min-heap by (arrival, order)
};

std::unique_ptr<RequestSource> make_synthetic_source(const SyntheticConfig& config);

}  // namespace kvsim
