// The figures `kvsim run` prints (sim/cli/cmd_run.cpp), as rows of a table: the rows of
// kvsim::summary_rows (metrics/summary_rows.h), the list the CLI prints from, so a run reads the
// same in the GUI and in a terminal. The
// cost breakdown adds the storage and transfer parts of KV tiers (0 when a run has none), and a
// run with KV tiers shows their hit rates and traffic.
#pragma once
#include <string>
#include <vector>

#include <QString>

#include "metrics/run_summary.h"

namespace kvsim::gui {

struct SummaryRow {
  QString section;  // "requests", "latency (s)", "throughput", ...
  QString label;    // "completed", "TTFT p99", ...
  double value = 0;
  QString text;     // value as `kvsim run` prints it
  QString unit;     // "s", "req/s", "$", ... ("" for a count or a ratio)
};

// The rows of kvsim::summary_rows(summary), as the GUI's table shows them; a run opened from a
// results folder has the same summary (summary_from_json), so it shows the same rows. A run with
// KV tiers adds their rows after these (see kv_tier_rows): the hit rate with the tiers, one
// section per tier and one per link.
std::vector<SummaryRow> summary_rows(const RunSummary& summary);
// The rows of summary.kv_tiers (none when the run has no tiers): section "KV tiers" (block hit
// rates on the GPU only, found in any tier, and reused after loading; loads and offloads), then
// "tier <name> (<kind>)" per tier and "link <name>, per GPU" per link between tiers and the GPU.
std::vector<SummaryRow> kv_tier_rows(const RunSummary& summary);

}  // namespace kvsim::gui
