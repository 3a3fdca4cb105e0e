// The Azure LLM inference trace reader.
#include <catch2/catch.hpp>

#include <set>

#include "core/error.h"
#include "test_workload_util.h"
#include "workload/azure_trace.h"
#include "workload/stream_ids.h"

using namespace kvsim;
using kvsim::testing::read_all;
using kvsim::testing::TempFile;
using kvsim::testing::test_trace;

TEST_CASE("the Azure reader replays the committed excerpt with times relative to the first request") {
  AzureTraceReader reader(test_trace("azure_llm_2023_conv_head100.csv"));
  const auto all = read_all(reader);
  REQUIRE(all.size() == 100);
  // Rows 1, 2 and 100 of the excerpt:
  //   2023-11-16 18:15:46.6805900,374,44 / 2023-11-16 18:15:50.9951690,396,109
  //   2023-11-16 18:16:29.3658130,859,422
  CHECK(all[0].arrival == 0);
  CHECK(all[0].prompt_tokens == 374);
  CHECK(all[0].output_tokens == 44);
  CHECK(all[1].arrival == 4'314'579'000);
  CHECK(all[1].prompt_tokens == 396);
  CHECK(all[1].output_tokens == 109);
  CHECK(all[99].arrival == 42'685'223'000);
  CHECK(all[99].prompt_tokens == 859);
  CHECK(all[99].output_tokens == 422);
  std::set<uint64_t> streams;
  for (size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].id == i);
    if (i > 0) CHECK(all[i].arrival >= all[i - 1].arrival);
    CHECK(all[i].content.hash_ids == nullptr);
    CHECK(all[i].content.shared_stream == 0);
    CHECK(all[i].session == 0);
    CHECK(stream_kind(all[i].content.own_stream) == StreamKind::kUnique);
    streams.insert(all[i].content.own_stream);
  }
  CHECK(streams.size() == all.size());
  CHECK(reader.describe() == "azure-csv " + test_trace("azure_llm_2023_conv_head100.csv"));
}

TEST_CASE("the Azure reader keeps exact time across midnight, with CRLF, blank lines and any column order") {
  TempFile f("midnight.csv",
             "GeneratedTokens,TIMESTAMP,ContextTokens\r\n"
             "10,2023-11-16 23:59:59.9000000,100\r\n"
             "\r\n"
             "20,2023-11-17 00:00:00.1000001,200\r\n"
             "30,2023-11-18 00:00:00.1000001,300\r\n");
  AzureTraceReader reader(f.path());
  const auto all = read_all(reader);
  REQUIRE(all.size() == 3);
  CHECK(all[0].arrival == 0);
  CHECK(all[1].arrival == 200'000'100);
  CHECK(all[2].arrival == 86'400'000'000'000 + 200'000'100);
  CHECK(all[1].prompt_tokens == 200);
  CHECK(all[1].output_tokens == 20);
}

TEST_CASE("Azure errors name the file, the line and what was wrong") {
  const std::string header = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
  SECTION("a token count that is not a number") {
    TempFile f("abc.csv", header + "2023-11-16 18:15:46.6805900,374,44\n2023-11-16 18:15:47.0,abc,4\n");
    AzureTraceReader reader(f.path());
    CHECK_THROWS_WITH(read_all(reader),
                      f.path() + ":3: ContextTokens: expected a non-negative integer, found \"abc\"");
  }
  SECTION("a negative answer length") {
    TempFile f("neg.csv", header + "2023-11-16 18:15:46.6805900,374,-4\n");
    AzureTraceReader reader(f.path());
    CHECK_THROWS_WITH(read_all(reader),
                      f.path() + ":2: GeneratedTokens: expected a non-negative integer, found \"-4\"");
  }
  SECTION("an empty prompt") {
    TempFile f("zero.csv", header + "2023-11-16 18:15:46.6805900,0,4\n");
    AzureTraceReader reader(f.path());
    CHECK_THROWS_WITH(read_all(reader), f.path() + ":2: ContextTokens: expected a token count >= 1, found \"0\"");
  }
  SECTION("a malformed timestamp") {
    TempFile f("ts.csv", header + "16/11/2023 18:15,374,44\n");
    AzureTraceReader reader(f.path());
    CHECK_THROWS_WITH(read_all(reader), Catch::StartsWith(f.path() + ":2: TIMESTAMP: expected a date-time like") &&
                                            Catch::Contains("found \"16/11/2023 18:15\""));
  }
  SECTION("rows out of time order") {
    TempFile f("order.csv", header + "2023-11-16 18:15:46.5,374,44\n2023-11-16 18:15:47.0,1,1\n"
                                     "2023-11-16 18:15:46.75,2,2\n");
    AzureTraceReader reader(f.path());
    CHECK_THROWS_WITH(read_all(reader),
                      f.path() + ":4: TIMESTAMP: \"2023-11-16 18:15:46.75\" is 0.25 s earlier than the row "
                                 "on line 3; a trace must be sorted by arrival time");
  }
  SECTION("a missing column") {
    TempFile f("col.csv", "TIMESTAMP,Context,GeneratedTokens\n");
    CHECK_THROWS_WITH(AzureTraceReader(f.path()),
                      f.path() + ":1: missing column \"ContextTokens\" (the header has: TIMESTAMP, Context, "
                                 "GeneratedTokens)");
  }
  SECTION("a short row") {
    TempFile f("short.csv", header + "2023-11-16 18:15:46.5,374\n");
    AzureTraceReader reader(f.path());
    CHECK_THROWS_WITH(read_all(reader), f.path() + ":2: expected 3 fields as in the header, found 2");
  }
}

TEST_CASE("an arrival process replaces the Azure timestamps when given") {
  TraceReaderOptions options;
  options.arrivals = ArrivalConfig{ArrivalConfig::Process::kPoisson, 5.0, 1.0};
  options.seed = 7;
  AzureTraceReader a(test_trace("azure_llm_2023_conv_head100.csv"), options);
  AzureTraceReader b(test_trace("azure_llm_2023_conv_head100.csv"), options);
  const auto x = read_all(a), y = read_all(b);
  REQUIRE(x.size() == 100);
  CHECK(x[0].arrival == 0);
  CHECK(x[1].arrival != 4'314'579'000);
  CHECK(x[0].prompt_tokens == 374);
  for (size_t i = 0; i < x.size(); ++i) CHECK(x[i].arrival == y[i].arrival);
  CHECK(a.describe() == "azure-csv " + test_trace("azure_llm_2023_conv_head100.csv") +
                            " with poisson 5 req/s arrivals");
}
