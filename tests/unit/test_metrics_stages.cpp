// Metrics per load stage: which stage a request belongs to, the token-weighted ITL, and the
// saturation verdict, on hand-made requests and on a small simulated run.
#include <catch2/catch.hpp>

#include "metrics/stage_metrics.h"
#include "run/simulation.h"
#include "scenario/scenario.h"

using namespace kvsim;

namespace {

// A finished request: arrived at `arrival_s`, waited `wait_s`, first token after `ttft_s`, then
// `tokens - 1` more tokens `gap_s` apart.
Request finished(double arrival_s, double wait_s, double ttft_s, uint32_t tokens, double gap_s) {
  Request r;
  r.spec.arrival = from_seconds(arrival_s);
  r.spec.prompt_tokens = 100;
  r.num_cached_tokens = 25;
  r.first_scheduled = from_seconds(arrival_s + wait_s);
  r.first_token = from_seconds(arrival_s + ttft_s);
  r.num_output_tokens = tokens;
  r.finished = r.first_token + from_seconds(gap_s * (tokens - 1));
  return r;
}

nlohmann::json staged_run_scenario() {
  // A toy linear step model with at most 8 running requests: about 8 requests of 50 tokens per
  // 50 steps of 18 ms, so a capacity near 8 req/s. Stage 0 holds (3 req/s), stage 1 overloads
  // (20 req/s), stage 2 (1 req/s) drains what stage 1 left.
  return nlohmann::json::parse(R"({
    "name": "stages", "model": "Llama-3-8B", "gpu": "H100-SXM", "seed": 1,
    "engine": {"max_num_seqs": 8, "max_num_batched_tokens": 2048, "num_gpu_blocks_override": 20000},
    "kv_cache": {"enable_prefix_caching": true},
    "perf_model": {"kind": "linear", "base_s": 0.01, "per_prefill_token_s": 0.00002,
                   "per_decode_seq_s": 0.001, "per_context_token_s": 0.0},
    "workload": {"shared_prefix": {"seed": 3, "num_groups": 4, "num_prompts_per_group": 50,
      "system_prompt_len": 160, "question_len": 100, "output_len": 50,
      "arrivals": {"stages": [{"rate": 3, "duration_s": 60}, {"rate": 20, "duration_s": 60},
                              {"rate": 1, "duration_s": 120}]}}}
  })");
}

}  // namespace

TEST_CASE("a request belongs to the stage in which it arrived") {
  StageMetrics m({{2.0, NAN, 10.0}, {4.0, 8.0, 10.0}});
  for (double t : {0.0, 9.999, 10.0, 19.0, 25.0}) m.on_arrival(from_seconds(t));
  Request a = finished(1.0, 0.1, 0.2, 10, 0.1);  // stage 0, finishes in stage 1's time
  Request b = finished(9.5, 5.0, 5.5, 2, 1.0);
  Request c = finished(12.0, 0.0, 0.1, 1, 0.0);  // stage 1
  m.on_finished(a);
  m.on_finished(b);
  m.on_finished(c);
  m.on_dropped(finished(15.0, 0, 0, 1, 0));
  const auto s = m.results();
  REQUIRE(s.size() == 2);
  CHECK(s[0].start_s == 0);
  CHECK(s[0].end_s == 10);
  CHECK(s[1].start_s == 10);
  CHECK(s[1].rate == 4);
  CHECK(s[1].to_rate == 8);
  CHECK(std::isnan(s[0].to_rate));
  CHECK(s[0].arrived == 2);  // 25 s is past the last stage: no stage's
  CHECK(s[1].arrived == 2);
  CHECK(s[0].completed == 2);
  CHECK(s[1].completed == 1);
  CHECK(s[1].dropped == 1);
  CHECK(s[0].ttft_s.mean == Approx((0.2 + 5.5) / 2));
  CHECK(s[0].queue_s.mean == Approx((0.1 + 5.0) / 2));
  CHECK(s[0].prefix_token_hit_rate == Approx(0.25));
  CHECK(s[0].output_tokens_mean == Approx(6));
  // Token-weighted: (9 x 0.1 + 1 x 1.0) / (9 + 1) = 0.19, where the mean TPOT is (0.1 + 1.0) / 2.
  CHECK(s[0].itl_mean_s == Approx(0.19));
  CHECK(s[0].tpot_s.mean == Approx(0.55));
  CHECK(s[1].itl_mean_s == 0);  // a single token has no inter-token gap
  const auto j = stages_to_json(s);
  CHECK(j[1]["to_rate"] == 8);
  CHECK_FALSE(j[0].contains("to_rate"));
  CHECK(j[0]["itl_mean_s"].get<double>() == Approx(0.19));
  CHECK(j[0]["saturated"] == false);
}

TEST_CASE("a stage whose wait grows by more than 5 % of its time, past half a second, is saturated") {
  // Waits that grow by 0.2 s per second of the stage (load 1.2 x capacity) from 0 to 20 s.
  StageMetrics growing({{1.0, NAN, 100.0}});
  for (int i = 0; i < 100; ++i) growing.on_finished(finished(i + 0.5, 0.2 * i, 0.2 * i + 0.1, 5, 0.01));
  const StageResult g = growing.results()[0];
  CHECK(g.queue_growth == Approx(0.2).epsilon(0.02));
  CHECK(g.saturated);
  // Waits that are large but do not grow (a steady queue): held.
  StageMetrics steady({{1.0, NAN, 100.0}});
  for (int i = 0; i < 100; ++i) steady.on_finished(finished(i + 0.5, 3.0 + (i % 3), 4.0, 5, 0.01));
  CHECK_FALSE(steady.results()[0].saturated);
  // Waits that grow steeply but stay short (a few steps): not a backlog.
  StageMetrics short_waits({{1.0, NAN, 10.0}});
  for (int i = 0; i < 100; ++i) short_waits.on_finished(finished(i * 0.1, 0.0055 * i, 0.5, 5, 0.01));
  CHECK(short_waits.results()[0].queue_growth > StageMetrics::kMinGrowth);
  CHECK_FALSE(short_waits.results()[0].saturated);
  // Too few requests to tell.
  StageMetrics few({{1.0, NAN, 100.0}});
  for (int i = 0; i < 100; i += 25) few.on_finished(finished(i + 0.5, 0.2 * i, 0.2 * i + 0.1, 5, 0.01));
  CHECK_FALSE(few.results()[0].saturated);
}

TEST_CASE("a simulated run reports each stage: held, overloaded, then draining") {
  const Scenario sc = parse_scenario(staged_run_scenario(), KVSIM_TEST_DATA, Catalog::open_default());
  const RunResult r = run_scenario(sc, RunOptions{});
  const std::vector<StageResult>& stages = r.summary.stages;
  REQUIRE(r.summary.has_stages);
  REQUIRE(stages.size() == 3);
  const nlohmann::json js = to_json(r.summary)["stages"];
  REQUIRE(js.size() == 3);
  for (const StageResult& s : stages) {
    INFO("stage " << s.index << ": arrived " << s.arrived << ", queue first/last quarter "
                  << s.queue_first_quarter_s << " / " << s.queue_last_quarter_s << " s, growth "
                  << s.queue_growth << ", e2e mean " << s.e2e_s.mean << ", itl " << s.itl_mean_s
                  << ", prefix hit " << s.prefix_token_hit_rate);
    CHECK(s.completed + s.dropped == s.arrived);
    CHECK(js[s.index]["arrived"] == s.arrived);
    CHECK(js[s.index]["saturated"] == s.saturated);
    CHECK(s.itl_mean_s > 0.01);
  }
  CHECK_FALSE(stages[0].saturated);
  CHECK(stages[1].saturated);
  CHECK(stages[1].queue_growth > 0.5);
  CHECK_FALSE(stages[2].saturated);
  CHECK(stages[2].queue_growth < 0);
  uint64_t arrived = 0;
  for (const StageResult& s : stages) arrived += s.arrived;
  CHECK(arrived == r.summary.requests.arrived);
  // The system prompt (10 blocks of 16) is shared from the second request of each group on; in
  // stage 1 the prompt list starts over and whole prompts (16 of 16.25 blocks) hit.
  CHECK(stages[0].prefix_token_hit_rate > 0.5);
  CHECK(stages[1].prefix_token_hit_rate > 0.9);
  CHECK(r.summary.itl_mean_s > 0.01);
}
