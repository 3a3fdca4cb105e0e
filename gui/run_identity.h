// What a run is, and whether it met its SLOs, read from its typed summary: the model, GPU, number
// of replicas and of GPUs, TP/PP, router and KV eviction policy, the price per GPU-hour and per
// hour of the fleet, and one verdict per SLO. The numbers are the ones `kvsim run`'s header prints
// (sim/cli/cmd_run.cpp), taken from the summary of the same run (cost.num_gpus,
// cost.usd_per_gpu_hour, and the perf model's description: model, gpu, deployment), so the GUI
// and the CLI agree on every run, including runs opened from a results folder.
#pragma once
#include <vector>

#include <QString>

#include "metrics/run_summary.h"
#include "summary_rows.h"

namespace kvsim::gui {

struct RunIdentity {
  QString model, gpu, router, eviction_policy;
  unsigned replicas = 0, gpus_per_replica = 0, gpus = 0, tensor_parallel = 0, pipeline_parallel = 0;
  double usd_per_gpu_hour = 0, usd_per_hour = 0;  // (disaggregated: the pools' mean per GPU-hour)
  // Disaggregated prefill/decode pools: "prefill 2 × A100-80GB (TP 1) + decode 1 × A100-80GB (TP 1)"
  // (empty for a colocated fleet).
  QString pools;
  // "4 × H100-SXM (TP 1) = 4 GPUs · Llama-3-8B · round_robin · lru · $49.16/h"
  QString one_line() const;
};

// Missing fields read as empty or 0 (a summary of an older kvsim still shows).
RunIdentity run_identity(const RunSummary& summary);
// The identity as rows of the summary table, section "run".
std::vector<SummaryRow> identity_rows(const RunSummary& summary);

// One SLO of the run. Per-request latency targets (slo.ttft_s, tpot_s, e2e_s; 0 = none) pass when
// the run's P99 of that latency is at or under the target; goodput passes when at least
// kGoodputTarget of the requests met every target (the library's goodput.fraction, dropped
// requests counting as missing it).
inline constexpr double kGoodputTarget = 0.99;
struct SloVerdict {
  QString label;        // "TTFT p99 target", ..., "goodput ≥ 99%"
  bool set = false;     // the scenario has this target
  bool passed = false;  // meaningful when `set`
  double value = 0, target = 0;
  // "✓ 0.4300 ≤ 2 s" / "✗ 39.2900 > 2 s" / "✓ 99.5% ≥ 99%" / "— no target": the mark says it
  // without the colour.
  QString text() const;
};
// TTFT, TPOT, E2E and goodput, in that order, always four (unset ones with set = false); goodput
// is set when any latency target is.
std::vector<SloVerdict> slo_verdicts(const RunSummary& summary);
// Every target that is set passed (true when none is set); `any_set` says whether one was.
bool slos_passed(const RunSummary& summary, bool* any_set = nullptr);

}  // namespace kvsim::gui
