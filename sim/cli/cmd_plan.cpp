// kvsim plan PLAN.json --out DIR [--jobs N] [--quiet] [--charts]
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "plan/planner.h"

namespace kvsim {

namespace {

const char* kPlanAbout =
    "Finds, for every candidate deployment of a workload (GPU type and price, TP/PP, weight and\n"
    "KV dtypes, engine knobs, router), the minimum number of replicas that meets every SLO,\n"
    "verified by running n (passes) and n-1 (fails) on every seed; then the fleet's $/hour and\n"
    "$ per million tokens served within SLO, the cost-latency frontier, the recommendation and\n"
    "what binds it, and the same at the workload's rate times each growth factor. Format and\n"
    "search: docs/plan.md. Writes, once the plan completes:\n"
    "  DIR/plan.json       the plan as run and every result\n"
    "  DIR/candidates.csv  one row per candidate and growth factor\n"
    "  DIR/frontier.csv    the Pareto frontier of $/hour against the frontier metric\n"
    "  DIR/report.md       the recommendation and the tables (and the charts, with --charts)\n"
    "  DIR/points.jsonl    one line per simulation, appended as each finishes: running the same\n"
    "                      command again reuses them (an interrupted plan resumes)";

std::atomic<bool> g_plan_cancel{false};
std::atomic<int> g_plan_signal{0};

extern "C" void on_plan_signal(int sig) {
  g_plan_signal.store(sig);
  g_plan_cancel.store(true);
  std::signal(sig, SIG_DFL);  // a second Ctrl-C kills at once
}

struct PlanArgs {
  std::string path, out_dir;
  unsigned jobs = 0;
  bool quiet = false;
  bool charts = false;
};

// The command line, in one place and with nothing but the standard library, so that it converts
// to the shared option parser (cli/options.h on the CLI's branch) line for line. Returns an exit
// code when the command ends here (--help: 0, usage error: 2), else -1. Throws InputError.
int read_plan_args(const Args& args, PlanArgs& a) {
  uint64_t jobs = 0;
  CommandLine cl("plan", {"PLAN.json --out DIR [--jobs N] [--quiet]"}, kPlanAbout);
  cl.positional("PLAN.json", a.path)
      .text("out", a.out_dir, "DIR", "output folder (created if missing; one plan or sweep at a time)")
      .integer("jobs", jobs, 1, 9999, "N", "simulations at once on threads (default: the number of cores)")
      .flag("quiet", a.quiet, "no progress line on stderr")
      .flag("charts", a.charts,
            "then draw report.md's charts as PNG with kvsim-gui (built next to kvsim when Qt 6 is found), "
            "headless: the GUI's chart code; it reuses every simulation of the plan")
      .required("out");
  if (const auto rc = cl.parse(args)) return *rc;
  a.jobs = static_cast<unsigned>(jobs);
  return -1;
}

// kvsim-gui beside this kvsim binary (the build puts both in bin/), or "" when there is none.
std::string gui_beside_kvsim() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const std::filesystem::path gui = self.parent_path() / "kvsim-gui";
  return ::access(gui.c_str(), X_OK) == 0 ? gui.string() : "";
}

// The charts of a completed plan: `kvsim-gui --plan PLAN --out DIR` (docs/plan.md, "Charts")
// reuses every simulation in DIR/points.jsonl and rewrites the plan's files with the PNGs added.
// Its own summary goes to /dev/null (this command printed it); its errors to stderr. Returns the
// PNG files now in DIR, or throws InputError.
std::vector<std::string> draw_charts(const std::string& gui, const PlanArgs& a) {
  const std::string jobs = std::to_string(a.jobs);
  std::vector<std::string> words = {gui, "--plan", a.path, "--out", a.out_dir, "--jobs", jobs};
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int err = posix_spawn(&pid, gui.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) throw InputError("--charts: cannot start " + gui + ": " + std::strerror(err));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw InputError("--charts: " + gui + " --plan failed (above); the plan's files are as kvsim plan wrote them");
  std::vector<std::string> pngs;
  for (const auto& entry : std::filesystem::directory_iterator(a.out_dir))
    if (entry.path().extension() == ".png") pngs.push_back(entry.path().filename().string());
  std::sort(pngs.begin(), pngs.end());
  return pngs;
}

std::string eta_text(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

}  // namespace

int cmd_plan(const Args& args) {
  PlanArgs a;
  if (const int rc = read_plan_args(args, a); rc >= 0) return rc;
  // --charts needs kvsim-gui: refused before anything runs when it is not there.
  const std::string gui = a.charts ? gui_beside_kvsim() : "";
  if (a.charts && gui.empty())
    throw InputError("--charts: no kvsim-gui next to this kvsim (it is built when CMake finds Qt 6 base and charts, "
                     "see docs/gui.md); without it kvsim plan writes report.md with tables only");
  const Catalog catalog = Catalog::open_default();
  const PlanSpec spec = load_plan(a.path, catalog);

  // "[plan] 12/40 searches | 130 runs | ETA 0:20" on stderr: redrawn on a terminal every 0.25 s,
  // a line every 10 s otherwise.
  const bool tty = isatty(STDERR_FILENO);
  bool printed = false;
  auto last = std::chrono::steady_clock::now();
  PlanOptions options;
  options.out_dir = a.out_dir;
  options.jobs = a.jobs;
  options.cancel = &g_plan_cancel;
  options.on_progress = [&](const PlanProgress& p) {
    if (a.quiet) return;
    const auto now = std::chrono::steady_clock::now();
    const bool done = p.searches_done == p.searches_total;
    if (!done && printed && now - last < std::chrono::milliseconds(tty ? 250 : 10000)) return;
    last = now;
    printed = true;
    const std::string eta = p.searches_done > 0 && !done
                                ? eta_text(p.wall_s / static_cast<double>(p.searches_done) * static_cast<double>(p.searches_total - p.searches_done))
                                : done ? "0:00" : "?";
    std::fprintf(stderr, "%s[plan] %zu/%zu searches | %zu runs | ETA %s%s", tty ? "\r" : "", p.searches_done, p.searches_total, p.runs,
                 eta.c_str(), tty ? "   " : "\n");
  };
  std::signal(SIGINT, on_plan_signal);
  std::signal(SIGTERM, on_plan_signal);
  PlanResult result;
  try {
    result = run_plan(spec, options);
  } catch (const Cancelled&) {
    if (printed && tty) std::fprintf(stderr, "\n");
    const int sig = g_plan_signal.load() ? g_plan_signal.load() : SIGINT;
    std::fprintf(stderr, "kvsim plan: stopped by %s; the simulations done are in %s/points.jsonl (run the same command to resume)\n",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT", a.out_dir.c_str());
    return 128 + sig;
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (printed && tty) std::fprintf(stderr, "\n");
  const PlanGrowthResult& g = result.growth.front();
  size_t feasible = 0, infeasible = 0, invalid = 0;
  for (const PlanCandidateResult& r : g.candidates) {
    feasible += r.status == PlanStatus::feasible;
    infeasible += r.status == PlanStatus::infeasible;
    invalid += r.status == PlanStatus::invalid;
  }
  std::printf("kvsim plan: %zu candidates (%zu meet the SLOs, %zu miss them, %zu invalid) x %zu growth factor(s), "
              "%zu simulations run now, %zu reused, in %.1f s\n",
              g.candidates.size(), feasible, infeasible, invalid, result.growth.size(), result.runs, result.runs_reused, result.wall_s);
  for (const PlanGrowthResult& gr : result.growth) {
    if (gr.factor == 1) std::printf("recommendation: %s\n", gr.recommendation.c_str());
    else std::printf("at the rate x %g: %s\n", gr.factor, gr.recommendation.c_str());
  }
  std::printf("outputs: %s/{plan.json,candidates.csv,frontier.csv,report.md}\n", a.out_dir.c_str());
  if (invalid == g.candidates.size()) {  // most likely a mistake in the plan's base: say the first
    std::fprintf(stderr, "kvsim plan: no candidate is a valid scenario; the first: %s\n", g.candidates.front().error.c_str());
    return 1;
  }
  if (a.charts) {
    std::fflush(stdout);
    const std::vector<std::string> pngs = draw_charts(gui, a);
    std::printf("charts (drawn by %s, in report.md):", gui.c_str());
    for (const std::string& f : pngs) std::printf(" %s", f.c_str());
    std::printf("%s\n", pngs.empty() ? " none" : "");
  }
  return 0;
}

}  // namespace kvsim
