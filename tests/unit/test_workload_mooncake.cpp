// The Mooncake JSONL trace reader.
#include <catch2/catch.hpp>

#include "core/error.h"
#include "test_workload_util.h"
#include "workload/mooncake_trace.h"
#include "workload/stream_ids.h"

using namespace kvsim;
using kvsim::testing::read_all;
using kvsim::testing::TempFile;
using kvsim::testing::test_trace;

TEST_CASE("the Mooncake reader carries the 512-token block ids of the committed excerpt") {
  MooncakeTraceReader reader(test_trace("mooncake_conversation_head50.jsonl"));
  const auto all = read_all(reader);
  REQUIRE(all.size() == 50);
  // Line 1: {"timestamp": 0, "input_length": 6758, "output_length": 500, "hash_ids": [0, 1, ..., 13]}
  const RequestSpec& first = all[0];
  CHECK(first.arrival == 0);
  CHECK(first.prompt_tokens == 6758);
  CHECK(first.output_tokens == 500);
  REQUIRE(first.content.hash_ids != nullptr);
  CHECK(first.content.hash_ids->size() == 14);
  CHECK(first.content.hash_ids->front() == 0);
  CHECK(first.content.hash_ids->back() == 13);
  CHECK(first.content.hash_block_tokens == 512);
  CHECK(first.content.hashed_tokens == 6758);  // 14 blocks of 512 cover the whole prompt
  CHECK(first.content.shared_end == first.content.hashed_tokens);
  CHECK(stream_kind(first.content.own_stream) == StreamKind::kUnique);
  // Requests of the excerpt share block 0 (a common system prompt in the trace).
  CHECK((*all[1].content.hash_ids)[0] == 0);
  for (size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].id == i);
    if (i > 0) CHECK(all[i].arrival >= all[i - 1].arrival);
    CHECK(all[i].content.hashed_tokens <= all[i].prompt_tokens);
  }
  // Line 50: {"timestamp": 15000, "input_length": 23631, "output_length": 362, ...}
  CHECK(all[49].arrival == 15'000'000'000);
  CHECK(all[49].prompt_tokens == 23631);
}

TEST_CASE("Mooncake hashed tokens cover min(input_length, 512 per id)") {
  TempFile f("cover.jsonl",
             "{\"timestamp\": 10, \"input_length\": 2000, \"output_length\": 5, \"hash_ids\": [7, 8]}\r\n"
             "\n"
             "{\"timestamp\": 10.5, \"input_length\": 100, \"output_length\": 0, \"hash_ids\": [7], \"extra\": 1}\n"
             "{\"timestamp\": 12, \"input_length\": 30, \"output_length\": 3}\n"
             "{\"timestamp\": 13, \"input_length\": 30, \"output_length\": 3, \"hash_ids\": []}\n");
  MooncakeTraceReader reader(f.path());
  const auto all = read_all(reader);
  REQUIRE(all.size() == 4);
  CHECK(all[0].content.hashed_tokens == 1024);
  CHECK(all[1].content.hashed_tokens == 100);
  CHECK(all[1].arrival == 500'000);
  CHECK(all[1].output_tokens == 0);
  CHECK(all[2].content.hash_ids == nullptr);
  CHECK(all[2].content.hashed_tokens == 0);
  CHECK(all[2].arrival == 2'000'000);
  CHECK(all[3].content.hash_ids == nullptr);
  CHECK(all[0].content.own_stream != all[1].content.own_stream);
}

TEST_CASE("Mooncake errors name the file, the line and the field") {
  auto fails_with = [](const std::string& body, const std::string& message) {
    TempFile f("bad.jsonl", "{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 1, \"hash_ids\": [1]}\n" + body);
    MooncakeTraceReader reader(f.path());
    CHECK_THROWS_WITH(read_all(reader), f.path() + ":2: " + message);
  };
  fails_with("{\"timestamp\": 1, \"input_length\": \"abc\", \"output_length\": 1}\n",
             "input_length: expected an integer token count in [1, 2^32), found the string \"abc\"");
  fails_with("{\"timestamp\": 1, \"output_length\": 1}\n", "missing field \"input_length\"");
  fails_with("{\"timestamp\": -3, \"input_length\": 5, \"output_length\": 1}\n",
             "timestamp: expected a non-negative number of milliseconds, found the number -3");
  fails_with("{\"timestamp\": 1, \"input_length\": 5, \"output_length\": 1, \"hash_ids\": [1, -2]}\n",
             "hash_ids: expected non-negative integer block ids, found the number -2 at index 1");
  fails_with("{\"timestamp\": 1, \"input_length\": 5, \"output_length\": 1, \"hash_ids\": 4}\n",
             "hash_ids: expected an array of block ids, found the number 4");
  fails_with("[1, 2]\n", "expected one JSON object per line, found an array [1,2]");
  fails_with("{\"timestamp\": 1, \"input_length\": 0, \"output_length\": 1}\n",
             "input_length: expected an integer token count in [1, 2^32), found the number 0");

  TempFile syntax("syntax.jsonl", "{\"timestamp\": 0, \"input_length\": 10,, }\n");
  MooncakeTraceReader reader(syntax.path());
  CHECK_THROWS_WITH(read_all(reader), Catch::StartsWith(syntax.path() + ":1: invalid JSON at column"));

  TempFile order("order.jsonl",
                 "{\"timestamp\": 2000, \"input_length\": 10, \"output_length\": 1}\n"
                 "{\"timestamp\": 1500, \"input_length\": 10, \"output_length\": 1}\n");
  MooncakeTraceReader unsorted(order.path());
  CHECK_THROWS_WITH(read_all(unsorted),
                    order.path() + ":2: timestamp: 1500 ms is 0.5 s earlier than the row on line 1; a trace "
                                   "must be sorted by arrival time");
}

TEST_CASE("Mooncake lines may carry other fields of any kind, which are ignored") {
  TempFile f("extra.jsonl",
             "{\"meta\": {\"a\": [1, {\"b\": null}], \"c\": \"x\"}, \"timestamp\": 1.5, \"tags\": [\"p\", -1, 2.5],"
             " \"input_length\": 600, \"flag\": true, \"output_length\": 7, \"hash_ids\": [3, 4], \"n\": -2}\n"
             "{\"timestamp\": 2, \"input_length\": 10, \"output_length\": 1, \"hash_ids\": null}\n");
  MooncakeTraceReader reader(f.path());
  const auto all = read_all(reader);
  REQUIRE(all.size() == 2);
  CHECK(all[0].prompt_tokens == 600);
  CHECK(all[0].output_tokens == 7);
  REQUIRE(all[0].content.hash_ids != nullptr);
  CHECK(*all[0].content.hash_ids == std::vector<uint64_t>{3, 4});
  CHECK(all[0].content.hashed_tokens == 600);
  CHECK(all[1].arrival == 500'000);
  CHECK(all[1].content.hash_ids == nullptr);
}

TEST_CASE("a Mooncake trace replays with generated arrivals and no timestamps") {
  TempFile f("nots.jsonl", "{\"input_length\": 10, \"output_length\": 1}\n{\"input_length\": 20, \"output_length\": 2}\n");
  MooncakeTraceReader plain(f.path());
  CHECK_THROWS_WITH(read_all(plain), f.path() + ":1: missing field \"timestamp\"");
  TraceReaderOptions options;
  options.arrivals = ArrivalConfig{};
  MooncakeTraceReader generated(f.path(), options);
  CHECK(read_all(generated).size() == 2);
}
