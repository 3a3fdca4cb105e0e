// The form's controls, each bound to one JSON pointer of the scenario. A binding shows the value
// at its pointer (an empty control means "absent: the default applies", and the default is the
// placeholder), writes what the user types back through a Writer, and shows the validation
// messages that name its pointer under the control. Nothing here knows what the fields mean;
// ScenarioForm lays them out.
//
// What the user types is written as typed: "abc" in a number field becomes the string "abc", so
// the validator (the same one as `kvsim validate`) reports it with the CLI's own words instead of
// the form refusing the keystroke.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <QString>
#include <QStringList>

#include "json_path.h"
#include "validation.h"

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QStackedWidget;
class QTableWidget;
class QWidget;

namespace kvsim::gui {

using Writer = std::function<void(const std::string& pointer, const std::optional<Json>& value)>;

class FieldBinding {
 public:
  FieldBinding(std::string pointer, Writer writer);
  virtual ~FieldBinding() = default;
  FieldBinding(const FieldBinding&) = delete;
  FieldBinding& operator=(const FieldBinding&) = delete;

  const std::string& pointer() const { return pointer_; }
  // The control with its message line underneath: what the form puts in its layout.
  QWidget* widget() const { return container_; }
  // The control keyboard focus goes to when the user picks one of its messages.
  virtual QWidget* focus_target() const { return control_; }
  // Shows the value at pointer() in `root` (absent values show as empty / default).
  virtual void show_value(const Json& root) = 0;
  // The messages whose pointer is pointer() or below it; an empty list clears the marking.
  virtual void show_issues(const std::vector<Issue>& issues);
  // The message line as shown ("" when there is none).
  QString issue_text() const;

 protected:
  void write(const std::optional<Json>& value) { writer_(pointer_, value); }
  // Wraps `control` with the message line; call once from the constructor.
  void set_control(QWidget* control);
  // One line per issue: the message alone when it names this very pointer, else "pointer: message".
  QString format_issues(const std::vector<Issue>& issues) const;
  void mark_invalid(QWidget* w, bool invalid) const;

  std::string pointer_;
  Writer writer_;
  QWidget* container_ = nullptr;
  QWidget* control_ = nullptr;
  QLabel* issue_label_ = nullptr;
};

// How a line edit's text becomes JSON.
enum class TextKind {
  kNumber,  // a JSON number when it parses as one, else the text as a string ("inf", or a typo)
  kString,  // always the text as a string
  kJson,    // any JSON value when it parses, else the text as a string
};

class TextField : public FieldBinding {
 public:
  TextField(std::string pointer, Writer writer, TextKind kind, const QString& placeholder);
  // A number field of the scenario with a fixed default: the default, from the scenario's one list
  // (scenario/scenario_choices.h), is the placeholder.
  TextField(const std::string& pointer, Writer writer);
  void show_value(const Json& root) override;
  QLineEdit* line_edit() const { return edit_; }
  static std::optional<Json> parse(const QString& text, TextKind kind);
  static QString format(const Json& value);

 private:
  QLineEdit* edit_;
  TextKind kind_;
};

// A drop-down of JSON values. With a default label, its first entry means "absent" (the
// default). Editable drop-downs (model, GPU) also take typed text, e.g. an alias.
class ChoiceField : public FieldBinding {
 public:
  ChoiceField(std::string pointer, Writer writer, std::vector<Json> options, const QString& default_label,
              bool editable = false);
  // An enumerated scenario field: its options and default from the list the parser validates
  // against (scenario/scenario_choices.h), the first entry "(default: <default>)".
  ChoiceField(const std::string& pointer, Writer writer);
  void show_value(const Json& root) override;
  QComboBox* combo() const { return combo_; }
  static std::vector<Json> strings(const std::vector<std::string>& names);
  static std::vector<Json> booleans() { return {Json(true), Json(false)}; }

 private:
  void on_activated(int index);
  QComboBox* combo_;
  std::vector<Json> options_;
  bool has_default_;
  int base_items_;
};

// Every key of an object except those other fields edit, as one line of JSON ({"k": v, ...}).
// Used for the parts of the format the form has no dedicated control for (perf model options).
class JsonRestField : public FieldBinding {
 public:
  JsonRestField(std::string pointer, Writer writer, std::vector<std::string> excluded, const QString& placeholder);
  void show_value(const Json& root) override;
  void show_issues(const std::vector<Issue>& issues) override;
  QLineEdit* line_edit() const { return edit_; }

 private:
  void on_edited(const QString& text);
  QLineEdit* edit_;
  std::vector<std::string> excluded_;
  Json shown_ = Json::object();
  const Json* root_ = &kEmpty;  // the document last shown (it outlives the form)
  QString local_error_;
  std::vector<Issue> issues_;
  static inline const Json kEmpty = Json::object();
};

// A token-length distribution: a number (fixed) or {"dist": fixed|uniform|lognormal|zipf|trace,
// ...}, with the parameters of the chosen kind.
class LengthDistField : public FieldBinding {
 public:
  LengthDistField(std::string pointer, Writer writer, const QStringList& trace_formats, bool allow_trace);
  void show_value(const Json& root) override;
  void show_issues(const std::vector<Issue>& issues) override;
  QComboBox* kind_combo() const { return kind_; }
  QLineEdit* parameter(const std::string& key) const;

 private:
  struct Param {
    std::string key;
    QLineEdit* edit;
    QComboBox* choice;  // trace format
    TextKind text_kind;
  };
  void show_kind_rows(const QString& kind);
  void on_edited();
  QComboBox* kind_;
  QFormLayout* params_layout_;
  std::vector<Param> params_;
  Json shown_;
};

// The KV tiers: an array of objects edited as a table, one row per tier and one column per key
// in any tier. It knows no tier schema: columns are added by name, cells hold JSON (a number,
// true/false, or text), an empty cell leaves the key out.
class TierListField : public FieldBinding {
 public:
  TierListField(std::string pointer, Writer writer, const QStringList& suggested_columns);
  void show_value(const Json& root) override;
  void show_issues(const std::vector<Issue>& issues) override;
  QTableWidget* table() const { return table_; }
  void add_tier();
  void remove_tier(int row);
  void add_column(const QString& key);
  QStringList columns() const { return columns_; }

 private:
  void rebuild_table(const Json& tiers);
  void write_table();
  QTableWidget* table_;
  QLineEdit* new_column_;
  QStringList columns_;
  QStringList suggested_;
  std::vector<std::optional<Json>> opaque_rows_;  // elements that are not objects, kept as they are
  bool refreshing_ = false;
};

// "synthetic" or "trace" under /workload, switched with two radio buttons; the settings of the
// source switched away from are kept and come back when the user switches back.
class WorkloadSourceField : public FieldBinding {
 public:
  // `pages` holds one page per source, in the order of kinds(): synthetic, trace, shared_prefix.
  WorkloadSourceField(std::string pointer, Writer writer, QStackedWidget* pages);
  void show_value(const Json& root) override;
  QRadioButton* synthetic_button() const { return buttons_[0]; }
  QRadioButton* trace_button() const { return buttons_[1]; }
  QRadioButton* shared_prefix_button() const { return buttons_[2]; }
  // The workload's keys, one per source.
  static const std::vector<std::string>& kinds();

 private:
  void switch_to(size_t kind);
  std::vector<QRadioButton*> buttons_;
  QStackedWidget* pages_;
  Json current_ = Json::object();
  std::vector<Json> stashed_;  // what each source held before the user switched away from it
};

// An optional section switched on and off with a check box: on writes `initial` at the pointer
// (an object the parser accepts, or one whose missing required keys it names), off removes the
// section. It shows on whenever the section is there, e.g. because a field inside it was typed in
// or the JSON tab added it. The messages under the pointer that no field inside takes show here.
class PresenceField : public FieldBinding {
 public:
  PresenceField(std::string pointer, Writer writer, const QString& label, std::function<Json()> initial);
  void show_value(const Json& root) override;
  QCheckBox* check_box() const { return box_; }

 private:
  QCheckBox* box_;
  std::function<Json()> initial_;
};

// A group of fields: shows the messages under its pointer that no field inside takes (a missing
// required key, an unknown key, a rule across fields).
class SectionField : public FieldBinding {
 public:
  SectionField(std::string pointer, Writer writer);
  void show_value(const Json&) override {}
};

}  // namespace kvsim::gui
