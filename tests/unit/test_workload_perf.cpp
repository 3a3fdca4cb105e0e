// Throughput of the workload sources, hidden from the default run (it takes seconds and prints
// timings rather than asserting them): kvsim_tests "[perf]". Times are this process's CPU time, so
// that other work on the machine inflates them less than wall-clock time would.
#include <catch2/catch.hpp>

#include <cstdio>
#include <ctime>
#include <sstream>

#include "test_workload_util.h"
#include "workload/azure_trace.h"
#include "workload/mooncake_trace.h"
#include "workload/synthetic_source.h"
#include "workload/text_number.h"

using namespace kvsim;
using kvsim::testing::TempFile;

namespace {

double cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// Pulls every request and returns CPU nanoseconds per request.
double ns_per_request(RequestSource& source, uint64_t& count) {
  const double start = cpu_ns();
  RequestSpec r;
  count = 0;
  uint64_t checksum = 0;
  while (source.next(r)) {
    ++count;
    checksum += r.prompt_tokens;
  }
  const double ns = cpu_ns() - start;
  REQUIRE(checksum > 0);
  return ns / static_cast<double>(count);
}

void report(const char* what, double ns, uint64_t count) {
  std::printf("%-52s %8.0f ns/request  %9.0f requests/s  (%llu requests)\n", what, ns, 1e9 / ns,
              static_cast<unsigned long long>(count));
}

}  // namespace

TEST_CASE("workload throughput", "[.][perf]") {
  uint64_t n = 0;
  {
    SyntheticConfig c;
    c.num_requests = 1'000'000;
    c.arrivals = {ArrivalConfig::Process::kPoisson, 100.0, 1.0};
    c.prompt_tokens = LengthDist::lognormal_mean(1000, 0.8);
    c.output_tokens = LengthDist::zipf(1.1, 1, 2000);
    SyntheticSource plain(c);
    { const double ns = ns_per_request(plain, n); report("synthetic: lognormal prompt, zipf answer", ns, n); }
    c.system_prompt = {0.3, 512, 4};
    c.sessions.fraction = 0.3;
    c.sessions.turns = LengthDist::uniform(2, 6);
    c.sessions.user_tokens = LengthDist::lognormal_median(100, 0.5);
    SyntheticSource rich(c);
    { const double ns = ns_per_request(rich, n); report("synthetic: + system prompts, 30% sessions", ns, n); }
  }
  {
    std::ostringstream text;
    text << "TIMESTAMP,ContextTokens,GeneratedTokens\n";
    for (int i = 0; i < 1'000'000; ++i) {
      const int s = i / 100, frac = i % 100;
      char line[96];
      std::snprintf(line, sizeof line, "2023-11-%02d %02d:%02d:%02d.%02d00000,%d,%d\n", 16 + s / 86400,
                    s / 3600 % 24, s / 60 % 60, s % 60, frac, 100 + i % 4000, 1 + i % 700);
      text << line;
    }
    TempFile f("perf_azure.csv", text.str());
    AzureTraceReader reader(f.path());
    { const double ns = ns_per_request(reader, n); report("azure-csv reader", ns, n); }
  }
  {
    std::ostringstream text;
    for (int i = 0; i < 100'000; ++i) {
      text << "{\"timestamp\": " << i * 10 << ", \"input_length\": " << 512 * 20 - 7
           << ", \"output_length\": 300, \"hash_ids\": [";
      for (int b = 0; b < 20; ++b) text << (b ? ", " : "") << (b == 0 ? 0 : i * 20 + b);
      text << "]}\n";
    }
    TempFile f("perf_mooncake.jsonl", text.str());
    MooncakeTraceReader reader(f.path());
    { const double ns = ns_per_request(reader, n); report("mooncake-jsonl reader (20 block ids per line)", ns, n); }
  }
}
