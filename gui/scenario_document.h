// The scenario being edited: its JSON (in the user's key order), the file it belongs to, and
// whether it differs from what is on disk. The form and the raw JSON tab both edit it; `changed`
// says which of them did, so the other one refreshes and the editing one keeps its cursor. Every
// edit can be undone and redone; the keystrokes of one field typed in a row are one step.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <QObject>
#include <QString>

#include "json_path.h"

namespace kvsim::gui {

class ScenarioDocument : public QObject {
  Q_OBJECT

 public:
  enum class Origin { kLoad, kForm, kRawText, kUndo };

  explicit ScenarioDocument(QObject* parent = nullptr);

  const Json& json() const { return json_; }
  // The file it was loaded from or last saved to; empty for a new scenario.
  const QString& path() const { return path_; }
  // Relative trace paths resolve against the scenario's folder (the working directory when new).
  std::string base_dir() const;
  // "<file name>" or "untitled scenario", for titles and prompts.
  QString display_name() const;
  // Where messages say the scenario is: its path, or "scenario" when it has none.
  std::string where() const;
  bool dirty() const { return dirty_; }

  // Starts over with `json` as unmodified content belonging to `path` (may be empty).
  void reset(const Json& json, const QString& path);
  // Reads a scenario file; on failure returns false and sets `error` (file and line named).
  bool load(const QString& path, QString* error);
  // Writes the JSON (2-space indent, trailing newline) atomically; the document becomes clean.
  bool save(const QString& path, QString* error);

  // One field edited in the form: sets it, or removes it when `value` is nullopt.
  void set_value(const std::string& pointer, const std::optional<Json>& value);
  // The whole document replaced (raw JSON tab, or the scenario of a kept run).
  void replace(const Json& json, Origin origin);

  // Edits since the document was reset or loaded can be undone, and undone ones redone, until the
  // next new edit. reset() and load() start a new history.
  bool can_undo() const { return !undo_.empty(); }
  bool can_redo() const { return !redo_.empty(); }
  void undo();
  void redo();

 signals:
  void changed(kvsim::gui::ScenarioDocument::Origin origin);
  void dirty_changed(bool dirty);
  void path_changed(const QString& path);
  void history_changed();

 private:
  void update_dirty();
  // Records the state before an edit of `what` (a pointer, or "" for the whole document).
  void remember(const std::string& what);
  void clear_history();
  std::vector<Json> undo_, redo_;
  std::string last_edit_;           // what the newest undo step edited
  qint64 last_edit_ms_ = 0;         // and when
  Json json_ = Json::object();
  Json saved_ = Json::object();
  QString path_;
  bool dirty_ = false;
};

}  // namespace kvsim::gui
