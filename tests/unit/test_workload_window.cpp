// The trace options decorator: time window, speed factor, request limit.
#include <catch2/catch.hpp>

#include "core/error.h"
#include "test_workload_util.h"
#include "workload/azure_trace.h"
#include "workload/trace_window.h"

using namespace kvsim;
using kvsim::testing::read_all;
using kvsim::testing::TempFile;
using kvsim::testing::test_trace;

namespace {
std::vector<RequestSpec> azure_excerpt() {
  AzureTraceReader reader(test_trace("azure_llm_2023_conv_head100.csv"));
  return read_all(reader);
}
std::unique_ptr<RequestSource> windowed(const TraceWindow& w) {
  return std::make_unique<TraceWindowSource>(
      std::make_unique<AzureTraceReader>(test_trace("azure_llm_2023_conv_head100.csv")), w);
}
}  // namespace

TEST_CASE("a time window keeps [start, end) of the trace and re-bases times to its start") {
  const auto full = azure_excerpt();
  TraceWindow w;
  w.start_s = 10;
  w.end_s = 20;
  auto source = windowed(w);
  const auto part = read_all(*source);
  std::vector<RequestSpec> expected;
  for (const auto& r : full)
    if (r.arrival >= 10 * kNsPerSecond && r.arrival < 20 * kNsPerSecond) expected.push_back(r);
  REQUIRE(!expected.empty());
  REQUIRE(part.size() == expected.size());
  for (size_t i = 0; i < part.size(); ++i) {
    CHECK(part[i].id == i);
    CHECK(part[i].arrival == expected[i].arrival - 10 * kNsPerSecond);
    CHECK(part[i].prompt_tokens == expected[i].prompt_tokens);
    CHECK(part[i].output_tokens == expected[i].output_tokens);
  }
}

TEST_CASE("a speed factor divides arrival times and a limit keeps the first requests") {
  const auto full = azure_excerpt();
  TraceWindow w;
  w.speed = 2.0;
  w.max_requests = 7;
  auto source = windowed(w);
  const auto fast = read_all(*source);
  REQUIRE(fast.size() == 7);
  for (size_t i = 0; i < fast.size(); ++i) {
    CHECK(fast[i].arrival == (full[i].arrival + 1) / 2);  // halves round up
    CHECK(fast[i].prompt_tokens == full[i].prompt_tokens);
  }
  RequestSpec r;
  CHECK_FALSE(source->next(r));
  CHECK(source->describe() == "azure-csv " + test_trace("azure_llm_2023_conv_head100.csv") + " speed 2 first 7");
}

TEST_CASE("a window stops reading at its end, so later rows are never parsed") {
  TempFile f("stop.csv",
             "TIMESTAMP,ContextTokens,GeneratedTokens\n"
             "2023-11-16 00:00:00,10,1\n"
             "2023-11-16 00:00:01,10,1\n"
             "2023-11-16 00:00:05,10,1\n"
             "this row is broken\n");
  TraceWindow w;
  w.end_s = 2;
  TraceWindowSource source(std::make_unique<AzureTraceReader>(f.path()), w);
  CHECK(read_all(source).size() == 2);
}

TEST_CASE("an invalid window is refused") {
  TraceWindow w;
  w.speed = 0;
  CHECK_THROWS_AS(windowed(w), InputError);
  w = {};
  w.start_s = 5;
  w.end_s = 5;
  CHECK_THROWS_WITH(windowed(w), Catch::Contains("must be after its start"));
}
