#include "scenario_validator.h"

#include <QThread>

namespace kvsim::gui {

ScenarioValidator::ScenarioValidator(const Catalog& catalog, QObject* parent) : QObject(parent), catalog_(catalog) {}

ScenarioValidator::~ScenarioValidator() {
  if (thread_ != nullptr) thread_->wait();
}

void ScenarioValidator::request(const Json& scenario, const std::string& base_dir, const std::string& where) {
  Job job{nlohmann::json(scenario), base_dir, where};
  if (thread_ != nullptr) {
    queued_ = std::move(job);
    has_queued_ = true;
    return;
  }
  start(std::move(job));
}

void ScenarioValidator::start(Job job) {
  const Catalog& catalog = catalog_;
  thread_ = QThread::create([this, job = std::move(job), &catalog] {
    Validation v = validate_scenario(job.scenario, job.base_dir, catalog, job.where);
    QMetaObject::invokeMethod(this, [this, v] { deliver(v); }, Qt::QueuedConnection);
  });
  thread_->setParent(this);  // deleted with the validator (which waits for it) if not before
  connect(thread_, &QThread::finished, thread_, &QObject::deleteLater);
  thread_->start();
}

void ScenarioValidator::deliver(const Validation& v) {
  thread_->wait();  // it has nothing left to do but return
  thread_ = nullptr;
  if (has_queued_) {
    has_queued_ = false;
    start(std::move(queued_));
    return;  // a newer scenario is being checked: this result is already stale
  }
  last_ = v;
  emit validated(v);
}

}  // namespace kvsim::gui
