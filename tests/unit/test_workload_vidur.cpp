// The Vidur trace reader, with and without arrival times.
#include <catch2/catch.hpp>

#include "core/error.h"
#include "test_workload_util.h"
#include "workload/vidur_trace.h"

using namespace kvsim;
using kvsim::testing::read_all;
using kvsim::testing::TempFile;
using kvsim::testing::test_trace;

TEST_CASE("the Vidur reader takes arrivals in seconds from arrived_at") {
  VidurTraceReader reader(test_trace("vidur_trace_handmade.csv"));
  const auto all = read_all(reader);
  REQUIRE(all.size() == 7);
  CHECK(all[0].arrival == 0);
  CHECK(all[0].prompt_tokens == 3772);
  CHECK(all[0].output_tokens == 54);
  CHECK(all[1].arrival == 125'000'000);
  CHECK(all[3].arrival == 1'750'000'000);
  CHECK(all[4].arrival == 1'750'000'000);
  CHECK(all[5].arrival == 2'000'000'001);  // 2.0000000005 s rounds half up
  for (size_t i = 0; i < all.size(); ++i) CHECK(all[i].id == i);
}

TEST_CASE("a Vidur length file without arrived_at needs an arrival process") {
  const std::string path = test_trace("vidur_arxiv_summarization_lengths_head200.csv");
  CHECK_THROWS_WITH(VidurTraceReader(path), Catch::StartsWith(path + ":1: no \"arrived_at\" column") &&
                                                Catch::Contains("\"arrivals\""));
  TraceReaderOptions options;
  options.arrivals = ArrivalConfig{ArrivalConfig::Process::kGamma, 4.0, 2.0};
  VidurTraceReader reader(path, options);
  const auto all = read_all(reader);
  REQUIRE(all.size() == 200);
  // Row 1: 3772,54,3826,69.85...; row 200 checked against the excerpt's last line.
  CHECK(all[0].prompt_tokens == 3772);
  CHECK(all[0].output_tokens == 54);
  CHECK(all[0].arrival == 0);
  for (size_t i = 1; i < all.size(); ++i) CHECK(all[i].arrival >= all[i - 1].arrival);
  CHECK(all.back().arrival > 0);
  CHECK(reader.describe() == "vidur-csv " + path + " with gamma 4 req/s cv 2 arrivals");
}

TEST_CASE("Vidur errors name the file, the line and the column") {
  TempFile f("v.csv", "arrived_at,num_prefill_tokens,num_decode_tokens\n0.5,10,2\n0.25,10,2\n");
  VidurTraceReader reader(f.path());
  CHECK_THROWS_WITH(read_all(reader), f.path() + ":3: arrived_at: \"0.25\" is 0.25 s earlier than the row "
                                                 "on line 2; a trace must be sorted by arrival time");
  TempFile g("w.csv", "arrived_at,num_prefill_tokens,num_decode_tokens\nsoon,10,2\n");
  VidurTraceReader reader2(g.path());
  CHECK_THROWS_WITH(read_all(reader2),
                    g.path() + ":2: arrived_at: expected a non-negative number of seconds, found \"soon\"");
  TempFile h("x.csv", "arrived_at,num_prefill_tokens\n");
  CHECK_THROWS_WITH(VidurTraceReader(h.path()), Catch::Contains(":1: missing column \"num_decode_tokens\""));
}
