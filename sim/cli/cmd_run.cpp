// kvsim run SCENARIO.json [--out DIR] [--set /pointer=value ...] [--quiet]
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "metrics/summary_rows.h"
#include "run/simulation.h"

namespace kvsim {

namespace {

// SIGINT and SIGTERM set the run's cancel flag; the run stops at its next check, publishes
// nothing, and the command exits 128 + the signal's number. A second signal kills the process
// (the output folder is still as before the run: a later run clears the staging folder).
std::atomic<bool> g_cancel{false};
std::atomic<int> g_signal{0};

extern "C" void on_cancel_signal(int sig) {
  g_signal.store(sig);
  g_cancel.store(true);
}

class CancelOnSignals {
 public:
  CancelOnSignals() {
    struct sigaction sa {};
    sa.sa_handler = on_cancel_signal;
    sa.sa_flags = SA_RESETHAND;  // a second Ctrl-C stops the process at once
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~CancelOnSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ {}, old_term_ {};
};

const char* kRunAbout =
    "Simulates the scenario and prints a summary. With --out, writes into DIR:\n"
    "  summary.json    every figure of the run and the scenario as run\n"
    "  requests.csv    one row per request (arrival, scheduled, first token, finish, tokens, ...)\n"
    "  timeseries.csv  KV blocks, running/waiting requests, tokens per step, hit rate, per interval\n"
    "Files are published only when the run completes; until then DIR keeps the previous run's\n"
    "results. One run at a time writes into DIR (a second is refused). Ctrl-C (SIGINT) or SIGTERM\n"
    "cancels the run, publishes nothing, and exits 130 or 143.";

void print_summary(const Scenario& sc, const RunResult& r) {
  const RunSummary& s = r.summary;
  // The figures come from the rows the GUI's summary table shows (metrics/summary_rows.h).
  const std::vector<SummaryRow> rows = summary_rows(s);
  const auto v = [&rows](const char* key) { return summary_row(rows, key).value; };
  const auto n = [&v](const char* key) { return static_cast<unsigned long long>(v(key)); };
  const auto dist = [&](const char* key) {
    const std::string k = std::string("/") + key + "/";
    std::printf("  %-6s mean %9.4f  p50 %9.4f  p90 %9.4f  p99 %9.4f\n", key, v((k + "mean").c_str()),
                v((k + "p50").c_str()), v((k + "p90").c_str()), v((k + "p99").c_str()));
  };
  std::printf("kvsim run: %s\n", sc.name.c_str());
  // Replicas, GPUs per replica and GPUs in all, so "8 replicas of 1 GPU" never reads as one GPU.
  const uint32_t gpus = sc.num_replicas * sc.gpus_per_replica();
  if (sc.disagg.enabled) {  // two pools, each its replicas x GPUs, and the KV link between them
    const auto pool = [](const char* name, const Scenario& p) {
      std::printf("  %s pool: %u replica%s x %u %s (TP %u, PP %u), %s router; $%.2f per GPU-hour\n", name,
                  p.num_replicas, p.num_replicas == 1 ? "" : "s", p.gpus_per_replica(), p.gpu.name.c_str(),
                  p.deployment.tensor_parallel, p.deployment.pipeline_parallel, p.router.c_str(), p.usd_per_gpu_hour);
    };
    const double usd = s.cost.usd_per_gpu_hour * s.cost.num_gpus;
    std::printf("  %s disaggregated: %u GPUs in all, KV over %s; $%.2f per hour\n", sc.model.name.c_str(),
                static_cast<unsigned>(s.cost.num_gpus), sc.disagg.link.link.c_str(), usd);
    pool("prefill", *sc.prefill_pool);
    pool("decode", *sc.decode_pool);
  } else {
    std::printf("  %s: %u replica%s x %u %s (TP %u, PP %u) = %u GPU%s, %s router; $%.2f per GPU-hour, $%.2f per hour\n",
                sc.model.name.c_str(), sc.num_replicas, sc.num_replicas == 1 ? "" : "s", sc.gpus_per_replica(),
                sc.gpu.name.c_str(), sc.deployment.tensor_parallel, sc.deployment.pipeline_parallel, gpus,
                gpus == 1 ? "" : "s", sc.router.c_str(), sc.usd_per_gpu_hour, sc.usd_per_gpu_hour * gpus);
  }
  std::printf("  workload: %s\n", s.workload_source.c_str());
  std::printf("  perf model: %s\n", s.perf_model.value("kind", std::string("?")).c_str());
  std::printf("requests: %llu arrived, %llu completed, %llu dropped, %llu preempted\n", n("/requests/arrived"),
              n("/requests/completed"), n("/requests/dropped"), n("/requests/preempted"));
  std::printf("latency (s):\n");
  dist("ttft_s");
  dist("tpot_s");
  dist("e2e_s");
  dist("queue_s");
  std::printf("throughput: %.3f req/s, %.1f input tok/s, %.1f output tok/s\n", v("/throughput/requests_per_s"),
              v("/throughput/input_tokens_per_s"), v("/throughput/output_tokens_per_s"));
  std::printf("goodput: %.1f%% of requests meet the SLOs (%.3f req/s)\n", v("/goodput/fraction"),
              v("/goodput/requests_per_s"));
  std::printf("prefix cache: block hit rate %.4f, token hit rate %.4f, %llu evictions\n",
              v("/prefix_cache/block_hit_rate"), v("/prefix_cache/token_hit_rate"), n("/prefix_cache/evictions"));
  if (s.response_cache.is_object())
    std::printf("response cache: hit rate %.4f, %llu exact and %llu semantic hits, GPU $%.4f saved\n",
                v("/response_cache/hit_rate"), n("/response_cache/exact_hits"), n("/response_cache/semantic_hits"),
                v("/response_cache/usd_saved"));
  std::printf("kv: %llu blocks in total, mean utilization %.3f, peak %.3f\n", n("/kv/blocks_total"),
              v("/kv/mean_utilization"), v("/kv/peak_utilization"));
  std::printf("cost: $%.4f total over %.1f simulated s, $%.4f per million tokens\n", v("/cost/usd_total"),
              v("/simulated_seconds"), v("/cost/usd_per_million_tokens"));
  if (s.fleet.is_object())
    std::printf("fleet: $%.4f on-demand + $%.4f spot, peak %llu replicas serving, $%.4f saved vs that many on-demand for "
                "the run; %llu replicas started, %llu spot interruptions, %llu requests moved, %llu tokens recomputed\n",
                v("/fleet/usd/on_demand"), v("/fleet/usd/spot"), n("/fleet/peak_replicas_serving"),
                v("/fleet/usd_saved_vs_fixed_peak"), n("/fleet/replicas_started"), n("/fleet/spot/interruptions"),
                n("/fleet/spot/requests_moved"), n("/fleet/spot/tokens_recomputed"));
  if (s.disaggregation.is_object())
    std::printf("disaggregation: prefill busy %.3f, decode busy %.3f; %llu KV transfers, %.3f GB, mean %.4f s; "
                "TTFT stages (mean s): prefill queue %.4f, prefill %.4f, decode queue %.4f, transfer %.4f\n",
                v("/disaggregation/pools/prefill/busy_fraction"), v("/disaggregation/pools/decode/busy_fraction"),
                n("/disaggregation/kv_transfer/transfers_completed"), v("/disaggregation/kv_transfer/bytes_received"),
                s.disaggregation.value(nlohmann::json::json_pointer("/kv_transfer/time_s/mean"), 0.0),
                v("/disaggregation/stage_s/prefill_queue/mean"), v("/disaggregation/stage_s/prefill/mean"),
                v("/disaggregation/stage_s/decode_queue/mean"), v("/disaggregation/stage_s/transfer/mean"));
  std::printf("(simulated in %.2f s wall, %llu events)\n", r.wall_seconds, static_cast<unsigned long long>(r.events));
}

}  // namespace

int cmd_run(const Args& args) {
  std::string path, out;
  std::vector<std::string> overrides;
  bool quiet = false;
  CommandLine cl("run", {"SCENARIO.json [--out DIR] [--set /json/pointer=value ...] [--quiet]"}, kRunAbout);
  cl.positional("SCENARIO.json", path)
      .text("out", out, "DIR", "output folder (created if missing)")
      .texts("set", overrides, "/ptr=value",
             "override a scenario field, e.g. --set /cluster/replicas=4 (value parsed as JSON, else taken as a "
             "string; repeatable)")
      .flag("quiet", quiet, "no progress line on stderr");
  if (const auto rc = cl.parse(args)) return *rc;
  const Catalog catalog = Catalog::open_default();
  const Scenario sc = load_scenario(path, overrides, catalog);
  RunOptions opt;
  opt.out_dir = out;
  opt.keep_samples = false;  // the summary has the percentiles, requests.csv every latency
  bool printed = false;
  if (!quiet) {
    opt.on_progress = [&printed](const Progress& p) {
      if (p.wall_s < 1.0) return;  // short runs print no progress
      std::fprintf(stderr, "\r[kvsim] simulated %.1f s | %llu/%llu requests done | %.0f req/s   ", p.simulated_s,
                   static_cast<unsigned long long>(p.requests_done),
                   static_cast<unsigned long long>(p.requests_arrived), p.requests_done / p.wall_s);
      printed = true;
    };
  }
  opt.cancel = &g_cancel;
  RunResult r;
  try {
    CancelOnSignals cancel_on_signals;
    r = run_scenario(sc, opt);
  } catch (const Cancelled&) {
    const int sig = g_signal.load();
    std::fprintf(stderr, "%skvsim run: cancelled by %s; no outputs were published%s\n", printed ? "\n" : "",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT",
                 out.empty() ? "" : (" (" + out + " is as it was before the run)").c_str());
    return 128 + (sig == 0 ? SIGINT : sig);
  }
  if (printed) std::fprintf(stderr, "\n");
  print_summary(sc, r);
  if (!out.empty()) std::printf("outputs: %s/{summary.json,requests.csv,timeseries.csv}\n", out.c_str());
  return 0;
}

}  // namespace kvsim
