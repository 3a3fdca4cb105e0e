// Reads the full shared traces (../shared/data/traces next to the repository) and prints what
// docs/workload.md reports about them. Hidden from the default run, and skipped when the shared
// folder is absent: kvsim_tests "[shared-traces]"
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>

#include "workload/trace_formats.h"

using namespace kvsim;

#ifndef KVSIM_SOURCE_DIR
#define KVSIM_SOURCE_DIR "."
#endif

TEST_CASE("the shared traces read whole", "[.][shared-traces]") {
  const std::string dir = std::string(KVSIM_SOURCE_DIR) + "/../shared/data/traces/";
  if (!std::filesystem::exists(dir)) {
    WARN("no shared traces at " << dir);
    return;
  }
  struct File {
    const char* format;
    const char* name;
  };
  std::printf("%-38s %8s %11s %11s %9s %10s %9s\n", "file", "requests", "mean prompt", "mean answer",
              "span s", "req/s", "hashed");
  for (const File& f : {File{"azure", "azure_llm_2023_conv.csv"}, File{"azure", "azure_llm_2023_code.csv"},
                        File{"mooncake", "mooncake_conversation.jsonl"},
                        File{"mooncake", "mooncake_synthetic.jsonl"},
                        File{"vidur", "vidur_arxiv_summarization_lengths.csv"}}) {
    TraceReaderOptions options;
    if (std::string(f.format) == "vidur") options.arrivals = ArrivalConfig{ArrivalConfig::Process::kPoisson, 10.0, 1.0};
    auto source = open_trace_reader(f.format, dir + f.name, options);
    RequestSpec r;
    uint64_t n = 0;
    double prompt = 0, answer = 0, hashed = 0;
    SimTime last = 0;
    while (source->next(r)) {
      REQUIRE(r.id == n);
      REQUIRE(r.arrival >= last);
      ++n;
      prompt += r.prompt_tokens;
      answer += r.output_tokens;
      hashed += r.content.hashed_tokens;
      last = r.arrival;
    }
    REQUIRE(n > 0);
    std::printf("%-38s %8llu %11.1f %11.1f %9.1f %10.2f %8.1f%%\n", f.name, static_cast<unsigned long long>(n),
                prompt / n, answer / n, to_seconds(last), (n - 1) / to_seconds(last), 100 * hashed / prompt);
  }
}
