// kvsim sweep SWEEP.json --out DIR [--jobs N] [--shard K/N] [--retry-failed] [--quiet]
// kvsim sweep merge --out DIR SHARD_DIR...
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/sweep_mpi.h"
#include "core/error.h"
#include "plan/sweep_runner.h"

namespace kvsim {

namespace {

const std::vector<std::string> kSweepSynopses = {
    "SWEEP.json --out DIR [--jobs N] [--shard K/N] [--retry-failed] [--quiet]",
    "merge --out DIR SHARD_DIR...",
};

const char* kSweepAbout =
    "Runs every point of a sweep (a base scenario and axes of JSON pointers with their values;\n"
    "format in docs/sweep.md), each an ordinary deterministic run without output files. Writes:\n"
    "  DIR/points.jsonl  one line per finished point (overrides, scenario hash, summary or error),\n"
    "                    appended and fsync'ed as each point finishes\n"
    "  DIR/points.csv    the same as a table, written only once every point has a result\n"
    "  DIR/sweep.json    the sweep as run (base inlined), for merge\n"
    "Running the same command again resumes: points whose hash is in points.jsonl are skipped.\n"
    "A point that fails is recorded with its message and the sweep goes on. Ctrl-C stops the\n"
    "sweep (points in flight are dropped and run again on resume). Under `mpirun -n N kvsim sweep\n"
    "SWEEP.json --out DIR` (when built with MPI) rank 0 hands the points out to the other ranks.\n"
    "merge: joins shard folders (one sweep) into DIR and writes DIR/points.csv when complete.";

std::atomic<bool> g_cancel{false};
std::atomic<int> g_signal{0};

extern "C" void on_sweep_signal(int sig) {
  g_signal.store(sig);
  g_cancel.store(true);
}

// Installs the handlers for its lifetime; a second signal kills at once (SA_RESETHAND).
struct SweepSignals {
  struct sigaction old_int {}, old_term {};
  SweepSignals() {
    struct sigaction sa {};
    sa.sa_handler = on_sweep_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
  }
  ~SweepSignals() {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
  }
};

std::string clock_text(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

// "[sweep] 120/1000 points (3 failed) | 15.2 points/s | ETA 0:58", redrawn on a terminal at most
// every 0.25 s, printed as a line every 10 s otherwise.
class ProgressLine {
 public:
  explicit ProgressLine(bool quiet) : quiet_(quiet), tty_(isatty(STDERR_FILENO)) {}
  void update(const SweepProgress& p) {
    if (quiet_) return;
    const auto now = std::chrono::steady_clock::now();
    const bool last = p.done == p.total;
    if (!last && printed_ && now - last_ < std::chrono::milliseconds(tty_ ? 250 : 10000)) return;
    last_ = now;
    const double rate = p.wall_s > 0 ? p.ran / p.wall_s : 0;
    const std::string eta = rate > 0 ? clock_text((p.total - p.done) / rate) : "?";
    std::fprintf(stderr, "%s[sweep] %zu/%zu points (%zu failed) | %.1f points/s | ETA %s%s", tty_ ? "\r" : "", p.done,
                 p.total, p.failed, rate, eta.c_str(), tty_ ? "   " : "\n");
    printed_ = true;
  }
  void finish() {
    if (printed_ && tty_) std::fprintf(stderr, "\n");
  }

 private:
  bool quiet_, tty_, printed_ = false;
  std::chrono::steady_clock::time_point last_{};
};

void print_outcome(const SweepOutcome& o, const std::string& dir) {
  const SweepProgress& p = o.progress;
  std::printf("kvsim sweep: %zu points, %zu ran now, %zu had results already, %zu failed, in %.1f s\n", p.total, p.ran,
              o.skipped, p.failed, p.wall_s);
  if (o.duplicates) std::printf("  %zu point(s) resolve to the same scenario as an earlier point: run once\n", o.duplicates);
  if (o.torn_bytes) std::printf("  dropped a torn last line (%zu bytes) left by an interrupted sweep\n", o.torn_bytes);
  if (o.foreign_lines)
    std::printf("  %zu line(s) of points.jsonl belong to no point of this sweep (kept; not in points.csv)\n", o.foreign_lines);
  if (o.complete) std::printf("outputs: %s/{points.jsonl,points.csv,sweep.json}\n", dir.c_str());
  else std::printf("incomplete: %zu point(s) have no result; run the same command again to resume (%s/points.jsonl)\n",
                   p.total - p.done, dir.c_str());
}

int cmd_sweep_merge(const Args& args) {
  std::string out;
  std::vector<std::string> dirs;
  CommandLine cl("sweep merge", {"--out DIR SHARD_DIR..."}, kSweepAbout);
  cl.text("out", out, "DIR", "the merged sweep's folder (created if missing)")
      .positionals("SHARD_DIR", dirs)
      .required("out");
  if (const auto rc = cl.parse(args)) return *rc;
  const SweepOutcome o = merge_sweeps(dirs, out);
  print_outcome(o, out);
  return o.complete ? 0 : 1;
}

}  // namespace

int cmd_sweep(const Args& args) {
  if (!args.empty() && args[0] == "merge") return cmd_sweep_merge(Args(args.begin() + 1, args.end()));
  std::string path;
  SweepOptions options;
  bool quiet = false;
  uint64_t jobs = std::max(1u, std::thread::hardware_concurrency());
  CommandLine cl("sweep", kSweepSynopses, kSweepAbout);
  cl.positional("SWEEP.json", path)
      .text("out", options.out_dir, "DIR", "output folder (created if missing; one sweep at a time)")
      .integer("jobs", jobs, 1, 9999, "N", "points run at once on threads (default: the number of cores)")
      .custom("shard", "K/N",
              "run only the points with index % N == K (0 <= K < N), e.g. one task of a Slurm job array; "
              "gather the shards with kvsim sweep merge",
              [&options](const std::string&, const std::string& v) { options.shard = parse_shard(v); })
      .flag("retry-failed", options.retry_failed, "run again the points whose recorded result is an error")
      .flag("quiet", quiet, "no progress line on stderr")
      .required("out");
  if (const auto rc = cl.parse(args)) return *rc;
  const SweepSpec spec = load_sweep(path);
  const Catalog catalog = Catalog::open_default();
  ProgressLine progress(quiet);
  options.on_progress = [&progress](const SweepProgress& p) { progress.update(p); };
  options.cancel = &g_cancel;
  SweepOutcome outcome;
  if (launched_by_mpirun()) {
    if (!run_sweep_under_mpi(spec, catalog, options, outcome)) return 0;  // a worker rank: rank 0 reports
  } else {
    SweepSignals signals;
    outcome = run_sweep(spec, options, run_points_on_threads(spec, catalog, static_cast<unsigned>(jobs), &g_cancel));
  }
  progress.finish();
  print_outcome(outcome, options.out_dir);
  if (g_cancel.load()) {
    std::fflush(stdout);
    const int sig = g_signal.load() == 0 ? SIGINT : g_signal.load();
    std::fprintf(stderr, "kvsim sweep: stopped by %s; the points done are in %s/points.jsonl\n",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT", options.out_dir.c_str());
    return 128 + sig;
  }
  return outcome.complete ? 0 : 1;
}

}  // namespace kvsim
