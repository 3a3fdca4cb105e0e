#include "run_controller.h"

#include <algorithm>
#include <cerrno>
#include <cmath>

#include <QDir>
#include <QTemporaryDir>
#include <QThread>

#include "core/error.h"
#include "scenario/scenario.h"

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace kvsim::gui {

namespace {

// A run is CPU-bound for as long as it lasts: it yields to the UI thread by running at a lower
// priority. QThread::LowPriority does nothing under Linux's default scheduler, but nice values
// are per thread there.
void lower_this_thread_priority() {
#ifdef __linux__
  const id_t tid = static_cast<id_t>(syscall(SYS_gettid));
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, tid);
  if (errno == 0) (void)setpriority(PRIO_PROCESS, tid, std::min(nice + 5, 19));
#endif
}

RunExtent extent_of(const Scenario& sc) {
  RunExtent e;
  if (sc.workload.synthetic) {
    e.requests = sc.workload.synthetic->num_requests;
    if (std::isfinite(sc.workload.synthetic->duration_s)) e.duration_s = sc.workload.synthetic->duration_s;
  } else if (sc.workload.trace) {
    const auto& w = sc.workload.trace->window;
    e.requests = w.max_requests;
    if (std::isfinite(w.end_s) && w.speed > 0) e.duration_s = (w.end_s - w.start_s) / w.speed;
  }
  return e;
}

}  // namespace

RunController::RunController(const Catalog& catalog, QObject* parent) : QObject(parent), catalog_(catalog) {}

RunController::~RunController() {
  if (run_) run_->cancel = true;
  for (QThread* t : threads_) t->wait();
}

void RunController::spawn(std::function<void()> work, bool low_priority) {
  QThread* thread = QThread::create(std::move(work));
  thread->setParent(this);  // deleted with the controller (which waits for it) if not before
  threads_.push_back(thread);
  connect(thread, &QThread::finished, this, [this, thread] {
    threads_.erase(std::remove(threads_.begin(), threads_.end(), thread), threads_.end());
    thread->deleteLater();
  });
  // The UI thread keeps the upper hand on a busy machine.
  thread->start(low_priority ? QThread::LowPriority : QThread::InheritPriority);
}

bool RunController::start(const Json& scenario, const std::string& base_dir, const std::string& where,
                          const QString& name) {
  if (run_) return false;
  auto scratch = std::make_shared<QTemporaryDir>(QDir::tempPath() + "/kvsim-gui-run-XXXXXX");
  if (!scratch->isValid()) {
    const QString message = "cannot create a scratch folder for the run's files: " + scratch->errorString();
    QMetaObject::invokeMethod(this, [this, message] { emit run_failed(message, {}); }, Qt::QueuedConnection);
    return true;
  }
  auto active = std::make_shared<ActiveRun>();
  run_ = active;
  nlohmann::json j(scenario);
  Json as_run = scenario;  // in the user's key order, for "Edit its scenario"
  const Catalog& catalog = catalog_;
  const double interval = progress_interval_s_;
  spawn(
      [this, j = std::move(j), as_run = std::move(as_run), base_dir, where, name, scratch, active, &catalog,
       interval] {
        lower_this_thread_priority();
        try {
          Scenario sc = parse_scenario(j, base_dir, catalog, where);
          sc.json_in_order = as_run;  // summary.json keeps the user's key order
          const RunExtent extent = extent_of(sc);
          QMetaObject::invokeMethod(this, [this, extent] { emit run_started(extent); }, Qt::QueuedConnection);
          if (sc.workload.trace && extent.requests == 0) {
            QMetaObject::invokeMethod(
                this, [this, workload = sc.workload, base_dir = sc.base_dir, extent, active] {
                  count_trace(workload, base_dir, extent, active);
                },
                Qt::QueuedConnection);
          }
          RunOptions opt;
          opt.out_dir = scratch->path().toStdString();
          opt.cancel = &active->cancel;
          opt.progress_interval_s = interval;
          opt.on_progress = [this](const Progress& p) {
            QMetaObject::invokeMethod(this, [this, p] { emit run_progress(p); }, Qt::QueuedConnection);
          };
          RunResult result = run_scenario(sc, opt);
          auto record = std::make_shared<RunRecord>(
              make_run_record(name, std::move(result.summary), std::move(result.timeseries), result.latencies));
          record->scenario = as_run;
          record->folder = scratch->path();
          record->scratch = scratch;
          record->wall_seconds = result.wall_seconds;
          record->events = result.events;
          QMetaObject::invokeMethod(
              this, [this, record] { end_run(); emit run_finished(record); }, Qt::QueuedConnection);
        } catch (const Cancelled&) {
          QMetaObject::invokeMethod(this, [this] { end_run(); emit run_cancelled(); }, Qt::QueuedConnection);
        } catch (const std::exception& e) {
          const std::string message = e.what();
          const auto issues = issues_of(e);
          QMetaObject::invokeMethod(
              this, [this, message, issues] { end_run(); emit run_failed(QString::fromStdString(message), issues); },
              Qt::QueuedConnection);
        }
      },
      /*low_priority=*/true);
  return true;
}

void RunController::count_trace(WorkloadConfig workload, std::string base_dir, RunExtent extent,
                                std::shared_ptr<ActiveRun> run) {
  if (run != run_) return;  // the run ended already
  spawn(
      [this, workload = std::move(workload), base_dir = std::move(base_dir), extent, run]() mutable {
        lower_this_thread_priority();
        try {
          std::unique_ptr<RequestSource> source = open_workload(workload, base_dir);
          RequestSpec spec;
          uint64_t n = 0;
          while (source->next(spec)) {
            if ((++n & 1023) == 0 && (run->cancel || run->ended)) return;
          }
          extent.requests = n;
        } catch (const std::exception&) {
          return;  // the run itself reports what is wrong with the trace
        }
        QMetaObject::invokeMethod(
            this, [this, extent, run] { if (run == run_) emit run_extent_known(extent); }, Qt::QueuedConnection);
      },
      /*low_priority=*/true);
}

void RunController::end_run() {
  if (run_) run_->ended = true;
  run_.reset();
}

double fraction_done(const Progress& p, const RunExtent& extent) {
  if (extent.requests > 0) return std::min(1.0, static_cast<double>(p.requests_done) / static_cast<double>(extent.requests));
  if (extent.duration_s > 0) return std::min(1.0, p.simulated_s / extent.duration_s);
  return -1;
}

QString describe_progress(const Progress& p, const RunExtent& extent) {
  QString requests = QString::number(p.requests_done);
  if (extent.requests > 0) requests += "/" + QString::number(extent.requests);
  QString text = QString("simulated %1 s · %2 requests done").arg(p.simulated_s, 0, 'f', 1).arg(requests);
  const double done = fraction_done(p, extent);
  if (done >= 0) text += QString(" (%1%)").arg(static_cast<int>(100 * done));
  text += QString(" · %1 s").arg(p.wall_s, 0, 'f', 1);
  // The rate so far, once there is enough of it to go by.
  if (done > 0.01 && done < 1 && p.wall_s >= 0.5) {
    const double left = p.wall_s * (1 - done) / done;
    text += left < 90 ? QString(" · about %1 s left").arg(std::ceil(left), 0, 'f', 0)
                      : QString(" · about %1 min left").arg(std::ceil(left / 60), 0, 'f', 0);
  }
  return text;
}

void RunController::cancel() {
  if (run_) run_->cancel = true;
}

void RunController::load_folder(const QString& dir) {
  spawn(
      [this, dir] {
        try {
          auto record = std::make_shared<RunRecord>(load_run_record(dir));
          QMetaObject::invokeMethod(this, [this, record] { emit folder_loaded(record); }, Qt::QueuedConnection);
        } catch (const std::exception& e) {
          const QString message = QString::fromStdString(e.what());
          QMetaObject::invokeMethod(this, [this, message] { emit folder_failed(message); }, Qt::QueuedConnection);
        }
      },
      /*low_priority=*/false);
}

}  // namespace kvsim::gui
