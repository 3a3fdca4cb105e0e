// The scenario editor: the form and the raw JSON tab edit one document, dropdowns come from the
// catalogs, invalid values are flagged next to their field with `kvsim validate`'s own words,
// files are saved exactly, and unsaved edits are never dropped without asking.
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QRadioButton>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "cluster/router.h"
#include "core/error.h"
#include "form_fields.h"
#include "gui_test_support.h"
#include "kv/eviction_registry.h"
#include "scenario/scenario.h"
#include "scenario/scenario_choices.h"
#include "scenario_document.h"
#include "scenario_editor.h"
#include "scenario_form.h"

using namespace kvsim::gui;
using namespace kvsim::gui::test;

namespace {

QStringList combo_items(QComboBox* c) {
  QStringList items;
  for (int i = 0; i < c->count(); ++i) items << c->itemText(i);
  return items;
}

// The issue lines `kvsim validate` prints for a scenario file (via the library's own loader).
QStringList cli_issue_lines(const QString& path) {
  QStringList lines;
  try {
    kvsim::load_scenario(path.toStdString(), {}, kvsim::Catalog::open_default());
  } catch (const kvsim::InputError& e) {
    for (const auto& issue : issues_of(e)) lines << QString::fromStdString(issue.text());
  }
  return lines;
}

Json read_file_json(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return Json();
  return Json::parse(f.readAll().toStdString());
}

}  // namespace

class ScenarioEditorTest : public QObject {
  Q_OBJECT

 private slots:
  void a_loaded_scenario_fills_the_form_and_the_json_tab();
  void dropdowns_are_filled_from_the_catalogs_and_registries();
  void the_forms_choices_and_defaults_are_the_parsers_list();
  void editing_a_form_field_updates_the_json_tab_and_marks_the_document_modified();
  void clearing_a_field_removes_the_key_and_the_sections_it_empties();
  void editing_the_json_tab_updates_the_form();
  void a_json_syntax_error_is_shown_with_its_line_and_the_form_keeps_the_last_valid_version();
  void invalid_values_are_flagged_inline_with_the_messages_of_kvsim_validate();
  void fixing_a_value_clears_its_flag();
  void a_missing_trace_file_is_flagged_on_the_trace_path();
  void the_kv_tier_list_is_edited_generically_as_a_table();
  void a_length_distribution_switches_kind_and_keeps_only_its_parameters();
  void switching_the_workload_source_keeps_the_other_source_settings();
  void a_shared_prefix_workload_shows_its_own_page_and_stays_valid();
  void saving_writes_the_scenario_in_the_users_key_order();
  void new_scenario_asks_before_discarding_unsaved_edits();
  void closing_with_unsaved_edits_asks_and_can_be_cancelled();
  void an_unreadable_or_broken_file_shows_an_error_and_keeps_the_document();
  void values_of_the_wrong_type_are_shown_and_flagged_not_crashed_on();
};

void ScenarioEditorTest::a_loaded_scenario_fills_the_form_and_the_json_tab() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(w->open_scenario(test::data_path("small.json")));
  QCOMPARE(text_field(*w, "/name")->text(), QString("gui-small"));
  QCOMPARE(text_field(*w, "/engine/max_num_seqs")->text(), QString("64"));
  QCOMPARE(text_field(*w, "/workload/synthetic/num_requests")->text(), QString("300"));
  QCOMPARE(choice_field(*w, "/model")->currentText(), QString("Llama-3-8B"));
  QCOMPARE(choice_field(*w, "/kv_cache/eviction_policy")->currentText(), QString("lru"));
  QCOMPARE(choice_field(*w, "/kv_cache/enable_prefix_caching")->currentText(), QString("true"));
  // Absent fields show their default as a placeholder, not a value.
  QCOMPARE(text_field(*w, "/engine/block_size")->text(), QString());
  QCOMPARE(text_field(*w, "/engine/block_size")->placeholderText(), QString("16"));
  const Json shown = Json::parse(w->editor()->json_text()->toPlainText().toStdString());
  KVSIM_JSON_COMPARE(shown, read_file_json(test::data_path("small.json")));
  QVERIFY(!w->document()->dirty());
  QVERIFY(test::wait_for_validation(*w));
  QVERIFY(w->editor()->validator()->last().valid);
}

void ScenarioEditorTest::dropdowns_are_filled_from_the_catalogs_and_registries() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  const kvsim::Catalog catalog = kvsim::Catalog::open_default();
  const QStringList models = combo_items(choice_field(*w, "/model"));
  for (const auto& name : catalog.llm_names()) QVERIFY2(models.contains(QString::fromStdString(name)), name.c_str());
  const QStringList gpus = combo_items(choice_field(*w, "/gpu"));
  for (const auto& name : catalog.gpu_names()) QVERIFY2(gpus.contains(QString::fromStdString(name)), name.c_str());
  const QStringList policies = combo_items(choice_field(*w, "/kv_cache/eviction_policy"));
  for (const auto& name : kvsim::eviction_policy_names()) QVERIFY(policies.contains(QString::fromStdString(name)));
  const QStringList routers = combo_items(choice_field(*w, "/cluster/router"));
  for (const auto& name : kvsim::router_names()) QVERIFY(routers.contains(QString::fromStdString(name)));
}

void ScenarioEditorTest::the_forms_choices_and_defaults_are_the_parsers_list() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  // Every enumerated field the parser validates against a list has a drop-down of exactly that
  // list, after the entry that names the parser's default.
  for (const kvsim::ScenarioChoice& c : kvsim::scenario_choices()) {
    QComboBox* combo = choice_field(*w, c.pointer);
    QVERIFY2(combo != nullptr, c.pointer.c_str());
    QStringList expected{QString::fromStdString("(default: " + c.default_note + ")")};
    for (const auto& option : c.options) expected << QString::fromStdString(option);
    QCOMPARE(combo_items(combo), expected);
    QVERIFY(QString::fromStdString(c.default_note).startsWith(QString::fromStdString(c.default_value)));
  }
  for (const kvsim::ScenarioNumber& n : kvsim::scenario_numbers()) {
    QLineEdit* edit = text_field(*w, n.pointer);
    QVERIFY2(edit != nullptr, n.pointer.c_str());
    QCOMPARE(edit->placeholderText(), QString::fromStdString(n.default_text));
    QCOMPARE(edit->placeholderText().toDouble(), n.default_value);
  }
}

void ScenarioEditorTest::editing_a_form_field_updates_the_json_tab_and_marks_the_document_modified() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(w->open_scenario(test::data_path("small.json")));
  QLineEdit* seqs = text_field(*w, "/engine/max_num_seqs");
  seqs->selectAll();
  QTest::keyClicks(seqs, "128");
  KVSIM_JSON_COMPARE(w->document()->json()["engine"]["max_num_seqs"], Json(128));
  QVERIFY(w->document()->dirty());
  QVERIFY(w->isWindowModified());
  const Json shown = Json::parse(w->editor()->json_text()->toPlainText().toStdString());
  KVSIM_JSON_COMPARE(shown["engine"]["max_num_seqs"], Json(128));

  QComboBox* policy = choice_field(*w, "/cluster/router");
  const int index = policy->findText("least_outstanding");
  QVERIFY(index > 0);
  policy->setCurrentIndex(index);
  emit policy->activated(index);
  KVSIM_JSON_COMPARE(w->document()->json()["cluster"]["router"], Json("least_outstanding"));
}

void ScenarioEditorTest::clearing_a_field_removes_the_key_and_the_sections_it_empties() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(w->open_scenario(test::data_path("small.json")));
  QLineEdit* interval = text_field(*w, "/metrics/timeseries_interval_s");
  interval->selectAll();
  QTest::keyClick(interval, Qt::Key_Delete);
  QVERIFY(!w->document()->json().contains("metrics"));
}

void ScenarioEditorTest::editing_the_json_tab_updates_the_form() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(w->open_scenario(test::data_path("small.json")));
  Json j = read_file_json(test::data_path("small.json"));
  j["cluster"]["replicas"] = 3;
  j["engine"]["block_size"] = 32;
  w->editor()->json_text()->setPlainText(QString::fromStdString(j.dump(2)));
  QCOMPARE(text_field(*w, "/cluster/replicas")->text(), QString("3"));
  QCOMPARE(text_field(*w, "/engine/block_size")->text(), QString("32"));
  KVSIM_JSON_COMPARE(w->document()->json(), j);
  QVERIFY(w->document()->dirty());
}

void ScenarioEditorTest::a_json_syntax_error_is_shown_with_its_line_and_the_form_keeps_the_last_valid_version() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(w->open_scenario(test::data_path("small.json")));
  const Json before = w->document()->json();
  w->editor()->json_text()->setPlainText("{\n  \"name\": \"x\",\n  \"model\": \n}");
  QVERIFY2(w->editor()->json_error().startsWith("line 4, column 1: invalid JSON"), qPrintable(w->editor()->json_error()));
  KVSIM_JSON_COMPARE(w->document()->json(), before);
  // Running now would run something else than what the user sees: refused with a message.
  QVERIFY(!w->start_run());
  QCOMPARE(prompts->errors.size(), 1);
  QVERIFY(prompts->errors[0].contains("line 4, column 1"));
  // Saving would write something else than the text: refused too.
  QVERIFY(!w->save_scenario_as(QDir::temp().filePath("kvsim-gui-never-written.json")));
  QCOMPARE(prompts->errors.size(), 2);
  // The broken text is an unsaved edit: replacing the scenario asks first.
  prompts->confirmations = {false};
  w->new_scenario();
  QVERIFY(!w->editor()->json_error().isEmpty());
  KVSIM_JSON_COMPARE(w->document()->json(), before);
  prompts->confirmations = {true};
  w->new_scenario();
  QVERIFY(w->editor()->json_error().isEmpty());
  KVSIM_JSON_COMPARE(w->document()->json()["name"], Json("new-scenario"));
}

void ScenarioEditorTest::invalid_values_are_flagged_inline_with_the_messages_of_kvsim_validate() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(w->open_scenario(test::data_path("bad.json")));
  QVERIFY(test::wait_for_validation(*w));
  const Validation& v = w->editor()->validator()->last();
  QVERIFY(!v.valid);
  // The list above the form holds exactly the lines `kvsim validate bad.json` prints.
  const QStringList expected = cli_issue_lines(test::data_path("bad.json"));
  QVERIFY(expected.size() >= 4);
  QStringList listed;
  for (int i = 0; i < w->editor()->issue_list()->count(); ++i) listed << w->editor()->issue_list()->item(i)->text();
  QCOMPARE(listed, expected);
  // And each field shows its own message under it.
  for (const auto& issue : v.issues) {
    FieldBinding* b = w->editor()->form()->binding_for(issue.pointer);
    QVERIFY2(b != nullptr, issue.pointer.c_str());
    QVERIFY2(b->issue_text().contains(QString::fromStdString(issue.message)),
             qPrintable(QString::fromStdString(issue.pointer) + " shows: " + b->issue_text()));
  }
  QVERIFY(w->editor()->form()->field("/engine/max_num_seqs")->issue_text().contains("found the string \"lots\""));
  QVERIFY(!w->editor()->form()->field("/cluster/replicas")->issue_text().isEmpty());
  QVERIFY(!w->editor()->form()->field("/workload/synthetic/arrivals/rate")->issue_text().isEmpty());
  QVERIFY(w->editor()->form()->field("/name")->issue_text().isEmpty());
}

void ScenarioEditorTest::fixing_a_value_clears_its_flag() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(w->open_scenario(test::data_path("bad.json")));
  QVERIFY(test::wait_for_validation(*w));
  QVERIFY(!w->editor()->form()->field("/engine/max_num_seqs")->issue_text().isEmpty());
  QLineEdit* seqs = text_field(*w, "/engine/max_num_seqs");
  seqs->selectAll();
  QTest::keyClicks(seqs, "32");
  QVERIFY(test::wait_for_validation(*w));
  QVERIFY(w->editor()->form()->field("/engine/max_num_seqs")->issue_text().isEmpty());
  QVERIFY(!w->editor()->form()->field("/cluster/replicas")->issue_text().isEmpty());
}

void ScenarioEditorTest::a_missing_trace_file_is_flagged_on_the_trace_path() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(w->open_scenario(test::data_path("missing_trace.json")));
  QVERIFY(test::wait_for_validation(*w));
  QVERIFY(!w->editor()->validator()->last().valid);
  const QString text = w->editor()->form()->field("/workload/trace/path")->issue_text();
  QVERIFY2(text.contains("trace file not found") && text.contains("no-such-trace.csv"), qPrintable(text));
  auto* source = dynamic_cast<WorkloadSourceField*>(w->editor()->form()->field("/workload"));
  QVERIFY(source->trace_button()->isChecked());
}

void ScenarioEditorTest::the_kv_tier_list_is_edited_generically_as_a_table() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(w->open_scenario(test::data_path("small.json")));
  auto* tiers = dynamic_cast<TierListField*>(w->editor()->form()->field("/kv_cache/tiers"));
  QVERIFY(tiers != nullptr);
  tiers->add_tier();
  tiers->add_column("capacity_gib");
  tiers->add_column("usd_per_gb_month");
  QTableWidget* t = tiers->table();
  QCOMPARE(t->rowCount(), 1);
  t->item(0, static_cast<int>(tiers->columns().indexOf("name")))->setText("cpu");
  t->item(0, static_cast<int>(tiers->columns().indexOf("capacity_gib")))->setText("64");
  t->item(0, static_cast<int>(tiers->columns().indexOf("usd_per_gb_month")))->setText("0.02");
  const Json expected = Json::parse(R"([{"name": "cpu", "capacity_gib": 64, "usd_per_gb_month": 0.02}])");
  KVSIM_JSON_COMPARE(w->document()->json()["kv_cache"]["tiers"], expected);

  // The JSON tab's tiers come back into the table, unknown keys as columns.
  Json j = w->document()->json();
  j["kv_cache"]["tiers"].push_back({{"name", "object-store"}, {"latency_s", 0.05}});
  w->editor()->json_text()->setPlainText(QString::fromStdString(j.dump(2)));
  QCOMPARE(t->rowCount(), 2);
  QVERIFY(tiers->columns().contains("latency_s"));
  QCOMPARE(t->item(1, static_cast<int>(tiers->columns().indexOf("latency_s")))->text(), QString("0.05"));

  // A validation message under a tier marks that cell.
  tiers->show_issues({Issue{"/kv_cache/tiers/1/latency_s", "expected a number >= 0, found -1"}});
  QVERIFY(t->item(1, static_cast<int>(tiers->columns().indexOf("latency_s")))->background().color() != QColor());
  QVERIFY2(tiers->issue_text().contains("/kv_cache/tiers/1/latency_s: expected"), qPrintable(tiers->issue_text()));

  tiers->remove_tier(1);
  tiers->remove_tier(0);
  QVERIFY(!w->document()->json()["kv_cache"].contains("tiers"));
}

void ScenarioEditorTest::a_length_distribution_switches_kind_and_keeps_only_its_parameters() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(w->open_scenario(test::data_path("small.json")));
  auto* prompt = dynamic_cast<LengthDistField*>(w->editor()->form()->field("/workload/synthetic/prompt_tokens"));
  QVERIFY(prompt != nullptr);
  QCOMPARE(prompt->kind_combo()->currentText(), QString("uniform"));
  QCOMPARE(prompt->parameter("min")->text(), QString("200"));
  const int lognormal = prompt->kind_combo()->findText("lognormal");
  prompt->kind_combo()->setCurrentIndex(lognormal);
  emit prompt->kind_combo()->activated(lognormal);
  QTest::keyClicks(prompt->parameter("median"), "700");
  QTest::keyClicks(prompt->parameter("sigma"), "0.8");
  const Json expected = Json::parse(R"({"dist": "lognormal", "min": 200, "max": 1200, "median": 700, "sigma": 0.8})");
  KVSIM_JSON_COMPARE(nlohmann::json(w->document()->json()["workload"]["synthetic"]["prompt_tokens"]),
                     nlohmann::json(expected));
  QVERIFY(test::wait_for_validation(*w));
  QVERIFY2(w->editor()->validator()->last().valid, w->editor()->validator()->last().message.c_str());
}

void ScenarioEditorTest::switching_the_workload_source_keeps_the_other_source_settings() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(w->open_scenario(test::data_path("small.json")));
  const Json synthetic = w->document()->json()["workload"]["synthetic"];
  auto* source = dynamic_cast<WorkloadSourceField*>(w->editor()->form()->field("/workload"));
  source->trace_button()->click();
  QVERIFY(w->document()->json()["workload"].contains("trace"));
  QVERIFY(!w->document()->json()["workload"].contains("synthetic"));
  source->synthetic_button()->click();
  KVSIM_JSON_COMPARE(w->document()->json()["workload"]["synthetic"], synthetic);
  QVERIFY(!w->document()->json()["workload"].contains("trace"));
}

void ScenarioEditorTest::a_shared_prefix_workload_shows_its_own_page_and_stays_valid() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(w->open_scenario(test::data_path("../../../scenarios/staged-shared-prefix.json")));
  auto* source = dynamic_cast<WorkloadSourceField*>(w->editor()->form()->field("/workload"));
  QVERIFY(source->shared_prefix_button()->isChecked());
  QVERIFY(!source->synthetic_button()->isChecked());
  QVERIFY(test::wait_for_validation(*w));
  QVERIFY2(w->editor()->validator()->last().valid, w->editor()->validator()->last().message.c_str());
  const Json shared = w->document()->json()["workload"]["shared_prefix"];
  source->synthetic_button()->click();
  QVERIFY(!w->document()->json()["workload"].contains("shared_prefix"));
  source->shared_prefix_button()->click();
  KVSIM_JSON_COMPARE(w->document()->json()["workload"]["shared_prefix"], shared);
  QVERIFY(!w->document()->json()["workload"].contains("synthetic"));
}

void ScenarioEditorTest::saving_writes_the_scenario_in_the_users_key_order() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QTemporaryDir dir;
  const QString copy = dir.filePath("copy.json");
  QVERIFY(QFile::copy(test::data_path("small.json"), copy));
  QVERIFY(w->open_scenario(copy));
  QLineEdit* seqs = text_field(*w, "/engine/max_num_seqs");
  seqs->selectAll();
  QTest::keyClicks(seqs, "96");
  QVERIFY(w->save_scenario());
  QVERIFY(!w->document()->dirty());
  QFile f(copy);
  QVERIFY(f.open(QIODevice::ReadOnly));
  const QByteArray text = f.readAll();
  // Keys keep the file's order ("name" first, "workload" after "perf_model"), only the value changed.
  QVERIFY(text.startsWith("{\n  \"name\": \"gui-small\""));
  QVERIFY(text.indexOf("\"perf_model\"") < text.indexOf("\"workload\""));
  Json expected = read_file_json(test::data_path("small.json"));
  expected["engine"]["max_num_seqs"] = 96;
  KVSIM_JSON_COMPARE(Json::parse(text.toStdString()), expected);
  // And the CLI's loader accepts what the GUI wrote.
  kvsim::load_scenario(copy.toStdString(), {}, kvsim::Catalog::open_default());
}

void ScenarioEditorTest::new_scenario_asks_before_discarding_unsaved_edits() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QTemporaryDir dir;
  const QString copy = dir.filePath("edited.json");
  QVERIFY(QFile::copy(test::data_path("small.json"), copy));
  QVERIFY(w->open_scenario(copy));
  QLineEdit* seqs = text_field(*w, "/engine/max_num_seqs");
  seqs->selectAll();
  QTest::keyClicks(seqs, "48");

  prompts->save_choices = {UserPrompts::SaveChoice::kCancel};
  w->new_scenario();
  QCOMPARE(prompts->questions.size(), 1);
  KVSIM_JSON_COMPARE(w->document()->json()["engine"]["max_num_seqs"], Json(48));  // nothing lost
  QVERIFY(w->document()->dirty());

  prompts->save_choices = {UserPrompts::SaveChoice::kSave};
  w->new_scenario();
  KVSIM_JSON_COMPARE(read_file_json(copy)["engine"]["max_num_seqs"], Json(48));  // saved first
  QVERIFY(w->document()->path().isEmpty());
  QVERIFY(!w->document()->dirty());

  seqs->selectAll();
  QTest::keyClicks(seqs, "8");
  prompts->save_choices = {UserPrompts::SaveChoice::kDiscard};
  QVERIFY(!w->open_scenario(QString()));  // the file chooser was cancelled: nothing replaced
  QVERIFY(w->document()->dirty());
  prompts->save_choices = {UserPrompts::SaveChoice::kDiscard};
  prompts->paths = {test::data_path("small.json")};
  QVERIFY(w->open_scenario(QString()));
  QVERIFY(!w->document()->dirty());
  KVSIM_JSON_COMPARE(w->document()->json()["engine"]["max_num_seqs"], Json(64));
  QCOMPARE(prompts->questions.count("save changes to untitled scenario"), 2);
}

void ScenarioEditorTest::closing_with_unsaved_edits_asks_and_can_be_cancelled() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  w->show();
  QLineEdit* name = text_field(*w, "/name");
  name->selectAll();
  QTest::keyClicks(name, "edited");
  prompts->save_choices = {UserPrompts::SaveChoice::kCancel};
  QVERIFY(!w->close());
  QVERIFY(w->isVisible());
  prompts->save_choices = {UserPrompts::SaveChoice::kDiscard};
  QVERIFY(w->close());
}

void ScenarioEditorTest::an_unreadable_or_broken_file_shows_an_error_and_keeps_the_document() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  QVERIFY(w->open_scenario(test::data_path("small.json")));
  QVERIFY(!w->open_scenario(test::data_path("no-such-file.json")));
  QCOMPARE(prompts->errors.size(), 1);
  QVERIFY(prompts->errors[0].contains("no-such-file.json: cannot open file"));
  QVERIFY(!w->open_scenario(test::data_path("syntax_error.json")));
  QCOMPARE(prompts->errors.size(), 2);
  QVERIFY2(prompts->errors[1].contains("syntax_error.json:5:1: invalid JSON"), qPrintable(prompts->errors[1]));
  KVSIM_JSON_COMPARE(w->document()->json()["name"], Json("gui-small"));
  QVERIFY(w->document()->path().endsWith("small.json"));
}

void ScenarioEditorTest::values_of_the_wrong_type_are_shown_and_flagged_not_crashed_on() {
  ScriptedPrompts* prompts = nullptr;
  auto w = test::make_window(&prompts);
  const Json odd = Json::parse(R"({"name": 7, "model": "Llama-3-8B", "gpu": "H100-SXM", "engine": 5,
      "kv_cache": {"tiers": "fast", "eviction_policy": "mru"}, "cluster": {"router": ["a"]},
      "workload": {"synthetic": {"num_requests": 10, "arrivals": {"rate": 1}, "prompt_tokens": "long",
                                 "output_tokens": {"dist": "weird"}}}})");
  w->editor()->json_text()->setPlainText(QString::fromStdString(odd.dump(2)));
  KVSIM_JSON_COMPARE(w->document()->json(), odd);
  QCOMPARE(text_field(*w, "/name")->text(), QString("7"));
  QCOMPARE(choice_field(*w, "/kv_cache/eviction_policy")->currentText(), QString("mru"));
  QCOMPARE(choice_field(*w, "/cluster/router")->currentText(), QString("[\"a\"]"));
  QVERIFY(test::wait_for_validation(*w));
  QVERIFY(!w->editor()->validator()->last().valid);
  QVERIFY(!w->editor()->form()->field("/engine")->issue_text().isEmpty());
  QVERIFY(!w->editor()->form()->field("/kv_cache/tiers")->issue_text().isEmpty());
  QVERIFY(!w->editor()->form()->field("/kv_cache/eviction_policy")->issue_text().isEmpty());
  QVERIFY(!w->editor()->form()->field("/workload/synthetic/output_tokens")->issue_text().isEmpty());
  // Editing a field under a value that is not an object makes it one.
  QLineEdit* seqs = text_field(*w, "/engine/max_num_seqs");
  QTest::keyClicks(seqs, "64");
  KVSIM_JSON_COMPARE(w->document()->json()["engine"], Json::parse(R"({"max_num_seqs": 64})"));
}

QTEST_MAIN(ScenarioEditorTest)
#include "test_scenario_editor.moc"
