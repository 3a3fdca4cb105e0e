// Validates the scenario being edited off the UI thread: opening the workload can read a trace's
// header or a length file, which must not stall typing. Requests coalesce: while one check runs,
// only the newest of the requests made meanwhile runs next, and only the newest result is shown.
#pragma once
#include <string>

#include <QObject>

#include "catalog/catalog.h"
#include "json_path.h"
#include "validation.h"

class QThread;

namespace kvsim::gui {

class ScenarioValidator : public QObject {
  Q_OBJECT

 public:
  ScenarioValidator(const Catalog& catalog, QObject* parent = nullptr);
  ~ScenarioValidator() override;  // waits for a check in flight (milliseconds)

  void request(const Json& scenario, const std::string& base_dir, const std::string& where);
  // True from a request until its result (or a newer one's) has been delivered.
  bool pending() const { return thread_ != nullptr || has_queued_; }
  const Validation& last() const { return last_; }

 signals:
  void validated(const kvsim::gui::Validation& result);

 private:
  struct Job {
    nlohmann::json scenario;
    std::string base_dir, where;
  };
  void start(Job job);
  void deliver(const Validation& v);

  const Catalog& catalog_;
  QThread* thread_ = nullptr;
  Job queued_;
  bool has_queued_ = false;
  Validation last_;
};

}  // namespace kvsim::gui
