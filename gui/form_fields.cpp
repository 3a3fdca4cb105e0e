#include "form_fields.h"

#include <algorithm>

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QStackedWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include "scenario/scenario_choices.h"

namespace kvsim::gui {

namespace {

const char* kInvalidStyle = "border: 1px solid #c62828; border-radius: 2px;";

QString qs(const std::string& s) { return QString::fromStdString(s); }

// The relative part of `pointer` under `base` ("/a/b/c" under "/a" -> "b/c").
std::string relative_pointer(const std::string& pointer, const std::string& base) {
  if (pointer.size() <= base.size() + 1) return "";
  return pointer.substr(base.size() + 1);
}

}  // namespace

// ---- FieldBinding ----------------------------------------------------------------------------

FieldBinding::FieldBinding(std::string pointer, Writer writer)
    : pointer_(std::move(pointer)), writer_(std::move(writer)) {}

void FieldBinding::set_control(QWidget* control) {
  container_ = new QWidget;
  auto* layout = new QVBoxLayout(container_);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(2);
  control_ = control;
  if (control_ != nullptr) layout->addWidget(control_);
  issue_label_ = new QLabel;
  issue_label_->setObjectName("issue");
  issue_label_->setWordWrap(true);
  issue_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  issue_label_->setStyleSheet("color: #c62828;");
  issue_label_->hide();
  layout->addWidget(issue_label_);
}

QString FieldBinding::format_issues(const std::vector<Issue>& issues) const {
  QStringList lines;
  for (const auto& issue : issues)
    lines << qs(issue.pointer == pointer_ ? issue.message : issue.text());
  return lines.join('\n');
}

void FieldBinding::mark_invalid(QWidget* w, bool invalid) const {
  if (w != nullptr) w->setStyleSheet(invalid ? kInvalidStyle : "");
}

void FieldBinding::show_issues(const std::vector<Issue>& issues) {
  const QString text = format_issues(issues);
  issue_label_->setText(text);
  issue_label_->setVisible(!text.isEmpty());
  mark_invalid(control_, !issues.empty());
}

QString FieldBinding::issue_text() const { return issue_label_->isHidden() ? QString() : issue_label_->text(); }

// ---- TextField -------------------------------------------------------------------------------

TextField::TextField(std::string pointer, Writer writer, TextKind kind, const QString& placeholder)
    : FieldBinding(std::move(pointer), std::move(writer)), edit_(new QLineEdit), kind_(kind) {
  edit_->setPlaceholderText(placeholder);
  edit_->setClearButtonEnabled(true);
  set_control(edit_);
  QObject::connect(edit_, &QLineEdit::textEdited, edit_, [this](const QString& text) { write(parse(text, kind_)); });
}

TextField::TextField(const std::string& pointer, Writer writer)
    : TextField(pointer, std::move(writer), TextKind::kNumber, qs(scenario_number(pointer).default_text)) {}

std::optional<Json> TextField::parse(const QString& text, TextKind kind) {
  const std::string s = text.trimmed().toStdString();
  if (s.empty()) return std::nullopt;
  if (kind == TextKind::kString) return Json(text.toStdString());
  const Json parsed = Json::parse(s, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Json(s);
  if (kind == TextKind::kNumber && !parsed.is_number()) return Json(s);
  return parsed;
}

QString TextField::format(const Json& value) {
  return value.is_string() ? qs(value.get<std::string>()) : qs(value.dump());
}

void TextField::show_value(const Json& root) {
  const Json* value = json_find(root, pointer_);
  const std::optional<Json> current = parse(edit_->text(), kind_);
  if ((value == nullptr && !current) || (value != nullptr && current && *current == *value)) return;
  edit_->setText(value == nullptr ? QString() : format(*value));
}

// ---- ChoiceField -----------------------------------------------------------------------------

ChoiceField::ChoiceField(std::string pointer, Writer writer, std::vector<Json> options, const QString& default_label,
                         bool editable)
    : FieldBinding(std::move(pointer), std::move(writer)),
      combo_(new QComboBox),
      options_(std::move(options)),
      has_default_(!default_label.isEmpty()) {
  combo_->setEditable(editable);
  combo_->setInsertPolicy(QComboBox::NoInsert);
  combo_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  combo_->setMinimumContentsLength(12);
  if (has_default_) combo_->addItem(default_label);
  for (const auto& o : options_) combo_->addItem(TextField::format(o));
  base_items_ = combo_->count();
  set_control(combo_);
  QObject::connect(combo_, &QComboBox::activated, combo_, [this](int index) { on_activated(index); });
  if (editable) {
    QObject::connect(combo_->lineEdit(), &QLineEdit::textEdited, combo_, [this](const QString& text) {
      write(TextField::parse(text, TextKind::kString));
    });
  }
}

ChoiceField::ChoiceField(const std::string& pointer, Writer writer)
    : ChoiceField(pointer, std::move(writer), strings(scenario_choice(pointer).options),
                  "(default: " + qs(scenario_choice(pointer).default_note) + ")") {}

std::vector<Json> ChoiceField::strings(const std::vector<std::string>& names) {
  return std::vector<Json>(names.begin(), names.end());
}

void ChoiceField::on_activated(int index) {
  const int option = index - (has_default_ ? 1 : 0);
  if (index < 0) return;
  if (has_default_ && index == 0) {
    write(std::nullopt);
  } else if (option < static_cast<int>(options_.size())) {
    write(options_[static_cast<size_t>(option)]);
  } else {
    // An entry added to show a value that is not among the options: keep it as it is.
    write(TextField::parse(combo_->itemText(index), TextKind::kJson));
  }
}

void ChoiceField::show_value(const Json& root) {
  const Json* value = json_find(root, pointer_);
  const QSignalBlocker block(combo_);
  while (combo_->count() > base_items_) combo_->removeItem(combo_->count() - 1);
  if (value == nullptr) {
    if (combo_->isEditable()) combo_->setEditText(QString());
    else combo_->setCurrentIndex(has_default_ ? 0 : -1);
    return;
  }
  const auto it = std::find(options_.begin(), options_.end(), *value);
  if (it != options_.end()) {
    combo_->setCurrentIndex(static_cast<int>(it - options_.begin()) + (has_default_ ? 1 : 0));
    return;
  }
  if (combo_->isEditable()) {
    if (combo_->currentText() != TextField::format(*value)) combo_->setEditText(TextField::format(*value));
    return;
  }
  combo_->addItem(TextField::format(*value));
  combo_->setCurrentIndex(combo_->count() - 1);
}

// ---- PresenceField ---------------------------------------------------------------------------

PresenceField::PresenceField(std::string pointer, Writer writer, const QString& label, std::function<Json()> initial)
    : FieldBinding(std::move(pointer), std::move(writer)), box_(new QCheckBox(label)), initial_(std::move(initial)) {
  set_control(box_);
  QObject::connect(box_, &QCheckBox::clicked, box_, [this](bool on) {
    if (on) write(initial_());
    else write(std::nullopt);
  });
}

void PresenceField::show_value(const Json& root) {
  const QSignalBlocker block(box_);
  box_->setChecked(json_find(root, pointer_) != nullptr);
}

// ---- JsonRestField ---------------------------------------------------------------------------

JsonRestField::JsonRestField(std::string pointer, Writer writer, std::vector<std::string> excluded,
                             const QString& placeholder)
    : FieldBinding(std::move(pointer), std::move(writer)), edit_(new QLineEdit), excluded_(std::move(excluded)) {
  edit_->setPlaceholderText(placeholder);
  edit_->setClearButtonEnabled(true);
  set_control(edit_);
  QObject::connect(edit_, &QLineEdit::textEdited, edit_, [this](const QString& text) { on_edited(text); });
}

void JsonRestField::on_edited(const QString& text) {
  Json rest = Json::object();
  const std::string s = text.trimmed().toStdString();
  if (!s.empty()) {
    rest = Json::parse(s, nullptr, false);
    if (rest.is_discarded() || !rest.is_object()) {
      local_error_ = "expected a JSON object such as {\"key\": 1}; the scenario keeps the last valid one";
      show_issues(issues_);
      return;
    }
  }
  local_error_.clear();
  // The keys other fields edit stay as they are; every other key becomes what the line says.
  Json object = Json::object();
  if (const Json* current = json_find(*root_, pointer_); current != nullptr && current->is_object()) {
    for (auto it = current->begin(); it != current->end(); ++it)
      if (std::find(excluded_.begin(), excluded_.end(), it.key()) != excluded_.end()) object[it.key()] = *it;
  }
  for (auto it = rest.begin(); it != rest.end(); ++it)
    if (std::find(excluded_.begin(), excluded_.end(), it.key()) == excluded_.end()) object[it.key()] = *it;
  shown_ = rest;
  show_issues(issues_);
  if (object.empty()) write(std::nullopt);
  else write(object);
}

void JsonRestField::show_value(const Json& root) {
  root_ = &root;
  const Json* value = json_find(root, pointer_);
  Json rest = Json::object();
  if (value != nullptr && value->is_object()) {
    for (auto it = value->begin(); it != value->end(); ++it)
      if (std::find(excluded_.begin(), excluded_.end(), it.key()) == excluded_.end()) rest[it.key()] = *it;
  }
  shown_ = rest;
  if (!local_error_.isEmpty()) return;  // keep the user's unfinished text
  const Json typed = Json::parse(edit_->text().toStdString(), nullptr, false);
  if (!typed.is_discarded() && typed == rest) return;
  if (edit_->text().trimmed().isEmpty() && rest.empty()) return;
  edit_->setText(rest.empty() ? QString() : qs(rest.dump()));
}

void JsonRestField::show_issues(const std::vector<Issue>& issues) {
  issues_ = issues;
  QString text = format_issues(issues);
  if (!local_error_.isEmpty()) text = local_error_ + (text.isEmpty() ? "" : "\n" + text);
  issue_label_->setText(text);
  issue_label_->setVisible(!text.isEmpty());
  mark_invalid(edit_, !text.isEmpty());
}

// ---- LengthDistField -------------------------------------------------------------------------

namespace {

struct ParamSpec {
  const char* key;
  const char* label;
  const char* placeholder;
};

const ParamSpec kLengthParams[] = {
    {"value", "value", "tokens (required)"},
    {"min", "min", "tokens"},
    {"max", "max", "tokens"},
    {"median", "median", "tokens (or mean)"},
    {"mean", "mean", "tokens (or median)"},
    {"sigma", "sigma", "log-space spread (required)"},
    {"s", "s", "Zipf exponent > 0 (required)"},
    {"format", "format", ""},
    {"path", "path", "trace file, relative to the scenario"},
    {"reservoir", "reservoir", "lengths sampled from the file"},
};

// The parameters of each kind, as the workload parser reads them.
std::vector<std::string> params_of(const QString& kind) {
  if (kind == "fixed") return {"value"};
  if (kind == "uniform") return {"min", "max"};
  if (kind == "lognormal") return {"median", "mean", "sigma", "min", "max"};
  if (kind == "zipf") return {"s", "min", "max"};
  if (kind == "geometric") return {"mean", "min", "max"};
  if (kind == "trace") return {"format", "path", "reservoir"};
  return {};
}

}  // namespace

LengthDistField::LengthDistField(std::string pointer, Writer writer, const QStringList& trace_formats,
                                 bool allow_trace)
    : FieldBinding(std::move(pointer), std::move(writer)), kind_(new QComboBox) {
  auto* box = new QWidget;
  params_layout_ = new QFormLayout(box);
  params_layout_->setContentsMargins(0, 0, 0, 0);
  kind_->addItems({"fixed", "uniform", "lognormal", "zipf", "geometric"});
  if (allow_trace) kind_->addItem("trace");
  params_layout_->addRow("dist", kind_);
  for (const auto& spec : kLengthParams) {
    Param p{spec.key, nullptr, nullptr, TextKind::kNumber};
    QWidget* w = nullptr;
    if (std::string(spec.key) == "format") {
      p.choice = new QComboBox;
      p.choice->addItems(trace_formats);
      QObject::connect(p.choice, &QComboBox::activated, p.choice, [this](int) { on_edited(); });
      w = p.choice;
    } else {
      p.edit = new QLineEdit;
      p.edit->setPlaceholderText(spec.placeholder);
      if (std::string(spec.key) == "path") p.text_kind = TextKind::kString;
      QObject::connect(p.edit, &QLineEdit::textEdited, p.edit, [this](const QString&) { on_edited(); });
      w = p.edit;
    }
    w->setObjectName(QString::fromLatin1(spec.key));
    params_layout_->addRow(spec.label, w);
    params_.push_back(p);
  }
  set_control(box);
  QObject::connect(kind_, &QComboBox::activated, kind_, [this](int) {
    show_kind_rows(kind_->currentText());
    on_edited();
  });
  show_kind_rows("fixed");
}

QLineEdit* LengthDistField::parameter(const std::string& key) const {
  for (const auto& p : params_)
    if (p.key == key) return p.edit;
  return nullptr;
}

void LengthDistField::show_kind_rows(const QString& kind) {
  const auto visible = params_of(kind);
  for (size_t i = 0; i < params_.size(); ++i) {
    const bool show = std::find(visible.begin(), visible.end(), params_[i].key) != visible.end();
    params_layout_->setRowVisible(static_cast<int>(i) + 1, show);
  }
}

void LengthDistField::on_edited() {
  const QString kind = kind_->currentText();
  const auto wanted = params_of(kind);
  Json j = shown_.is_object() ? shown_ : Json::object();
  j["dist"] = kind.toStdString();
  for (const auto& p : params_) {
    const bool used = std::find(wanted.begin(), wanted.end(), p.key) != wanted.end();
    std::optional<Json> v;
    if (used && p.choice != nullptr) v = Json(p.choice->currentText().toStdString());
    else if (used) v = TextField::parse(p.edit->text(), p.text_kind);
    if (v) j[p.key] = *v;
    else j.erase(p.key);
  }
  shown_ = j;
  write(j);
}

void LengthDistField::show_value(const Json& root) {
  const Json* value = json_find(root, pointer_);
  if (value != nullptr && shown_ == *value) return;
  shown_ = value == nullptr ? Json() : *value;
  QString kind = "fixed";
  Json fields = Json::object();
  if (value != nullptr && value->is_number()) {
    fields["value"] = *value;  // the shorthand for a fixed length
  } else if (value != nullptr && value->is_object()) {
    fields = *value;
    if (value->contains("dist") && (*value)["dist"].is_string()) kind = qs((*value)["dist"].get<std::string>());
  }
  const QSignalBlocker block(kind_);
  if (kind_->findText(kind) < 0) kind_->addItem(kind);
  kind_->setCurrentText(kind);
  for (auto& p : params_) {
    const bool has = fields.contains(p.key);
    if (p.choice != nullptr) {
      const QSignalBlocker b(p.choice);
      const QString text = has ? TextField::format(fields[p.key]) : QString();
      if (!text.isEmpty() && p.choice->findText(text) < 0) p.choice->addItem(text);
      p.choice->setCurrentIndex(text.isEmpty() ? 0 : p.choice->findText(text));
    } else {
      p.edit->setText(has ? TextField::format(fields[p.key]) : QString());
    }
  }
  show_kind_rows(kind);
}

void LengthDistField::show_issues(const std::vector<Issue>& issues) {
  FieldBinding::show_issues(issues);
  mark_invalid(control_, false);
  mark_invalid(kind_, false);
  for (auto& p : params_) mark_invalid(p.edit != nullptr ? static_cast<QWidget*>(p.edit) : p.choice, false);
  for (const auto& issue : issues) {
    const std::string key = relative_pointer(issue.pointer, pointer_);
    if (key.empty() || key == "dist") mark_invalid(kind_, true);
    for (auto& p : params_)
      if (p.key == key) mark_invalid(p.edit != nullptr ? static_cast<QWidget*>(p.edit) : p.choice, true);
  }
}

// ---- TierListField ---------------------------------------------------------------------------

TierListField::TierListField(std::string pointer, Writer writer, const QStringList& suggested_columns)
    : FieldBinding(std::move(pointer), std::move(writer)),
      table_(new QTableWidget),
      new_column_(new QLineEdit),
      suggested_(suggested_columns) {
  auto* box = new QWidget;
  auto* layout = new QVBoxLayout(box);
  layout->setContentsMargins(0, 0, 0, 0);
  // Room for a header and four tiers; each column as wide as its key or widest value.
  table_->setMinimumHeight(130);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
  table_->horizontalHeader()->setMinimumSectionSize(70);
  table_->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
  table_->verticalHeader()->setDefaultSectionSize(22);
  table_->setToolTip("One row per KV tier, from the fastest (GPU) to the slowest. Cells hold JSON: a number, "
                     "true/false, or text; an empty cell leaves the key out.");
  layout->addWidget(table_);
  auto* buttons = new QHBoxLayout;
  auto* add = new QPushButton("Add tier");
  auto* remove = new QPushButton("Remove tier");
  new_column_->setPlaceholderText("new field name");
  auto* add_column_button = new QPushButton("Add field");
  add->setObjectName("add_tier");
  remove->setObjectName("remove_tier");
  buttons->addWidget(add);
  buttons->addWidget(remove);
  buttons->addStretch();
  layout->addLayout(buttons);
  // The new field's name on a line of its own, so that a narrow form need not scroll sideways.
  auto* columns = new QHBoxLayout;
  new_column_->setMinimumWidth(80);
  columns->addWidget(new_column_, 1);
  columns->addWidget(add_column_button);
  layout->addLayout(columns);
  set_control(box);

  QObject::connect(add, &QPushButton::clicked, table_, [this] { add_tier(); });
  QObject::connect(remove, &QPushButton::clicked, table_, [this] { remove_tier(table_->currentRow()); });
  QObject::connect(add_column_button, &QPushButton::clicked, table_, [this] {
    add_column(new_column_->text().trimmed());
    new_column_->clear();
  });
  QObject::connect(new_column_, &QLineEdit::returnPressed, table_, [this] {
    add_column(new_column_->text().trimmed());
    new_column_->clear();
  });
  QObject::connect(table_, &QTableWidget::itemChanged, table_, [this](QTableWidgetItem*) {
    if (!refreshing_) write_table();
  });
  rebuild_table(Json());
}

void TierListField::add_tier() {
  refreshing_ = true;
  const int row = table_->rowCount();
  table_->insertRow(row);
  opaque_rows_.push_back(std::nullopt);
  for (int c = 0; c < table_->columnCount(); ++c) table_->setItem(row, c, new QTableWidgetItem);
  refreshing_ = false;
  write_table();
}

void TierListField::remove_tier(int row) {
  if (row < 0 || row >= table_->rowCount()) return;
  table_->removeRow(row);
  opaque_rows_.erase(opaque_rows_.begin() + row);
  write_table();
}

void TierListField::add_column(const QString& key) {
  if (key.isEmpty() || columns_.contains(key)) return;
  refreshing_ = true;
  columns_ << key;
  table_->setColumnCount(static_cast<int>(columns_.size()));
  table_->setHorizontalHeaderLabels(columns_);
  for (int r = 0; r < table_->rowCount(); ++r) table_->setItem(r, static_cast<int>(columns_.size()) - 1, new QTableWidgetItem);
  refreshing_ = false;
}

void TierListField::rebuild_table(const Json& tiers) {
  refreshing_ = true;
  QStringList columns = suggested_;
  // Keep columns the user added but has not filled yet.
  for (const auto& c : columns_)
    if (!columns.contains(c)) columns << c;
  if (tiers.is_array()) {
    for (const auto& t : tiers) {
      if (!t.is_object()) continue;
      for (auto it = t.begin(); it != t.end(); ++it)
        if (!columns.contains(qs(it.key()))) columns << qs(it.key());
    }
  }
  columns_ = columns;
  table_->clear();
  table_->setColumnCount(static_cast<int>(columns_.size()));
  table_->setHorizontalHeaderLabels(columns_);
  opaque_rows_.clear();
  const int rows = tiers.is_array() ? static_cast<int>(tiers.size()) : 0;
  table_->setRowCount(rows);
  for (int r = 0; r < rows; ++r) {
    const Json& t = tiers[static_cast<size_t>(r)];
    opaque_rows_.push_back(t.is_object() ? std::nullopt : std::optional<Json>(t));
    for (int c = 0; c < table_->columnCount(); ++c) {
      auto* item = new QTableWidgetItem;
      const std::string key = columns_[c].toStdString();
      if (t.is_object() && t.contains(key)) item->setText(TextField::format(t[key]));
      if (!t.is_object()) {
        item->setFlags(item->flags() & ~Qt::ItemIsEditable);
        if (c == 0) item->setText(qs(t.dump()));
      }
      table_->setItem(r, c, item);
    }
  }
  table_->resizeColumnsToContents();
  refreshing_ = false;
}

void TierListField::write_table() {
  Json tiers = Json::array();
  for (int r = 0; r < table_->rowCount(); ++r) {
    if (opaque_rows_[static_cast<size_t>(r)]) {
      tiers.push_back(*opaque_rows_[static_cast<size_t>(r)]);
      continue;
    }
    Json tier = Json::object();
    for (int c = 0; c < table_->columnCount(); ++c) {
      const QTableWidgetItem* item = table_->item(r, c);
      if (item == nullptr) continue;
      if (auto v = TextField::parse(item->text(), TextKind::kJson)) tier[columns_[c].toStdString()] = *v;
    }
    tiers.push_back(tier);
  }
  if (tiers.empty()) write(std::nullopt);
  else write(tiers);
}

void TierListField::show_value(const Json& root) {
  const Json* value = json_find(root, pointer_);
  // Rebuild only when the document differs from the table (keeps the cell being edited).
  Json tiers = value == nullptr ? Json() : *value;
  Json from_table = Json::array();
  for (int r = 0; r < table_->rowCount(); ++r) {
    if (opaque_rows_[static_cast<size_t>(r)]) {
      from_table.push_back(*opaque_rows_[static_cast<size_t>(r)]);
      continue;
    }
    Json tier = Json::object();
    for (int c = 0; c < table_->columnCount(); ++c)
      if (auto v = TextField::parse(table_->item(r, c) ? table_->item(r, c)->text() : QString(), TextKind::kJson))
        tier[columns_[c].toStdString()] = *v;
    from_table.push_back(tier);
  }
  if ((value == nullptr && from_table.empty()) || (value != nullptr && from_table == *value)) return;
  rebuild_table(tiers);
}

void TierListField::show_issues(const std::vector<Issue>& issues) {
  FieldBinding::show_issues(issues);
  mark_invalid(control_, false);
  for (int r = 0; r < table_->rowCount(); ++r)
    for (int c = 0; c < table_->columnCount(); ++c)
      if (auto* item = table_->item(r, c)) {
        item->setBackground(QBrush());
        item->setToolTip(QString());
      }
  refreshing_ = true;
  for (const auto& issue : issues) {
    const auto tokens = pointer_tokens(relative_pointer(issue.pointer, pointer_));
    if (tokens.empty()) {
      mark_invalid(table_, true);
      continue;
    }
    bool ok = false;
    const int row = qs(tokens[0]).toInt(&ok);
    if (!ok || row < 0 || row >= table_->rowCount()) continue;
    const int col = tokens.size() > 1 ? static_cast<int>(columns_.indexOf(qs(tokens[1]))) : -1;
    for (int c = 0; c < table_->columnCount(); ++c) {
      if (col >= 0 && c != col) continue;
      if (auto* item = table_->item(row, c)) {
        item->setBackground(QColor(255, 205, 210));
        item->setToolTip(qs(issue.message));
      }
    }
  }
  refreshing_ = false;
}

// ---- WorkloadSourceField ---------------------------------------------------------------------

const std::vector<std::string>& WorkloadSourceField::kinds() {
  static const std::vector<std::string> k = {"synthetic", "trace", "shared_prefix"};
  return k;
}

WorkloadSourceField::WorkloadSourceField(std::string pointer, Writer writer, QStackedWidget* pages)
    : FieldBinding(std::move(pointer), std::move(writer)), pages_(pages), stashed_(kinds().size()) {
  auto* box = new QWidget;
  auto* layout = new QHBoxLayout(box);
  layout->setContentsMargins(0, 0, 0, 0);
  const char* labels[] = {"Synthetic generator", "Trace file", "Shared prefix (inference-perf)"};
  for (size_t i = 0; i < kinds().size(); ++i) {
    buttons_.push_back(new QRadioButton(labels[i]));
    layout->addWidget(buttons_.back());
    QObject::connect(buttons_.back(), &QRadioButton::clicked, buttons_.back(), [this, i] { switch_to(i); });
  }
  layout->addStretch();
  set_control(box);
}

void WorkloadSourceField::switch_to(size_t kind) {
  pages_->setCurrentIndex(static_cast<int>(kind));
  const std::string& to = kinds()[kind];
  Json w = current_.is_object() ? current_ : Json::object();
  if (w.contains(to)) {
    bool alone = true;
    for (const std::string& k : kinds()) alone = alone && (k == to || !w.contains(k));
    if (alone) return;
  }
  // The other sources' settings are kept aside, so switching back restores them.
  for (size_t i = 0; i < kinds().size(); ++i) {
    if (i == kind || !w.contains(kinds()[i])) continue;
    stashed_[i] = w[kinds()[i]];
    w.erase(kinds()[i]);
  }
  if (!w.contains(to)) {
    if (!stashed_[kind].is_null()) w[to] = stashed_[kind];
    else if (to == "trace") w[to] = Json{{"format", "azure"}, {"path", ""}};
    else if (to == "synthetic")
      w[to] = Json{{"num_requests", 1000}, {"arrivals", {{"process", "poisson"}, {"rate", 10}}},
                   {"prompt_tokens", 1000}, {"output_tokens", 100}};
    else
      w[to] = Json{{"num_groups", 10}, {"num_prompts_per_group", 10}, {"system_prompt_len", 100},
                   {"question_len", 500}, {"output_len", 200},
                   {"arrivals", {{"stages", Json::array({Json{{"rate", 2}, {"duration_s", 600}}})}}}};
  }
  current_ = w;
  write(w);
}

void WorkloadSourceField::show_value(const Json& root) {
  const Json* value = json_find(root, pointer_);
  current_ = value == nullptr ? Json::object() : *value;
  size_t shown = 0;  // synthetic unless the workload is one of the others
  for (size_t i = 1; i < kinds().size(); ++i)
    if (current_.is_object() && current_.contains(kinds()[i]) && !current_.contains("synthetic")) shown = i;
  for (size_t i = 0; i < buttons_.size(); ++i) buttons_[i]->setChecked(i == shown);
  pages_->setCurrentIndex(static_cast<int>(shown));
}

// ---- SectionField ----------------------------------------------------------------------------

SectionField::SectionField(std::string pointer, Writer writer) : FieldBinding(std::move(pointer), std::move(writer)) {
  set_control(nullptr);
}

}  // namespace kvsim::gui
