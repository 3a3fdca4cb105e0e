// Cache replay speed: block lookups per second of `kvsim cache-replay`'s core loop, per eviction
// policy, on a generated trace shaped like Mooncake's conversation trace (512-token hash ids,
// conversations that re-read their previous turn, popular shared documents; mean prompt about
// 12K tokens). The trace is generated once, outside the timed loop. Results: docs/performance.md.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "core/rng.h"
#include "kv/cache_replay.h"

namespace {

using kvsim::RequestSpec;

const std::vector<RequestSpec>& mooncake_like_trace() {
  static const std::vector<RequestSpec> trace = [] {
    kvsim::Rng rng(2025);
    std::vector<RequestSpec> out;
    std::vector<std::shared_ptr<const std::vector<uint64_t>>> conversations, documents;
    uint64_t next_id = 1;
    const auto fresh_ids = [&](std::vector<uint64_t>& ids, uint64_t n) {
      for (uint64_t i = 0; i < n; ++i) ids.push_back(next_id++);
    };
    for (int d = 0; d < 40; ++d) {
      auto ids = std::make_shared<std::vector<uint64_t>>();
      fresh_ids(*ids, 4 + rng.uniform_int(0, 12));
      documents.push_back(ids);
    }
    for (uint64_t i = 0; i < 4000; ++i) {
      auto ids = std::make_shared<std::vector<uint64_t>>();
      const double u = rng.uniform();
      if (u < 0.5 && !conversations.empty()) {  // the next turn of a conversation
        const size_t c = rng.uniform_int(0, conversations.size() - 1);
        *ids = *conversations[c];
        fresh_ids(*ids, 1 + rng.uniform_int(0, 3));
        if (ids->size() > 60) ids->resize(60);
        conversations[c] = ids;
      } else if (u < 0.75) {  // a question about a popular document
        *ids = *documents[rng.uniform_int(0, documents.size() - 1)];
        fresh_ids(*ids, 1 + rng.uniform_int(0, 2));
      } else {  // a new conversation
        fresh_ids(*ids, 8 + rng.uniform_int(0, 24));
        conversations.push_back(ids);
        if (conversations.size() > 300) conversations.erase(conversations.begin());
      }
      RequestSpec r;
      r.id = i;
      r.arrival = static_cast<kvsim::SimTime>(i) * 300'000'000;
      r.prompt_tokens = static_cast<uint32_t>(ids->size() * 512 - rng.uniform_int(0, 511));
      r.output_tokens = 50 + static_cast<uint32_t>(rng.uniform_int(0, 450));
      r.content.hash_ids = ids;
      r.content.hash_block_tokens = 512;
      r.content.hashed_tokens = r.prompt_tokens;
      r.content.own_stream = 1'000'000 + i;
      out.push_back(r);
    }
    return out;
  }();
  return trace;
}

// One full replay of the trace per iteration, GPU capacity 2M tokens (an H100 serving an 8B
// model holds about that much KV).
void BM_CacheReplay(benchmark::State& state, const char* policy, bool radix) {
  const auto& trace = mooncake_like_trace();
  kvsim::CacheReplayConfig config;
  kvsim::ReplayTier gpu;
  gpu.capacity_tokens = 2'000'000;
  gpu.policy = policy;
  config.tiers.push_back(gpu);
  config.radix_tree = radix;
  uint64_t lookups = 0;
  double hit_rate = 0;
  for (auto _ : state) {
    kvsim::CacheReplay replay(config, 0);
    for (const RequestSpec& r : trace) replay.process(r);
    lookups += replay.stats().lookups;
    hit_rate = static_cast<double>(replay.stats().tiers[0].hit_blocks) / replay.stats().query_blocks;
    benchmark::DoNotOptimize(hit_rate);
  }
  state.counters["lookups_per_s"] = benchmark::Counter(static_cast<double>(lookups), benchmark::Counter::kIsRate);
  state.counters["block_hit_rate"] = hit_rate;
}

// GPU 1M tokens over a CPU tier of 8M tokens, write-back.
void BM_CacheReplayTiered(benchmark::State& state) {
  const auto& trace = mooncake_like_trace();
  kvsim::CacheReplayConfig config;
  kvsim::ReplayTier gpu, cpu;
  gpu.capacity_tokens = 1'000'000;
  cpu.name = "cpu";
  cpu.capacity_tokens = 8'000'000;
  config.tiers = {gpu, cpu};
  uint64_t lookups = 0;
  for (auto _ : state) {
    kvsim::CacheReplay replay(config, 0);
    for (const RequestSpec& r : trace) replay.process(r);
    lookups += replay.stats().lookups;
  }
  state.counters["lookups_per_s"] = benchmark::Counter(static_cast<double>(lookups), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK_CAPTURE(BM_CacheReplay, lru, "lru", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CacheReplay, lru_radix, "lru", true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CacheReplay, fifo, "fifo", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CacheReplay, lfu, "lfu", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CacheReplay, slru, "slru", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CacheReplay, arc, "arc", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CacheReplay, s3fifo, "s3fifo", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CacheReplay, gdsf, "gdsf", false)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CacheReplayTiered)->Unit(benchmark::kMillisecond);
