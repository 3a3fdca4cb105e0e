// The figures of a run summary as rows of a table (section, label, value, unit, precision): the
// one list both front ends show. `kvsim run` prints its summary from these rows
// (sim/cli/cmd_run.cpp) and the GUI's summary table is made of them (gui/summary_rows.h), so a run
// reads the same in the GUI and in a terminal. Each row names the summary.json member it shows
// (`key`, a JSON pointer), which is how a front end picks the figures it lays out its own way.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "metrics/run_summary.h"

namespace kvsim {

struct SummaryRow {
  std::string section;  // "requests", "latency (s)", "throughput", ...
  std::string label;    // "completed", "TTFT p99", ...
  std::string key;      // the summary.json member shown: "/requests/completed", "/ttft_s/p99"
  double value = 0;     // as shown (a fraction shown in percent is already multiplied by 100)
  int decimals = -1;    // digits after the point; -1: a count, shown as an integer
  std::string unit;     // "s", "req/s", "tok/s", "%", "$", "blocks", "" (a count or a ratio)
  // The value as `kvsim run` prints it ("%.<decimals>f", or the integer).
  std::string text() const;
};

// Requests, latency percentiles (mean, p50, p90, p99 of TTFT, TPOT, E2E, queueing), throughput,
// goodput, prefix cache, the response cache (only when the run has one), KV utilisation and cost
// (with the KV tiers' storage and transfer parts, 0 when a run has none), in that order.
std::vector<SummaryRow> summary_rows(const RunSummary& s);
// The row showing summary.json member `key`; throws std::out_of_range when there is none.
const SummaryRow& summary_row(const std::vector<SummaryRow>& rows, std::string_view key);

}  // namespace kvsim
