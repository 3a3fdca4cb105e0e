#include "plan_view.h"

#include <cmath>
#include <thread>

#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QEventLoop>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScatterSeries>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QThread>
#include <QVBoxLayout>
#include <fstream>

#include "core/error.h"
#include "plan_form_lines.h"
#include "scenario/scenario_choices.h"
#include "plan_chart.h"
#include "results_view.h"
#include "user_prompts.h"

namespace kvsim::gui {

namespace {

const int kTensorParallel[] = {1, 2, 4, 8};
const char* const kIntegerLists[] = {"max_num_seqs", "max_num_batched_tokens"};
const char* const kStats[] = {"p50", "p90", "p99", "mean", "max"};

QString money(double usd) { return std::isfinite(usd) ? QString::number(usd, 'f', 2) : QString("—"); }

// The plan's list at candidates.<key> with the form's check boxes applied: the plan's entries in
// their order (those the form has a box for only while ticked, the others kept as they are), then
// the newly ticked ones; null when the list ends up empty (the base scenario's value then).
nlohmann::json ticked(const std::vector<QCheckBox*>& boxes, const std::vector<nlohmann::json>& values,
                      const nlohmann::json& old) {
  nlohmann::json out = nlohmann::json::array();
  const auto box_of = [&](const nlohmann::json& v) -> long {
    for (size_t i = 0; i < values.size(); ++i)
      if (values[i] == v) return static_cast<long>(i);
    return -1;
  };
  if (old.is_array())
    for (const nlohmann::json& v : old) {
      const long b = box_of(v);
      if (b < 0 || boxes[static_cast<size_t>(b)]->isChecked()) out.push_back(v);
    }
  for (size_t i = 0; i < boxes.size(); ++i)
    if (boxes[i]->isChecked() && std::find(out.begin(), out.end(), values[i]) == out.end()) out.push_back(values[i]);
  return out.empty() ? nlohmann::json() : out;
}

void tick(const std::vector<QCheckBox*>& boxes, const std::vector<nlohmann::json>& values, const nlohmann::json& list) {
  for (size_t i = 0; i < boxes.size(); ++i)
    boxes[i]->setChecked(list.is_array() && std::find(list.begin(), list.end(), values[i]) != list.end());
}

// "64, 128" -> [64, 128]; a part that is not an integer stays a string, for the plan's parser to
// report with its pointer; null when empty.
nlohmann::json integers(const QString& text) {
  nlohmann::json out = nlohmann::json::array();
  for (const QString& part : text.split(',', Qt::SkipEmptyParts)) {
    bool ok = false;
    const qlonglong v = part.trimmed().toLongLong(&ok);
    out.push_back(ok ? nlohmann::json(v) : nlohmann::json(part.trimmed().toStdString()));
  }
  return out.empty() ? nlohmann::json() : out;
}

QString integers_text(const nlohmann::json& list) {
  QStringList parts;
  if (list.is_array())
    for (const nlohmann::json& v : list) parts << (v.is_string() ? QString::fromStdString(v.get<std::string>()) : QString::fromStdString(v.dump()));
  return parts.join(", ");
}

// A price cell: a number, or text passed on for the parser to report; null when empty.
nlohmann::json price(const QTableWidgetItem* item) {
  const QString text = item ? item->text().trimmed() : QString();
  if (text.isEmpty()) return nullptr;
  bool ok = false;
  const double v = text.toDouble(&ok);
  return ok ? nlohmann::json(v) : nlohmann::json(text.toStdString());
}

QString price_text(const nlohmann::json& v) {
  return v.is_number() ? QString::number(v.get<double>()) : v.is_string() ? QString::fromStdString(v.get<std::string>()) : QString();
}

}  // namespace

PlanView::PlanView(const Catalog& catalog, UserPrompts* prompts, QWidget* parent)
    : QWidget(parent),
      catalog_(catalog),
      prompts_(prompts),
      base_(new QLineEdit),
      gpus_(new QTableWidget),
      autoscaling_(new QPlainTextEdit),
      disaggregation_(new QPlainTextEdit),
      min_goodput_(new QLineEdit),
      min_replicas_(new QSpinBox),
      max_replicas_(new QSpinBox),
      seeds_(new QSpinBox),
      growth_(new QLineEdit("1")),
      growth_box_(new QComboBox),
      chart_view_(new QChartView),
      table_(new QTableWidget),
      recommendation_(new QLabel),
      progress_(new QProgressBar),
      status_(new QLabel("Choose the candidates and the SLOs, then Run plan.")),
      open_button_(new QPushButton("Open plan file…")),
      editor_button_(new QPushButton("Use the editor's scenario")),
      run_button_(new QPushButton("Run plan…")),
      cancel_button_(new QPushButton("Cancel")) {
  setObjectName("plan_view");
  build_form();
  plan_ = plan_json();
}

void PlanView::build_form() {
  base_->setPlaceholderText("the scenario in the editor (inline), or a scenario file");
  // The GPU types: ticked ones are candidates; an empty price is the plan's default (the catalog's
  // on-demand price, or the base's own for its GPU; no spot price).
  const std::vector<std::string> gpu_names = catalog_.gpu_names();
  gpus_->setObjectName("plan_gpus");
  gpus_->setColumnCount(3);
  gpus_->setHorizontalHeaderLabels({"GPU (catalog $/GPU-hour)", "on-demand $/GPU-h", "spot $/GPU-h"});
  gpus_->setRowCount(static_cast<int>(gpu_names.size()));
  gpus_->verticalHeader()->hide();
  gpus_->verticalHeader()->setDefaultSectionSize(20);
  gpus_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  gpus_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
  gpus_->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
  gpus_->setToolTip("Tick the GPU types to plan; type a price to override the catalog's, and a spot price to report the "
                    "fleet's spot cost too (required for every GPU when the base buys spot).");
  for (size_t r = 0; r < gpu_names.size(); ++r) {
    const std::string& name = gpu_names[r];
    auto* item = new QTableWidgetItem(
        QString("%1 ($%2)").arg(QString::fromStdString(name)).arg(money(catalog_.gpu(name).usd_per_gpu_hour)));
    item->setData(Qt::UserRole, QString::fromStdString(name));
    item->setFlags((item->flags() | Qt::ItemIsUserCheckable) & ~Qt::ItemIsEditable);
    item->setCheckState(name == "H100-SXM" ? Qt::Checked : Qt::Unchecked);
    gpus_->setItem(static_cast<int>(r), 0, item);
    gpus_->setItem(static_cast<int>(r), 1, new QTableWidgetItem);
    gpus_->setItem(static_cast<int>(r), 2, new QTableWidgetItem);
  }
  gpus_->setMinimumHeight(26 + 20 * std::min<int>(static_cast<int>(gpu_names.size()), 6));
  gpus_->setMaximumHeight(26 + 20 * static_cast<int>(gpu_names.size()));

  // The enumerations, from the library's own lists: a value the form offers is one the parser takes.
  const auto strings = [](const std::vector<std::string>& names) {
    std::vector<nlohmann::json> v;
    for (const std::string& n : names) v.push_back(n);
    return v;
  };
  const std::vector<nlohmann::json> parallel = {1, 2, 4, 8};
  const std::tuple<const char*, std::vector<nlohmann::json>, const char*> lists[] = {
      {"tensor_parallel", parallel, "tensor parallel"},
      {"pipeline_parallel", parallel, "pipeline parallel"},
      {"weight_dtype", strings(scenario_choice("/deployment/weight_dtype").options), "weight dtype"},
      {"kv_dtype", strings(scenario_choice("/deployment/kv_dtype").options), "KV dtype"},
      {"enable_prefix_caching", {true, false}, "prefix caching"},
      {"eviction_policy", strings(scenario_choice("/kv_cache/eviction_policy").options), "eviction policy"},
      {"router", strings(scenario_choice("/cluster/router").options), "router"},
  };
  std::vector<std::pair<const char*, QLayout*>> list_rows;
  for (const auto& [key, values, title] : lists) {
    ChoiceRow row{key, {}, values};
    auto* layout = new QGridLayout;
    layout->setHorizontalSpacing(10);
    const int columns = values.size() > 5 ? 3 : static_cast<int>(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      const nlohmann::json& v = values[i];
      auto* b = new QCheckBox(v.is_boolean() ? (v.get<bool>() ? "on" : "off")
                              : v.is_string() ? QString::fromStdString(v.get<std::string>())
                                              : QString::fromStdString(v.dump()));
      b->setObjectName(QString("plan_%1_%2").arg(key).arg(b->text()));
      row.boxes.push_back(b);
      layout->addWidget(b, static_cast<int>(i) / columns, static_cast<int>(i) % columns);
    }
    layout->setColumnStretch(columns, 1);
    if (row.key == "tensor_parallel") row.boxes[0]->setChecked(true);
    choice_rows_.push_back(row);
    list_rows.emplace_back(title, layout);
  }
  for (const char* key : kIntegerLists) {
    auto* edit = new QLineEdit;
    edit->setObjectName(QString("plan_%1").arg(key));
    edit->setPlaceholderText(QString("the base's (e.g. %1)").arg(std::string_view(key) == "max_num_seqs" ? "64, 128, 256" : "2048, 8192"));
    integer_lists_.emplace_back(key, edit);
  }
  autoscaling_->setObjectName("plan_autoscaling");
  autoscaling_->setPlaceholderText("the base's fleet; one entry a line, e.g.\nfixed\nconcurrency 24 min_replicas=1");
  autoscaling_->setToolTip("One fleet a line: \"fixed\" (a fixed fleet), or an autoscaler: its policy (concurrency, "
                           "queue_length, kv_utilization), target and key=value fields as /cluster/autoscaling takes "
                           "them, without max_replicas (searched), e.g. \"concurrency 24 min_replicas=1 cooldown_s=60\"; "
                           "or a JSON object.");
  disaggregation_->setObjectName("plan_disaggregation");
  disaggregation_->setPlaceholderText("the base's layout; one entry a line, e.g.\ncolocated\n1:3 link=nvlink");
  disaggregation_->setToolTip("One layout a line: \"colocated\" (the base's own), or a prefill:decode ratio P:D and "
                              "key=value fields: first_token=decode|prefill and the kv_transfer fields (link=nvlink, "
                              "infiniband_ndr, ...; gpu_gb_per_s=, overlap=none|layerwise), e.g. "
                              "\"1:3 first_token=prefill link=nvlink\"; or a JSON object.");
  for (QPlainTextEdit* e : {autoscaling_, disaggregation_}) {
    e->setTabChangesFocus(true);
    e->setMaximumHeight(68);
  }
  auto* slo_grid = new QGridLayout;
  const std::pair<const char*, const char*> metrics[] = {{"ttft_s", "TTFT"}, {"tpot_s", "TPOT"}, {"e2e_s", "E2E"}};
  for (const auto& [metric, name] : metrics) {
    SloRow row{metric, new QCheckBox(name), new QComboBox, new QLineEdit};
    for (const char* s : kStats) row.stat->addItem(s);
    row.stat->setCurrentText("p99");
    row.max_s->setPlaceholderText("seconds");
    const int r = static_cast<int>(slo_rows_.size());
    slo_grid->addWidget(row.on, r, 0);
    slo_grid->addWidget(row.stat, r, 1);
    slo_grid->addWidget(new QLabel("≤"), r, 2);
    slo_grid->addWidget(row.max_s, r, 3);
    slo_grid->addWidget(new QLabel("s"), r, 4);
    slo_rows_.push_back(row);
  }
  slo_rows_[0].on->setChecked(true);
  slo_rows_[0].max_s->setText("1");
  min_goodput_->setPlaceholderText("none (e.g. 0.99)");
  min_replicas_->setRange(1, 100000);
  max_replicas_->setRange(1, 100000);
  max_replicas_->setValue(32);
  seeds_->setRange(1, 100);
  seeds_->setValue(3);

  auto* form = new QFormLayout;
  auto* base_row = new QHBoxLayout;
  base_row->addWidget(base_, 1);
  base_row->addWidget(editor_button_);
  form->addRow("base scenario", base_row);
  form->addRow("GPU types", gpus_);
  for (const auto& [title, layout] : list_rows) form->addRow(title, layout);
  form->addRow("max_num_seqs", integer_lists_[0].second);
  form->addRow("max_num_batched_tokens", integer_lists_[1].second);
  form->addRow("fleet", autoscaling_);
  form->addRow("prefill/decode", disaggregation_);
  form->addRow("SLOs", slo_grid);
  form->addRow("min goodput", min_goodput_);
  auto* replicas_row = new QHBoxLayout;
  replicas_row->addWidget(min_replicas_);
  replicas_row->addWidget(new QLabel("to"));
  replicas_row->addWidget(max_replicas_);
  replicas_row->addStretch(1);
  form->addRow("replicas", replicas_row);
  form->addRow("seeds", seeds_);
  form->addRow("growth (× rate)", growth_);
  auto* form_page = new QWidget;
  auto* form_layout = new QVBoxLayout(form_page);
  form_layout->addLayout(form);
  form_layout->addStretch(1);
  auto* scroll = new QScrollArea;
  scroll->setWidget(form_page);
  scroll->setWidgetResizable(true);

  chart_view_->setObjectName("plan_chart");
  chart_view_->setRenderHint(QPainter::Antialiasing);
  chart_view_->setMinimumHeight(120);
  table_->setObjectName("plan_table");
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->verticalHeader()->hide();
  table_->verticalHeader()->setDefaultSectionSize(20);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  recommendation_->setWordWrap(true);
  recommendation_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* results = new QWidget;
  auto* results_layout = new QVBoxLayout(results);
  auto* growth_row = new QHBoxLayout;
  growth_row->addWidget(new QLabel("growth"));
  growth_row->addWidget(growth_box_);
  growth_row->addStretch(1);
  results_layout->addLayout(growth_row);
  results_layout->addWidget(recommendation_);
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(chart_view_);
  split->addWidget(table_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  split->setSizes({3000, 2000});  // scaled to the height it gets: the chart three fifths
  results_layout->addWidget(split, 1);

  progress_->hide();
  cancel_button_->hide();
  status_->setWordWrap(true);
  auto* top = new QHBoxLayout;
  for (QPushButton* b : {open_button_, run_button_, cancel_button_}) {
    b->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
    top->addWidget(b);
  }
  top->addWidget(progress_, 1);
  top->addStretch(0);
  auto* body = new QSplitter(Qt::Horizontal);
  body->addWidget(scroll);
  body->addWidget(results);
  body->setStretchFactor(0, 1);
  body->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(status_);
  layout->addWidget(body, 1);

  connect(open_button_, &QPushButton::clicked, this, [this] { open_plan(); });
  connect(run_button_, &QPushButton::clicked, this, [this] { run_plan(); });
  connect(cancel_button_, &QPushButton::clicked, this, &PlanView::cancel);
  connect(editor_button_, &QPushButton::clicked, this, [this] {
    if (!editor_scenario) return;
    const auto [scenario, dir] = editor_scenario();
    use_scenario(scenario, dir);
  });
  connect(growth_box_, &QComboBox::currentIndexChanged, this, [this](int i) {
    if (i >= 0) show_growth(i);
  });
  connect(table_, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
    if (row >= 0 && static_cast<size_t>(row) < rows_.size()) open_candidate(rows_[static_cast<size_t>(row)]);
  });
}

std::string PlanView::gpu_name(const nlohmann::json& entry) const {
  const nlohmann::json name = entry.is_object() ? entry.value("name", nlohmann::json()) : entry;
  if (!name.is_string()) return {};
  try {
    return catalog_.gpu(name.get<std::string>()).name;  // an alias ("H100") is its catalog name
  } catch (const std::exception&) {
    return name.get<std::string>();
  }
}

QCheckBox* PlanView::choice_box(const std::string& key, const nlohmann::json& value) const {
  for (const ChoiceRow& row : choice_rows_)
    if (row.key == key)
      for (size_t i = 0; i < row.values.size(); ++i)
        if (row.values[i] == value) return row.boxes[i];
  return nullptr;
}

QLineEdit* PlanView::integer_list(const std::string& key) const {
  for (const auto& [k, edit] : integer_lists_)
    if (k == key) return edit;
  return nullptr;
}

PlanView::~PlanView() {
  if (cancel_) cancel_->store(true);
  // The worker may be waiting for this thread to draw the report's charts: keep serving it.
  while (thread_ && !thread_->isFinished()) {
    QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    QThread::msleep(2);
  }
  if (thread_) thread_->wait();
}

void PlanView::set_plan(const nlohmann::json& plan, const QString& dir) {
  plan_ = plan.is_object() ? plan : nlohmann::json::object();
  dir_ = dir;
  const nlohmann::json& base = plan_.value("base", nlohmann::json());
  base_->setText(base.is_string() ? QString::fromStdString(base.get<std::string>()) : QString());
  const nlohmann::json c = plan_.value("candidates", nlohmann::json::object());
  const nlohmann::json gpus = c.value("gpus", nlohmann::json::array());
  for (int i = 0; i < gpus_->rowCount(); ++i) {
    const std::string name = gpus_->item(i, 0)->data(Qt::UserRole).toString().toStdString();
    bool on = false;
    nlohmann::json entry;
    for (const auto& g : gpus)
      if (gpu_name(g) == name) {
        on = true;
        entry = g;
      }
    gpus_->item(i, 0)->setCheckState(on ? Qt::Checked : Qt::Unchecked);
    gpus_->item(i, 1)->setText(entry.is_object() ? price_text(entry.value("usd_per_gpu_hour", nlohmann::json())) : QString());
    gpus_->item(i, 2)->setText(entry.is_object() ? price_text(entry.value("spot_usd_per_gpu_hour", nlohmann::json())) : QString());
  }
  for (const ChoiceRow& row : choice_rows_) tick(row.boxes, row.values, c.value(row.key, nlohmann::json()));
  for (const auto& [key, edit] : integer_lists_) edit->setText(integers_text(c.value(key, nlohmann::json())));
  autoscaling_->setPlainText(autoscaling_lines(c.value("autoscaling", nlohmann::json())));
  disaggregation_->setPlainText(disaggregation_lines(c.value("disaggregation", nlohmann::json())));
  const nlohmann::json slo = plan_.value("slo", nlohmann::json::object());
  for (SloRow& row : slo_rows_) {
    const nlohmann::json s = slo.value(row.metric, nlohmann::json());
    row.on->setChecked(s.is_object() && !s.empty());
    if (s.is_object() && !s.empty()) {
      row.stat->setCurrentText(QString::fromStdString(s.begin().key()));
      row.max_s->setText(s.begin()->is_number() ? QString::number(s.begin()->get<double>()) : QString());
    }
  }
  min_goodput_->setText(slo.contains("min_goodput_fraction") && slo["min_goodput_fraction"].is_number()
                            ? QString::number(slo["min_goodput_fraction"].get<double>())
                            : QString());
  const nlohmann::json replicas = plan_.value("replicas", nlohmann::json::object());
  min_replicas_->setValue(replicas.value("min", 1));
  max_replicas_->setValue(replicas.value("max", 64));
  const nlohmann::json seeds = plan_.value("seeds", nlohmann::json::object());
  seeds_->setValue(seeds.is_array()                                    ? static_cast<int>(seeds.size())
                   : seeds.is_object() && seeds.contains("values")     ? static_cast<int>(seeds["values"].size())
                   : seeds.is_object() && seeds["count"].is_number()   ? seeds["count"].get<int>()
                                                                       : 3);
  QStringList growth;
  for (const auto& g : plan_.value("growth", nlohmann::json::array({1})))
    if (g.is_number()) growth << QString::number(g.get<double>());
  growth_->setText(growth.isEmpty() ? "1" : growth.join(", "));
}

bool PlanView::open_plan(const QString& path_in) {
  const QString path = path_in.isEmpty() ? prompts_->open_file(this, "Open plan file", QString(), "Plan files (*.json)") : path_in;
  if (path.isEmpty()) return false;
  std::ifstream in(path.toStdString());
  nlohmann::json j;
  try {
    if (!in) throw InputError(path.toStdString() + ": cannot be read");
    j = nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    prompts_->show_error(this, "Cannot open the plan", QString::fromStdString(e.what()));
    return false;
  }
  set_plan(j, QFileInfo(path).absolutePath());
  status_->setText("Opened " + path);
  return true;
}

void PlanView::use_scenario(const nlohmann::json& scenario, const QString& dir) {
  plan_["base"] = scenario;
  dir_ = dir;
  base_->clear();
  status_->setText("The base is the scenario in the editor (" +
                   QString::fromStdString(scenario.value("name", std::string("unnamed"))) + ").");
}

nlohmann::json PlanView::plan_json() const {
  nlohmann::json j = plan_;
  if (!base_->text().trimmed().isEmpty()) j["base"] = base_->text().trimmed().toStdString();
  if (!j.contains("name")) j["name"] = "gui-plan";
  nlohmann::json c = j.value("candidates", nlohmann::json::object());
  const nlohmann::json old_gpus = c.value("gpus", nlohmann::json::array());
  nlohmann::json gpus = nlohmann::json::array();
  // The plan's GPUs in its order (while ticked), then the newly ticked ones in the table's.
  std::vector<int> rows;
  const auto row_of = [this](const std::string& name) {
    for (int i = 0; i < gpus_->rowCount(); ++i)
      if (gpus_->item(i, 0)->data(Qt::UserRole).toString().toStdString() == name) return i;
    return -1;
  };
  // An entry of no row (a GPU the catalog does not know) stays, for the plan's check to name.
  std::vector<std::pair<int, nlohmann::json>> order;  // (row or -1, the entry)
  for (const auto& g : old_gpus) {
    const int i = row_of(gpu_name(g));
    if (i < 0) order.emplace_back(-1, g);
    else if (std::none_of(order.begin(), order.end(), [i](const auto& o) { return o.first == i; })) order.emplace_back(i, nullptr);
  }
  for (int i = 0; i < gpus_->rowCount(); ++i)
    if (std::none_of(order.begin(), order.end(), [i](const auto& o) { return o.first == i; })) order.emplace_back(i, nullptr);
  for (const auto& [i, unknown] : order) {
    if (i < 0) {
      gpus.push_back(unknown);
      continue;
    }
    if (gpus_->item(i, 0)->checkState() != Qt::Checked) continue;
    const std::string name = gpus_->item(i, 0)->data(Qt::UserRole).toString().toStdString();
    nlohmann::json entry = nlohmann::json::object();
    for (const auto& g : old_gpus)
      if (g.is_object() && gpu_name(g) == name) entry = g;
    entry["name"] = name;
    const nlohmann::json on_demand = price(gpus_->item(i, 1)), spot = price(gpus_->item(i, 2));
    if (on_demand.is_null()) entry.erase("usd_per_gpu_hour");
    else entry["usd_per_gpu_hour"] = on_demand;
    if (spot.is_null()) entry.erase("spot_usd_per_gpu_hour");
    else entry["spot_usd_per_gpu_hour"] = spot;
    gpus.push_back(entry.size() == 1 ? nlohmann::json(name) : entry);  // no price: the plan's default
  }
  const auto set_list = [&c](const std::string& key, const nlohmann::json& values) {
    if (values.is_null() || values.empty()) c.erase(key);
    else c[key] = values;
  };
  set_list("gpus", gpus);  // none ticked: the base's GPU
  for (const ChoiceRow& row : choice_rows_) set_list(row.key, ticked(row.boxes, row.values, c.value(row.key, nlohmann::json())));
  for (const auto& [key, edit] : integer_lists_) set_list(key, integers(edit->text()));
  set_list("autoscaling", autoscaling_entries(autoscaling_->toPlainText()));
  set_list("disaggregation", disaggregation_entries(disaggregation_->toPlainText()));
  j["candidates"] = c;
  nlohmann::json slo = j.value("slo", nlohmann::json::object());
  for (const SloRow& row : slo_rows_) {
    bool ok = false;
    const double max_s = row.max_s->text().toDouble(&ok);
    if (row.on->isChecked())
      slo[row.metric] = {{row.stat->currentText().toStdString(), ok ? nlohmann::json(max_s) : nlohmann::json(row.max_s->text().toStdString())}};
    else
      slo.erase(row.metric);
  }
  bool ok = false;
  const double goodput = min_goodput_->text().toDouble(&ok);
  if (min_goodput_->text().trimmed().isEmpty()) slo.erase("min_goodput_fraction");
  else slo["min_goodput_fraction"] = ok ? nlohmann::json(goodput) : nlohmann::json(min_goodput_->text().toStdString());
  j["slo"] = slo;
  j["replicas"] = {{"min", min_replicas_->value()}, {"max", max_replicas_->value()}};
  if (!j.contains("seeds") || !j["seeds"].is_object() || !j["seeds"].contains("values") ||
      static_cast<int>(j["seeds"]["values"].size()) != seeds_->value())
    j["seeds"] = {{"count", seeds_->value()}};
  nlohmann::json growth = nlohmann::json::array();
  for (const QString& part : growth_->text().split(',', Qt::SkipEmptyParts)) {
    bool is_number = false;
    const double k = part.trimmed().toDouble(&is_number);
    growth.push_back(is_number ? nlohmann::json(k) : nlohmann::json(part.trimmed().toStdString()));
  }
  j["growth"] = growth.empty() ? nlohmann::json::array({1}) : growth;
  return j;
}

bool PlanView::run_plan(const QString& dir_in, unsigned jobs) {
  if (busy()) return false;
  const QString out = dir_in.isEmpty() ? prompts_->choose_folder(this, "Write the plan's results into", QString()) : dir_in;
  if (out.isEmpty()) return false;
  nlohmann::json j = plan_json();
  if (!j.contains("base") && editor_scenario) {  // no base chosen: the scenario in the editor
    const auto [scenario, dir] = editor_scenario();
    use_scenario(scenario, dir);
    j["base"] = scenario;
  }
  const std::string dir = (dir_.isEmpty() ? QDir::currentPath() : dir_).toStdString();
  cancel_ = std::make_shared<std::atomic<bool>>(false);
  progress_->setRange(0, 0);
  progress_->show();
  cancel_button_->show();
  cancel_button_->setEnabled(true);
  run_button_->setEnabled(false);
  open_button_->setEnabled(false);
  status_->setText("Planning …");
  thread_ = QThread::create([this, j, dir, out, jobs, cancel = cancel_] {
    std::shared_ptr<PlanResult> result;
    QString message, error;
    try {
      const PlanSpec spec = parse_plan(j, dir, catalog_, "plan");
      PlanOptions options;
      options.out_dir = out.toStdString();
      options.jobs = jobs;
      options.cancel = cancel.get();
      options.render_charts = render_plan_charts;
      options.on_progress = [this](const PlanProgress& p) {
        QMetaObject::invokeMethod(
            this,
            [this, p] {
              progress_->setRange(0, static_cast<int>(p.searches_total));
              progress_->setValue(static_cast<int>(p.searches_done));
              status_->setText(QString("%1/%2 candidate searches · %3 runs · %4 s")
                                   .arg(p.searches_done)
                                   .arg(p.searches_total)
                                   .arg(p.runs)
                                   .arg(p.wall_s, 0, 'f', 1));
            },
            Qt::QueuedConnection);
      };
      result = std::make_shared<PlanResult>(kvsim::run_plan(spec, options));
      message = QString("%1 candidates; %2 runs now, %3 reused; written to %4")
                    .arg(result->growth.empty() ? 0 : result->growth[0].candidates.size())
                    .arg(result->runs)
                    .arg(result->runs_reused)
                    .arg(out);
    } catch (const Cancelled&) {
      message = "Cancelled: no plan files were written; running the plan into the folder again reuses its runs.";
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
      message = "The plan did not run.";
    }
    QMetaObject::invokeMethod(
        this,
        [this, result, message, error] {
          progress_->hide();
          cancel_button_->hide();
          status_->setText(message);
          if (!error.isEmpty()) prompts_->show_error(this, "The plan did not run", error);
          if (result) show_result(result);
          emit plan_ended(result != nullptr);
        },
        Qt::QueuedConnection);
  });
  thread_->setParent(this);  // deleted with the view (after its destructor waits) if not before
  connect(thread_, &QThread::finished, this, [this] {
    thread_->deleteLater();
    thread_ = nullptr;
    run_button_->setEnabled(true);
    open_button_->setEnabled(true);
  });
  thread_->start();
  return true;
}

void PlanView::cancel() {
  if (!cancel_) return;
  cancel_->store(true);
  cancel_button_->setEnabled(false);
  status_->setText("Cancelling …");
}

void PlanView::show_result(std::shared_ptr<const PlanResult> result) {
  result_ = std::move(result);
  growth_box_->blockSignals(true);
  growth_box_->clear();
  for (const PlanGrowthResult& g : result_->growth) growth_box_->addItem(QString("× %1").arg(g.factor));
  growth_box_->blockSignals(false);
  show_growth(0);
}

void PlanView::show_growth(int index) {
  if (!result_ || index < 0 || static_cast<size_t>(index) >= result_->growth.size()) return;
  growth_index_ = index;
  const PlanGrowthResult& g = result_->growth[static_cast<size_t>(index)];
  QChart* old = chart_view_->chart();
  QChart* chart = make_plan_chart(*result_, static_cast<size_t>(index));
  chart_view_->setChart(chart);
  delete old;
  for (QAbstractSeries* s : chart->series())
    if (auto* scatter = qobject_cast<QScatterSeries*>(s))
      connect(scatter, &QScatterSeries::clicked, this, [this](const QPointF& p) {
        const long c = candidate_at(p.x(), p.y());
        if (c >= 0) open_candidate(static_cast<size_t>(c));
      });
  recommendation_->setText(QString::fromStdString(g.recommendation.empty() ? "No candidate meets every SLO." : g.recommendation));

  // Feasible candidates by cost, then those that miss an SLO (by cost), then invalid ones.
  rows_.clear();
  for (size_t i = 0; i < g.candidates.size(); ++i) rows_.push_back(i);
  const auto rank = [](PlanStatus s) { return s == PlanStatus::feasible ? 0 : s == PlanStatus::infeasible ? 1 : 2; };
  std::stable_sort(rows_.begin(), rows_.end(), [&](size_t a, size_t b) {
    const PlanCandidateResult &x = g.candidates[a], &y = g.candidates[b];
    if (rank(x.status) != rank(y.status)) return rank(x.status) < rank(y.status);
    return x.usd_per_hour < y.usd_per_hour;
  });
  const std::string& metric = result_->spec.frontier_metric;
  const QStringList headers{"candidate", "SLOs", "replicas", "GPUs", "$ per hour", "$ per M tokens in SLO",
                            QString::fromStdString(metric), "binds", "frontier"};
  table_->clear();
  table_->setColumnCount(headers.size());
  table_->setHorizontalHeaderLabels(headers);
  table_->setRowCount(static_cast<int>(rows_.size()));
  for (size_t r = 0; r < rows_.size(); ++r) {
    const size_t i = rows_[r];
    const PlanCandidateResult& c = g.candidates[i];
    const bool feasible = c.status == PlanStatus::feasible, invalid = c.status == PlanStatus::invalid;
    const bool on_frontier = std::find(g.frontier.begin(), g.frontier.end(), i) != g.frontier.end();
    const nlohmann::json& v = c.slo_values.is_object() && c.slo_values.contains(metric) ? c.slo_values[metric] : nlohmann::json();
    const QStringList cells{
        QString::fromStdString(c.candidate.label) + (static_cast<long>(i) == g.recommended ? "  ★ recommended" : ""),
        feasible ? "✓ meets" : invalid ? "invalid" : "✗ misses",
        invalid ? "—" : (c.candidate.autoscaled() ? "≤ " : "") + QString::number(c.replicas) + (feasible ? "" : " (top of range)"),
        invalid ? "—" : QString::number(c.replicas * c.candidate.gpus_per_replica),
        invalid ? "—" : money(c.usd_per_hour),
        feasible && std::isfinite(c.usd_per_million_tokens_slo) ? QString::number(c.usd_per_million_tokens_slo, 'f', 4) : "—",
        v.is_number() ? QString::number(v.get<double>(), 'f', 4) : "—",
        QString::fromStdString(c.binds),
        on_frontier ? "yes" : ""};
    for (int col = 0; col < cells.size(); ++col) {
      auto* item = new QTableWidgetItem(cells[col]);
      if (col >= 2) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      if (col == 1) item->setBackground(feasible ? kSloPassed : invalid ? QColor(0xe0, 0xe0, 0xe0) : kSloFailed);
      QString tip = QString::fromStdString(c.error.empty() ? c.binds_detail : c.error);
      if (!tip.isEmpty()) item->setToolTip(tip);
      table_->setItem(static_cast<int>(r), col, item);
    }
  }
}

long PlanView::candidate_at(double usd_per_hour, double value) const {
  if (!result_) return -1;
  const PlanGrowthResult& g = result_->growth[static_cast<size_t>(growth_index_)];
  long best = -1;
  double best_d = INFINITY;
  double x_scale = 1, y_scale = 1;
  for (const PlanPoint& p : plan_points(g, result_->spec.frontier_metric)) {
    x_scale = std::max(x_scale, p.usd_per_hour);
    y_scale = std::max(y_scale, p.value);
  }
  for (const PlanPoint& p : plan_points(g, result_->spec.frontier_metric)) {
    const double d = std::hypot((p.usd_per_hour - usd_per_hour) / x_scale, (p.value - value) / y_scale);
    if (d < best_d) {
      best_d = d;
      best = static_cast<long>(p.candidate);
    }
  }
  return best;
}

void PlanView::open_candidate(size_t index) {
  if (!result_) return;
  const PlanGrowthResult& g = result_->growth[static_cast<size_t>(growth_index_)];
  if (index >= g.candidates.size()) return;
  const PlanCandidateResult& c = g.candidates[index];
  const uint32_t replicas = c.replicas > 0 ? c.replicas : std::max(result_->spec.min_replicas, c.candidate.min_replicas);
  nlohmann::json scenario = plan_candidate_scenario(result_->spec, c.candidate, replicas, g.factor, 0);
  // The editor has no file for it: a relative trace path becomes absolute, so that it still
  // resolves.
  if (scenario.contains("workload") && scenario["workload"].contains("trace") &&
      scenario["workload"]["trace"].value("path", nlohmann::json()).is_string()) {
    const QString path = QString::fromStdString(scenario["workload"]["trace"]["path"].get<std::string>());
    if (QDir::isRelativePath(path))
      scenario["workload"]["trace"]["path"] =
          QDir(QString::fromStdString(result_->spec.base_dir)).absoluteFilePath(path).toStdString();
  }
  const QString name = QString("%1 × %2").arg(QString::fromStdString(c.candidate.label)).arg(replicas);
  scenario["name"] = name.toStdString();
  emit candidate_opened(scenario, name);
}

}  // namespace kvsim::gui
