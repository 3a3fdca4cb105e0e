// inference-perf's `shared_prefix` workload (kubernetes-sigs/inference-perf,
// inference_perf/datagen/shared_prefix_datagen.py and loadgen/load_generator.py), with its names.
//
// The data generator makes num_groups * num_prompts_per_group prompts once: each group has a
// system prompt of system_prompt_len random tokens, and each prompt is its group's system prompt
// followed by a question of its own (question_len tokens) and carries its own output_len (sent as
// max_tokens). The list is shuffled once; the load generator then sends prompt n % N as its n-th
// request, n counting from 0 again at the start of every load stage. So a prompt repeats, whole,
// every N requests: system prompt and question both hit the prefix cache while they stay cached.
//
// Here: the pool is drawn and shuffled with the seed; request n of a stage reads pool[n % N]. The
// system prompt is the shared stream of its group; the question (and the answer) the stream of its
// prompt, so a repeated prompt is a repeated token sequence. Arrivals are an ArrivalProcess
// (Poisson over stages as inference-perf's `poisson` load type); answers may stop before the cap at
// an EOS drawn per request (eos_tokens). The stream ends at the end of the last stage, at
// num_requests or at duration_s, whichever comes first.
#pragma once
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "workload/arrival_process.h"
#include "workload/eos_length.h"
#include "workload/length_distribution.h"
#include "workload/request_source.h"

namespace kvsim {

struct SharedPrefixConfig {  // defaults are inference-perf's
  uint64_t seed = 1;
  uint32_t num_groups = 10;             // distinct system prompts
  uint32_t num_prompts_per_group = 10;  // distinct questions per system prompt
  uint32_t system_prompt_len = 100;     // tokens of each system prompt (0 = none)
  LengthDist question_len = LengthDist::fixed(50);  // drawn once per prompt
  LengthDist output_len = LengthDist::fixed(50);    // max_tokens, drawn once per prompt
  std::optional<LengthDist> eos_tokens;  // where an answer would stop at EOS, drawn per request
  ArrivalConfig arrivals;
  uint64_t num_requests = 0;     // 0 = no limit
  double duration_s = INFINITY;  // arrivals at or after it are not generated
};

class SharedPrefixSource : public RequestSource {
 public:
  // Throws InputError if the configuration is out of range or never ends.
  explicit SharedPrefixSource(const SharedPrefixConfig& config);
  bool next(RequestSpec& out) override;
  std::string describe() const override;

  struct Prompt {
    uint32_t group;
    uint32_t id;  // group * num_prompts_per_group + index in the group, before the shuffle
    uint32_t question_tokens;
    uint32_t max_tokens;
  };
  // The shuffled prompt list; request n of a stage reads prompt n % size().
  const std::vector<Prompt>& prompts() const { return prompts_; }

 private:
  SharedPrefixConfig config_;
  ArrivalProcess arrivals_;
  EosLength eos_;
  LengthSampler question_, output_;
  std::vector<Prompt> prompts_;
  std::vector<SimTime> stage_ends_;  // end of each arrival stage (none without stages)
  size_t stage_ = 0;
  uint64_t in_stage_ = 0;  // requests sent so far in the current stage
  uint64_t emitted_ = 0;
  SimTime end_time_;
  bool done_ = false;
};

std::unique_ptr<RequestSource> make_shared_prefix_source(const SharedPrefixConfig& config);

}  // namespace kvsim
