#include "scenario_document.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include "catalog/catalog.h"
#include "core/error.h"

namespace kvsim::gui {

namespace {

// Edits of one field closer together than this are one undo step (typing "256" is one edit).
constexpr qint64 kTypingPauseMs = 1500;
constexpr size_t kMaxUndoSteps = 500;

}  // namespace

ScenarioDocument::ScenarioDocument(QObject* parent) : QObject(parent) {}

std::string ScenarioDocument::base_dir() const {
  if (path_.isEmpty()) return QDir::currentPath().toStdString();
  return QFileInfo(path_).absolutePath().toStdString();
}

QString ScenarioDocument::display_name() const {
  return path_.isEmpty() ? QStringLiteral("untitled scenario") : QFileInfo(path_).fileName();
}

std::string ScenarioDocument::where() const { return path_.isEmpty() ? "scenario" : path_.toStdString(); }

void ScenarioDocument::reset(const Json& json, const QString& path) {
  clear_history();
  json_ = json;
  saved_ = json;
  const bool path_differs = path != path_;
  path_ = path;
  if (path_differs) emit path_changed(path_);
  update_dirty();
  emit changed(Origin::kLoad);
}

bool ScenarioDocument::load(const QString& path, QString* error) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    *error = path + ": cannot open file (" + file.errorString() + ")";
    return false;
  }
  const QByteArray bytes = file.readAll();
  Json parsed;
  try {
    parsed = Json::parse(bytes.constData(), bytes.constData() + bytes.size());
  } catch (const Json::parse_error&) {
    // The catalog's reader words the error as every kvsim command does: path:line:column.
    try {
      read_json_file(path.toStdString());
      *error = path + ": invalid JSON";
    } catch (const InputError& e) {
      *error = QString::fromStdString(e.what());
    }
    return false;
  }
  if (!parsed.is_object()) {
    *error = path + ": expected a JSON object (a scenario), found " +
             QString::fromStdString(std::string(parsed.type_name()));
    return false;
  }
  reset(parsed, QFileInfo(path).absoluteFilePath());
  return true;
}

bool ScenarioDocument::save(const QString& path, QString* error) {
  QSaveFile file(path);
  const std::string text = json_.dump(2) + "\n";
  if (!file.open(QIODevice::WriteOnly) || file.write(text.data(), static_cast<qint64>(text.size())) < 0 ||
      !file.commit()) {
    *error = path + ": cannot write file (" + file.errorString() + ")";
    return false;
  }
  saved_ = json_;
  const QString absolute = QFileInfo(path).absoluteFilePath();
  if (absolute != path_) {
    path_ = absolute;
    emit path_changed(path_);
  }
  update_dirty();
  return true;
}

void ScenarioDocument::set_value(const std::string& pointer, const std::optional<Json>& value) {
  Json edited = json_;
  json_assign(edited, pointer, value);
  if (edited == json_) return;
  remember(pointer);
  json_ = std::move(edited);
  update_dirty();
  emit changed(Origin::kForm);
}

void ScenarioDocument::replace(const Json& json, Origin origin) {
  if (json == json_) return;
  remember(origin == Origin::kRawText ? "(JSON text)" : "");
  json_ = json;
  update_dirty();
  emit changed(origin);
}

void ScenarioDocument::remember(const std::string& what) {
  const qint64 now = QDateTime::currentMSecsSinceEpoch();
  const bool same_edit = !what.empty() && what == last_edit_ && now - last_edit_ms_ < kTypingPauseMs && !undo_.empty();
  if (!same_edit) {
    undo_.push_back(json_);
    if (undo_.size() > kMaxUndoSteps) undo_.erase(undo_.begin());
  }
  last_edit_ = what;
  last_edit_ms_ = now;
  const bool had_redo = !redo_.empty();
  redo_.clear();
  if (!same_edit || had_redo) emit history_changed();
}

void ScenarioDocument::clear_history() {
  undo_.clear();
  redo_.clear();
  last_edit_.clear();
  emit history_changed();
}

void ScenarioDocument::undo() {
  if (undo_.empty()) return;
  redo_.push_back(std::move(json_));
  json_ = std::move(undo_.back());
  undo_.pop_back();
  last_edit_.clear();  // the next edit is a step of its own
  update_dirty();
  emit history_changed();
  emit changed(Origin::kUndo);
}

void ScenarioDocument::redo() {
  if (redo_.empty()) return;
  undo_.push_back(std::move(json_));
  json_ = std::move(redo_.back());
  redo_.pop_back();
  last_edit_.clear();
  update_dirty();
  emit history_changed();
  emit changed(Origin::kUndo);
}

void ScenarioDocument::update_dirty() {
  const bool dirty = json_ != saved_;
  if (dirty == dirty_) return;
  dirty_ = dirty;
  emit dirty_changed(dirty_);
}

}  // namespace kvsim::gui
