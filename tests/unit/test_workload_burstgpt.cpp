// The BurstGPT trace reader and its filters.
#include <catch2/catch.hpp>

#include "core/error.h"
#include "test_workload_util.h"
#include "workload/burstgpt_trace.h"

using namespace kvsim;
using kvsim::testing::read_all;
using kvsim::testing::TempFile;
using kvsim::testing::test_trace;

// tests/data/traces/burstgpt_handmade.csv (hand-written in the published schema):
//   line 2  5,ChatGPT,472,18              line 7  200.5,GPT-4,2034,0,API log
//   line 3  45,ChatGPT,1087,0 (failed)    line 8  230,ChatGPT,95,401,API log
//   line 4  118,GPT-4,417,246             line 9  301,GPT-4,730,112
//   line 5  125,ChatGPT,1360,229,API log  line 10 345,ChatGPT,0,0 (no prompt: always skipped)
//   line 6  125,ChatGPT,312,62            line 11 402,ChatGPT,1822,77

TEST_CASE("the BurstGPT reader keeps failed requests by default and skips empty prompts") {
  BurstGptTraceReader reader(test_trace("burstgpt_handmade.csv"));
  const auto all = read_all(reader);
  REQUIRE(all.size() == 9);
  CHECK(all[0].arrival == 0);
  CHECK(all[0].prompt_tokens == 472);
  CHECK(all[0].output_tokens == 18);
  CHECK(all[1].arrival == 40'000'000'000);
  CHECK(all[1].output_tokens == 0);
  CHECK(all[5].arrival == 195'500'000'000);
  CHECK(all[8].arrival == 397'000'000'000);
  CHECK(all[8].prompt_tokens == 1822);
  for (size_t i = 0; i < all.size(); ++i) CHECK(all[i].id == i);
}

TEST_CASE("BurstGPT rows can be filtered by model, log type and failure") {
  BurstGptFilter filter;
  filter.model = "gpt-4";
  BurstGptTraceReader gpt4(test_trace("burstgpt_handmade.csv"), filter);
  auto all = read_all(gpt4);
  REQUIRE(all.size() == 3);
  CHECK(all[0].prompt_tokens == 417);
  CHECK(all[0].arrival == 0);  // relative to the first kept request
  CHECK(all[1].arrival == 82'500'000'000);
  CHECK(all[2].arrival == 183'000'000'000);
  CHECK(all[2].id == 2);

  filter = {};
  filter.log_type = "API log";
  filter.skip_failed = true;
  BurstGptTraceReader api(test_trace("burstgpt_handmade.csv"), filter);
  all = read_all(api);
  REQUIRE(all.size() == 2);
  CHECK(all[0].prompt_tokens == 1360);
  CHECK(all[1].prompt_tokens == 95);
  CHECK(api.describe() == "burstgpt-csv " + test_trace("burstgpt_handmade.csv") +
                              " log_type=API log skip_failed");
}

TEST_CASE("BurstGPT errors name the file, the line and the column") {
  const std::string header = "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n";
  TempFile f("b.csv", header + "5,ChatGPT,472,18,490,Conversation log\n4,ChatGPT,1,1,2,API log\n");
  BurstGptFilter filter;
  filter.model = "GPT-4";  // the bad row would be filtered out, but is still checked
  BurstGptTraceReader reader(f.path(), filter);
  CHECK_THROWS_WITH(read_all(reader), f.path() + ":3: Timestamp: \"4\" is 1 s earlier than the row on "
                                                 "line 2; a trace must be sorted by arrival time");
  TempFile g("c.csv", header + "5,ChatGPT,many,18,490,Conversation log\n");
  BurstGptTraceReader reader2(g.path());
  CHECK_THROWS_WITH(read_all(reader2),
                    g.path() + ":2: Request tokens: expected a non-negative integer, found \"many\"");
  TempFile h("d.csv", "Timestamp,Request tokens,Response tokens\n");
  filter = {};
  filter.log_type = "API log";
  CHECK_THROWS_WITH(BurstGptTraceReader(h.path(), filter), Catch::Contains(":1: missing column \"Log Type\""));
  CHECK_NOTHROW(BurstGptTraceReader(h.path()));
}
