// The figures `kvsim run` prints (sim/cli/cmd_run.cpp), as rows of a table: the rows of
// kvsim::summary_rows (metrics/summary_rows.h), the list the CLI prints from, so a run reads the
// same in the GUI and in a terminal. The
// cost breakdown adds the storage and transfer parts of KV tiers (0 when a run has none), and a
// run with KV tiers shows their hit rates and traffic.
#pragma once
#include <string>
#include <vector>

#include <QString>
#include <nlohmann/json.hpp>

namespace kvsim::gui {

struct SummaryRow {
  QString section;  // "requests", "latency (s)", "throughput", ...
  QString label;    // "completed", "TTFT p99", ...
  double value = 0;
  QString text;     // value as `kvsim run` prints it
  QString unit;     // "s", "req/s", "$", ... ("" for a count or a ratio)
};

// `summary` is a summary.json (a results folder's, or to_json of a run's summary); missing keys
// read as 0 (summary_from_json), so a summary from an older or newer kvsim still shows. A run with KV
// tiers adds their rows after these (see kv_tier_rows): the hit rate with the tiers, one section
// per tier and one per link.
std::vector<SummaryRow> summary_rows(const nlohmann::json& summary);
// The rows of summary["kv_tiers"] (none when the run has no tiers): section "KV tiers" (block hit
// rates on the GPU only, found in any tier, and reused after loading; loads and offloads), then
// "tier <name> (<kind>)" per tier and "link <name>, per GPU" per link between tiers and the GPU.
std::vector<SummaryRow> kv_tier_rows(const nlohmann::json& summary);

// summary["cost"][key], or 0 when the run has no such cost (e.g. no KV tiers).
double cost_value(const nlohmann::json& summary, const char* key);

}  // namespace kvsim::gui
