// The left half of the window: the scenario as a form and as raw JSON, kept in sync, with the
// validator's messages listed on top (the very lines `kvsim validate` prints) and repeated under
// the fields they name. Clicking a listed message takes the user to its field.
#pragma once
#include <QWidget>

#include "catalog/catalog.h"
#include "scenario_document.h"
#include "scenario_validator.h"

class QLabel;
class QListWidget;
class QPlainTextEdit;
class QStackedWidget;
class QTabWidget;
class QTimer;

namespace kvsim::gui {

class ScenarioForm;
class UserPrompts;

class ScenarioEditor : public QWidget {
  Q_OBJECT

 public:
  ScenarioEditor(ScenarioDocument* document, const Catalog& catalog, UserPrompts* prompts, QWidget* parent = nullptr);

  ScenarioForm* form() const { return form_; }
  QPlainTextEdit* json_text() const { return json_text_; }
  QTabWidget* tabs() const { return tabs_; }
  QListWidget* issue_list() const { return issue_list_; }
  // True when the messages list (not "no problems") is showing.
  bool issues_shown() const;
  ScenarioValidator* validator() const { return validator_; }
  // The raw JSON tab's parse error ("" when its text is valid JSON).
  QString json_error() const;
  // Shows issues that came from elsewhere (a run that failed to start) until the next check.
  void show_issues(const std::vector<Issue>& issues, const QString& headline);
  // True while a change waits for its check or the check runs.
  bool validation_pending() const;
  // Checks the document now instead of after the typing pause.
  void validate_now();

 private:
  void on_document_changed(ScenarioDocument::Origin origin);
  void on_json_text_changed();
  void on_validated(const Validation& v);

  ScenarioDocument* document_;
  ScenarioForm* form_;
  QPlainTextEdit* json_text_;
  QLabel* json_error_;
  QTabWidget* tabs_;
  QLabel* status_;
  QListWidget* issue_list_;
  QStackedWidget* messages_;  // "no problems" or the list, in a space of fixed height
  ScenarioValidator* validator_;
  QTimer* debounce_;
};

}  // namespace kvsim::gui
