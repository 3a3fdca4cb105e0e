// Runs simulations (and reads results folders) off the UI thread. A run is the library call the
// CLI makes, run_scenario, on a worker thread: the scenario is parsed there, the library writes
// its folder into a scratch directory (so "save results" copies the CLI's very files), progress
// comes back through queued calls, and the finished run comes back as a RunRecord whose chart
// points were computed on the worker. Cancel sets the library's cancel flag.
#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <QObject>
#include <QString>

#include "catalog/catalog.h"
#include "json_path.h"
#include "run/simulation.h"
#include "run_record.h"
#include "validation.h"

class QThread;

namespace kvsim::gui {

// What the progress bar can be measured against, known once the scenario is parsed (a trace's
// request count a little later: it is counted while the run goes).
struct RunExtent {
  uint64_t requests = 0;   // the workload's request count, 0 when open-ended or not known yet
  double duration_s = 0;   // its simulated duration, 0 when open-ended
};

// The status line of a run: "simulated 12.0 s · 420/1000 requests done (42%) · 3.1 s · about 4 s
// left";
// without a total, no percentage and no estimate.
QString describe_progress(const Progress& p, const RunExtent& extent);
// Its fraction done in [0, 1] by requests (else by simulated time); -1 when it cannot be told.
double fraction_done(const Progress& p, const RunExtent& extent);

class RunController : public QObject {
  Q_OBJECT

 public:
  explicit RunController(const Catalog& catalog, QObject* parent = nullptr);
  ~RunController() override;  // cancels a run in flight and waits for every worker

  // Starts a run unless one is in flight (then returns false). `where` prefixes error messages.
  bool start(const Json& scenario, const std::string& base_dir, const std::string& where, const QString& name);
  void cancel();
  bool busy() const { return run_ != nullptr; }
  // Reads a results folder on a worker thread; delivers folder_loaded or folder_failed.
  void load_folder(const QString& dir);
  // Workers still running (runs and folder reads).
  size_t workers() const { return threads_.size(); }
  // How often the library reports progress during a run (seconds of wall time).
  void set_progress_interval(double seconds) { progress_interval_s_ = seconds; }

 signals:
  void run_started(const kvsim::gui::RunExtent& extent);
  // A trace's requests were counted (after run_started; not for a run that has ended).
  void run_extent_known(const kvsim::gui::RunExtent& extent);
  void run_progress(const kvsim::Progress& progress);
  void run_finished(std::shared_ptr<kvsim::gui::RunRecord> run);
  // The scenario was invalid, a trace was missing, or the run failed: the message as the CLI
  // prints it, split into issues for the form.
  void run_failed(const QString& message, const std::vector<kvsim::gui::Issue>& issues);
  void run_cancelled();
  void folder_loaded(std::shared_ptr<kvsim::gui::RunRecord> run);
  void folder_failed(const QString& message);

 private:
  struct ActiveRun {
    std::atomic<bool> cancel{false};
    std::atomic<bool> ended{false};  // stops the trace count
  };
  // Counts the requests of a trace workload on a worker, for the progress bar's total.
  void count_trace(WorkloadConfig workload, std::string base_dir, RunExtent extent, std::shared_ptr<ActiveRun> run);
  void spawn(std::function<void()> work, bool low_priority);
  void end_run();

  const Catalog& catalog_;
  std::shared_ptr<ActiveRun> run_;
  std::vector<QThread*> threads_;
  double progress_interval_s_ = 0.1;
};

}  // namespace kvsim::gui
