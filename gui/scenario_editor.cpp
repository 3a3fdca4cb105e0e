#include "scenario_editor.h"

#include <QFontDatabase>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "scenario_form.h"

namespace kvsim::gui {

namespace {

constexpr int kValidationPauseMs = 150;
constexpr int kPointerRole = Qt::UserRole + 1;

// "line 3, column 14: syntax error ..." for a JSON parse error at byte `offset` of `text`.
QString locate_parse_error(const std::string& text, size_t offset, const std::string& what) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i + 1 < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  const size_t pos = what.find("syntax error");
  return QString("line %1, column %2: invalid JSON (%3); the form shows the last valid version")
      .arg(line)
      .arg(col)
      .arg(QString::fromStdString(pos == std::string::npos ? what : what.substr(pos)));
}

}  // namespace

ScenarioEditor::ScenarioEditor(ScenarioDocument* document, const Catalog& catalog, UserPrompts* prompts,
                               QWidget* parent)
    : QWidget(parent),
      document_(document),
      form_(new ScenarioForm(document, catalog, prompts)),
      json_text_(new QPlainTextEdit),
      json_error_(new QLabel),
      tabs_(new QTabWidget),
      status_(new QLabel),
      issue_list_(new QListWidget),
      validator_(new ScenarioValidator(catalog, this)),
      debounce_(new QTimer(this)) {
  // The status line and the messages keep their height whatever they say, so that the form
  // under them never moves when a message comes or goes (the next click lands where aimed).
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  status_->setFixedHeight(2 * status_->fontMetrics().lineSpacing() + 4);
  status_->setAlignment(Qt::AlignLeft | Qt::AlignVCenter);
  issue_list_->setObjectName("issues");
  issue_list_->setWordWrap(true);
  issue_list_->setStyleSheet("QListWidget { color: #c62828; }");
  auto* no_issues = new QLabel("No problems found.");
  no_issues->setObjectName("no_issues");
  no_issues->setStyleSheet("color: palette(mid);");
  no_issues->setAlignment(Qt::AlignLeft | Qt::AlignTop);
  messages_ = new QStackedWidget;
  messages_->addWidget(no_issues);
  messages_->addWidget(issue_list_);
  messages_->setFixedHeight(3 * issue_list_->fontMetrics().lineSpacing() + 12);

  json_text_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  json_text_->setLineWrapMode(QPlainTextEdit::NoWrap);
  json_error_->setStyleSheet("color: #c62828;");
  json_error_->setWordWrap(true);
  json_error_->hide();
  auto* json_page = new QWidget;
  auto* json_layout = new QVBoxLayout(json_page);
  json_layout->setContentsMargins(0, 0, 0, 0);
  // The error goes under the text, so that the text being typed does not move when it appears.
  json_layout->addWidget(json_text_);
  json_layout->addWidget(json_error_);

  tabs_->addTab(form_, "Form");
  tabs_->addTab(json_page, "JSON");

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(status_);
  layout->addWidget(messages_);
  layout->addWidget(tabs_, 1);

  debounce_->setSingleShot(true);
  debounce_->setInterval(kValidationPauseMs);
  connect(debounce_, &QTimer::timeout, this, &ScenarioEditor::validate_now);
  connect(document_, &ScenarioDocument::changed, this, &ScenarioEditor::on_document_changed);
  connect(json_text_, &QPlainTextEdit::textChanged, this, &ScenarioEditor::on_json_text_changed);
  connect(validator_, &ScenarioValidator::validated, this, &ScenarioEditor::on_validated);
  connect(issue_list_, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
    const std::string pointer = item->data(kPointerRole).toString().toStdString();
    tabs_->setCurrentWidget(form_);
    form_->focus_pointer(pointer);
  });
  connect(issue_list_, &QListWidget::itemClicked, issue_list_, &QListWidget::itemActivated);
  on_document_changed(ScenarioDocument::Origin::kLoad);
}

QString ScenarioEditor::json_error() const { return json_error_->isHidden() ? QString() : json_error_->text(); }

void ScenarioEditor::on_document_changed(ScenarioDocument::Origin origin) {
  form_->refresh();
  if (origin != ScenarioDocument::Origin::kRawText) {
    const QSignalBlocker block(json_text_);
    const int position = json_text_->textCursor().position();
    json_text_->setPlainText(QString::fromStdString(document_->json().dump(2)));
    QTextCursor cursor = json_text_->textCursor();
    cursor.setPosition(std::min(position, static_cast<int>(json_text_->toPlainText().size())));
    json_text_->setTextCursor(cursor);
    json_error_->hide();
  }
  if (origin == ScenarioDocument::Origin::kLoad) validate_now();
  else debounce_->start();
}

void ScenarioEditor::on_json_text_changed() {
  const std::string text = json_text_->toPlainText().toStdString();
  Json parsed;
  try {
    parsed = Json::parse(text);
  } catch (const Json::parse_error& e) {
    json_error_->setText(locate_parse_error(text, e.byte, e.what()));
    json_error_->show();
    return;
  }
  if (!parsed.is_object()) {
    json_error_->setText("a scenario is a JSON object { ... }; the form shows the last valid version");
    json_error_->show();
    return;
  }
  json_error_->hide();
  if (parsed != document_->json()) document_->replace(parsed, ScenarioDocument::Origin::kRawText);
}

bool ScenarioEditor::issues_shown() const { return messages_->currentWidget() == issue_list_; }

bool ScenarioEditor::validation_pending() const { return debounce_->isActive() || validator_->pending(); }

void ScenarioEditor::validate_now() {
  debounce_->stop();
  validator_->request(document_->json(), document_->base_dir(), document_->where());
}

void ScenarioEditor::on_validated(const Validation& v) {
  if (v.valid) {
    // "<model> on <gpu>, N replica(s), B KV blocks per replica, workload ..." (the workload's
    // description is long: it goes to the tooltip).
    const QString details = QString::fromStdString(v.details);
    const qsizetype workload = details.indexOf(", workload ");
    status_->setText("✔ valid: " + (workload > 0 ? details.left(workload) : details));
    status_->setToolTip(details);  // the whole line: the label has room for two lines
    status_->setStyleSheet("color: #2e7d32;");
  } else {
    status_->setText(QString("✘ %1 problem(s); fix them before running").arg(v.issues.size()));
    status_->setToolTip(QString());
    status_->setStyleSheet("color: #c62828;");
  }
  show_issues(v.issues, QString());
}

void ScenarioEditor::show_issues(const std::vector<Issue>& issues, const QString& headline) {
  if (!headline.isEmpty()) {
    status_->setText(headline);
    status_->setStyleSheet("color: #c62828;");
  }
  form_->show_issues(issues);
  issue_list_->clear();
  for (const auto& issue : issues) {
    auto* item = new QListWidgetItem(QString::fromStdString(issue.text()));
    item->setData(kPointerRole, QString::fromStdString(issue.pointer));
    item->setToolTip(issue.pointer.empty() ? QString("not tied to one field") : "click to go to the field");
    issue_list_->addItem(item);
  }
  messages_->setCurrentIndex(issues.empty() ? 0 : 1);
}

}  // namespace kvsim::gui
