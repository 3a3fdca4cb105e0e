#include "scenario_form.h"

#include <algorithm>
#include <map>

#include <QApplication>
#include <QCursor>
#include <QFileInfo>
#include <QDir>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "cluster/autoscaler.h"
#include "cluster/disaggregation.h"
#include "form_input_filter.h"
#include "kv/tiers/tier_spec.h"
#include "user_prompts.h"
#include "workload/trace_formats.h"

namespace kvsim::gui {

namespace {

// How long after messages change the field in use is kept where it was on screen.
constexpr qint64 kPinMs = 500;

QStringList to_qt(const std::vector<std::string>& names) {
  QStringList list;
  for (const auto& n : names) list << QString::fromStdString(n);
  return list;
}

std::vector<std::string> names_or_empty(std::vector<std::string> (Catalog::*list)() const, const Catalog& c) {
  try {
    return (c.*list)();
  } catch (const std::exception&) {
    return {};  // an unreadable catalog folder: the validator names the problem on /model or /gpu
  }
}

// A titled group whose first line shows the section's own messages.
QFormLayout* group(QVBoxLayout* parent, const QString& title, FieldBinding* section) {
  auto* box = new QGroupBox(title);
  auto* layout = new QVBoxLayout(box);
  if (section != nullptr) layout->addWidget(section->widget());
  auto* form = new QFormLayout;
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  form->setLabelAlignment(Qt::AlignRight);
  layout->addLayout(form);
  parent->addWidget(box);
  return form;
}

// The prefill and decode pools' replicas added up; 0 without two pools that give theirs.
uint32_t pools_total(const Json* d) {
  if (d == nullptr || !d->is_object()) return 0;
  uint32_t total = 0;
  for (const char* pool : {"prefill", "decode"}) {
    const Json* r = json_find(*d, std::string("/") + pool + "/replicas");
    if (r == nullptr || !r->is_number_integer() || r->get<int64_t>() < 1) return 0;
    total += static_cast<uint32_t>(r->get<int64_t>());
  }
  return total;
}

}  // namespace

template <typename T, typename... Args>
T* ScenarioForm::add(Args&&... args) {
  auto binding = std::make_unique<T>(std::forward<Args>(args)...);
  T* raw = binding.get();
  raw->widget()->setObjectName(QString::fromStdString(raw->pointer()));
  bindings_.push_back(std::move(binding));
  return raw;
}

ScenarioForm::ScenarioForm(ScenarioDocument* document, const Catalog& catalog, UserPrompts* prompts, QWidget* parent)
    : QWidget(parent), document_(document), catalog_(catalog), prompts_(prompts) {
  writer_ = [this](const std::string& pointer, const std::optional<Json>& value) {
    document_->set_value(pointer, value);
  };
  auto* content = new QWidget;
  auto* column = new QVBoxLayout(content);
  column->addWidget(build_general());
  column->addWidget(build_hardware());
  column->addWidget(build_fleet());
  column->addWidget(build_engine());
  column->addWidget(build_kv_cache());
  column->addWidget(build_perf_model());
  column->addWidget(build_workload());
  column->addWidget(build_slo_and_cost());
  column->addStretch();

  scroll_ = new QScrollArea;
  scroll_->setWidget(content);
  scroll_->setWidgetResizable(true);
  scroll_->setFrameShape(QFrame::NoFrame);
  // A narrow window scrolls sideways rather than clipping the fields.
  scroll_->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
  (new FormInputFilter(scroll_, this))->install(content);
  content->installEventFilter(this);
  connect(scroll_->verticalScrollBar(), &QScrollBar::rangeChanged, this, [this] { keep_pinned(); });
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(scroll_);
  refresh();
}

QWidget* ScenarioForm::build_general() {
  auto* w = new QWidget;
  auto* col = new QVBoxLayout(w);
  col->setContentsMargins(0, 0, 0, 0);
  QFormLayout* f = group(col, "Scenario", nullptr);
  f->addRow("name", add<TextField>("/name", writer_, TextKind::kString, "unnamed")->widget());
  f->addRow("description", add<TextField>("/description", writer_, TextKind::kString, "")->widget());
  f->addRow("seed", add<TextField>("/seed", writer_, TextKind::kNumber, "1")->widget());
  return w;
}

QWidget* ScenarioForm::build_hardware() {
  auto* w = new QWidget;
  auto* col = new QVBoxLayout(w);
  col->setContentsMargins(0, 0, 0, 0);
  QFormLayout* f = group(col, "Model and GPUs", add<SectionField>("/deployment", writer_));
  const auto models = ChoiceField::strings(names_or_empty(&Catalog::llm_names, catalog_));
  const auto gpus = ChoiceField::strings(names_or_empty(&Catalog::gpu_names, catalog_));
  f->addRow("model", add<ChoiceField>("/model", writer_, models, "", true)->widget());
  f->addRow("GPU", add<ChoiceField>("/gpu", writer_, gpus, "", true)->widget());
  f->addRow("tensor parallel (TP)", add<TextField>("/deployment/tensor_parallel", writer_)->widget());
  f->addRow("pipeline parallel", add<TextField>("/deployment/pipeline_parallel", writer_)->widget());
  f->addRow("weight dtype", add<ChoiceField>("/deployment/weight_dtype", writer_)->widget());
  f->addRow("KV dtype", add<ChoiceField>("/deployment/kv_dtype", writer_)->widget());
  f->addRow("2:4 sparsity", add<ChoiceField>("/deployment/sparsity_2_4", writer_, ChoiceField::booleans(),
                                             "(default: false)")->widget());
  f->addRow("expert parallel (MoE)", add<ChoiceField>("/deployment/expert_parallel", writer_, ChoiceField::booleans(),
                                                      "(default: false)")->widget());
  return w;
}

QWidget* ScenarioForm::build_fleet() {
  auto* w = new QWidget;
  auto* col = new QVBoxLayout(w);
  col->setContentsMargins(0, 0, 0, 0);
  const auto number = [&](const std::string& pointer, const char* placeholder) {
    return add<TextField>(pointer, writer_, TextKind::kNumber, placeholder)->widget();
  };
  // The fleet (docs/fleet.md): how many replicas, how requests reach them, and the elastic fleet.
  QFormLayout* c = group(col, "Fleet", add<SectionField>("/cluster", writer_));
  c->addRow("replicas", add<TextField>("/cluster/replicas", writer_)->widget());
  c->addRow("router", add<ChoiceField>("/cluster/router", writer_)->widget());

  // Switching autoscaling on starts from a concurrency target of 32 between one replica and the
  // fleet's current size (at least 2), so the scenario stays valid.
  const std::string as = "/cluster/autoscaling";
  QFormLayout* a = group(col, "Autoscaling", nullptr);
  a->addRow(add<PresenceField>(as, writer_, "scale the fleet with the load", [this] {
              const Json* r = json_find(document_->json(), "/cluster/replicas");
              const int64_t replicas = r != nullptr && r->is_number_integer() ? r->get<int64_t>() : 1;
              return Json{{"policy", scale_policy_names()[0]}, {"target", 32}, {"min_replicas", 1},
                          {"max_replicas", std::max<int64_t>(2, replicas)}};
            })->widget());
  a->addRow("policy", add<ChoiceField>(as + "/policy", writer_, ChoiceField::strings(scale_policy_names()),
                                       "(default: " + QString::fromStdString(scale_policy_names()[0]) + ")")->widget());
  a->addRow("target", number(as + "/target", "required: requests (concurrency, queue) or a KV fraction"));
  a->addRow("min replicas", number(as + "/min_replicas", "1"));
  a->addRow("max replicas", number(as + "/max_replicas", "required"));
  a->addRow("evaluation interval (s)", number(as + "/evaluation_interval_s", "15"));
  a->addRow("cool-down (s)", number(as + "/cooldown_s", "60"));
  a->addRow("tolerance", number(as + "/tolerance", "0.1"));
  a->addRow("schedule", add<TextField>(as + "/schedule", writer_, TextKind::kJson,
                                       "policy schedule: [{\"at_s\": 0, \"replicas\": 2}, ...]")->widget());
  a->addRow("provisioning (s)", number("/cluster/cold_start/provisioning_s", "0"));
  a->addRow("weight load (Gbit/s)", number("/cluster/cold_start/weight_load_gbps", "0 (instant)"));
  a->addRow("", add<SectionField>("/cluster/cold_start", writer_)->widget());
  a->addRow("max wait for a replica (s)", number("/cluster/max_queue_wait_s", "inf"));

  // Spot capacity has no price to start from: switched on, the form asks for one.
  const std::string sp = "/cluster/spot";
  QFormLayout* s = group(col, "Spot capacity", nullptr);
  s->addRow(add<PresenceField>(sp, writer_, "buy spot replicas", [] { return Json::object(); })->widget());
  s->addRow("spot $ per GPU-hour", number(sp + "/usd_per_gpu_hour", "required"));
  s->addRow("spot fraction", number(sp + "/fraction", "1"));
  s->addRow("interruptions per hour", number(sp + "/interruptions_per_hour", "0"));
  s->addRow("notice (s)", number(sp + "/notice_s", "30"));
  s->addRow("availability", number(sp + "/availability", "1"));
  s->addRow("fallback", add<ChoiceField>(sp + "/fallback", writer_, ChoiceField::strings(spot_fallback_names()),
                                         "(default: " + QString::fromStdString(spot_fallback_names()[0]) + ")")->widget());

  // Prefill/decode disaggregation (docs/fleet.md): the pools give the fleet's size. Switched on, the
  // fleet's replicas are split between the pools (half each, at least one on each side), so the
  // scenario stays the same size and valid; switched off, the pools' total becomes the fleet's
  // replicas again. Either way one edit (one undo step).
  const std::string dg = "/cluster/disaggregation";
  const Writer pools_writer = [this, dg](const std::string& pointer, const std::optional<Json>& value) {
    Json edited = document_->json();
    const Json* r = json_find(edited, "/cluster/replicas");
    const Json* d = json_find(edited, dg);
    const uint32_t total = pools_total(d);
    json_assign(edited, pointer, value);
    if (value && r != nullptr && r->is_number_integer() && r->get<int64_t>() != pools_total(json_find(edited, dg)))
      json_assign(edited, "/cluster/replicas", std::nullopt);  // the pools' total applies
    else if (!value && r == nullptr && total > 0)
      json_assign(edited, "/cluster/replicas", Json(total));
    document_->replace(edited, ScenarioDocument::Origin::kForm);
  };
  QFormLayout* d = group(col, "Disaggregation", nullptr);
  d->addRow(add<PresenceField>(dg, pools_writer, "split prefill and decode into two pools", [this] {
              const Json* r = json_find(document_->json(), "/cluster/replicas");
              const int64_t replicas = r != nullptr && r->is_number_integer() ? std::max<int64_t>(2, r->get<int64_t>()) : 2;
              return Json{{"prefill", {{"replicas", replicas / 2}}}, {"decode", {{"replicas", replicas - replicas / 2}}}};
            })->widget());
  d->addRow("prefill replicas", number(dg + "/prefill/replicas", "required, or a ratio"));
  d->addRow("", add<SectionField>(dg + "/prefill", writer_)->widget());
  d->addRow("decode replicas", number(dg + "/decode/replicas", "required, or a ratio"));
  d->addRow("", add<SectionField>(dg + "/decode", writer_)->widget());
  d->addRow("ratio P:D", add<TextField>(dg + "/ratio", writer_, TextKind::kString,
                                        "instead of the pools' replicas: splits the fleet's replicas")->widget());
  d->addRow("first token", add<ChoiceField>(dg + "/first_token", writer_, ChoiceField::strings({"decode", "prefill"}),
                                            "(default: decode, as vLLM)")->widget());
  const std::vector<std::string> links = kv_link_names();
  d->addRow("KV link", add<ChoiceField>(dg + "/kv_transfer/link", writer_, ChoiceField::strings(links),
                                        "(default: infiniband_ndr)")->widget());
  d->addRow("link GB/s per GPU", number(dg + "/kv_transfer/gpu_gb_per_s", "the link's (NVLink: the GPU's)"));
  d->addRow("overlap", add<ChoiceField>(dg + "/kv_transfer/overlap", writer_, ChoiceField::strings({"none", "layerwise"}),
                                        "(default: none)")->widget());
  d->addRow("", add<SectionField>(dg + "/kv_transfer", writer_)->widget());

  // An exact cache with its defaults answers repeated requests; a semantic hit probability adds more.
  const std::string rc = "/response_cache";
  QFormLayout* r = group(col, "Response cache", nullptr);
  r->addRow(add<PresenceField>(rc, writer_, "answer repeated requests from a cache", [] { return Json::object(); })->widget());
  r->addRow("capacity (entries)", number(rc + "/capacity", "10000 (0: no exact cache)"));
  r->addRow("TTL (s)", number(rc + "/ttl_s", "inf"));
  r->addRow("latency (s)", number(rc + "/latency_s", "0.001"));
  r->addRow("semantic hit probability", number(rc + "/semantic_hit_probability", "0"));
  r->addRow("semantic latency (s)", number(rc + "/semantic_latency_s", "0.02"));
  return w;
}

QWidget* ScenarioForm::build_engine() {
  auto* w = new QWidget;
  auto* col = new QVBoxLayout(w);
  col->setContentsMargins(0, 0, 0, 0);
  QFormLayout* f = group(col, "Scheduler and memory (engine)", add<SectionField>("/engine", writer_));
  const auto number = [&](const char* key, const char* placeholder) {
    return add<TextField>(std::string("/engine/") + key, writer_, TextKind::kNumber, placeholder)->widget();
  };
  f->addRow("batching", add<ChoiceField>("/engine/batching", writer_)->widget());
  f->addRow("max_num_seqs", add<TextField>("/engine/max_num_seqs", writer_)->widget());
  f->addRow("max_num_batched_tokens", add<TextField>("/engine/max_num_batched_tokens", writer_)->widget());
  f->addRow("chunked prefill", add<ChoiceField>("/engine/enable_chunked_prefill", writer_, ChoiceField::booleans(),
                                                "(default: on with continuous batching)")->widget());
  f->addRow("long prefill threshold", number("long_prefill_token_threshold", "0 (no limit)"));
  f->addRow("scheduling policy", add<ChoiceField>("/engine/scheduling_policy", writer_)->widget());
  f->addRow("preemption", add<ChoiceField>("/engine/preemption_mode", writer_)->widget());
  f->addRow("sampling defaults", add<ChoiceField>("/engine/generation_config", writer_)->widget());
  f->addRow("block size (tokens)", add<TextField>("/engine/block_size", writer_)->widget());
  f->addRow("max_model_len", number("max_model_len", "the model's max_position_embeddings"));
  f->addRow("KV layout", add<ChoiceField>("/engine/kv_layout", writer_)->widget());
  f->addRow("GPU memory utilization", add<TextField>("/engine/gpu_memory_utilization", writer_)->widget());
  f->addRow("KV blocks override", number("num_gpu_blocks_override", "0 (from the memory plan)"));
  f->addRow("activation reserve (GiB)", number("activation_reserve_gib", "modelled from the shapes"));
  return w;
}

QWidget* ScenarioForm::build_kv_cache() {
  auto* w = new QWidget;
  auto* col = new QVBoxLayout(w);
  col->setContentsMargins(0, 0, 0, 0);
  QFormLayout* f = group(col, "KV cache", add<SectionField>("/kv_cache", writer_));
  f->addRow("prefix caching", add<ChoiceField>("/kv_cache/enable_prefix_caching", writer_, ChoiceField::booleans(),
                                               "(default: on with paged layout)")->widget());
  f->addRow("eviction policy", add<ChoiceField>("/kv_cache/eviction_policy", writer_)->widget());
  f->addRow("eviction params", add<TextField>("/kv_cache/eviction_params", writer_, TextKind::kJson,
                                              "policy options as JSON, e.g. {\"small_fraction\": 0.1}")->widget());
  f->addRow("prefix index", add<ChoiceField>("/kv_cache/prefix_index", writer_)->widget());
  f->addRow("TTL (s)", add<TextField>("/kv_cache/ttl_s", writer_, TextKind::kNumber, "0 (keep until evicted)")->widget());
  // The tier table takes the full width of the group (its label above it): it has a column per key.
  f->addRow(new QLabel("tiers (one row per tier, fastest first)"));
  f->addRow(add<TierListField>("/kv_cache/tiers", writer_,
                               QStringList{"name", "kind", "capacity_gib", "usd_per_gb_month"})->widget());
  f->addRow("offload", add<ChoiceField>("/kv_cache/offload", writer_,
                                        ChoiceField::strings({"write_back", "write_through"}),
                                        "(default: write_back)")->widget());
  f->addRow("load policy", add<ChoiceField>("/kv_cache/load_policy", writer_, ChoiceField::strings(load_policy_names()),
                                            "(default: faster)")->widget());
  f->addRow("swap space (GiB/GPU)", add<TextField>("/kv_cache/swap_space_gib", writer_, TextKind::kNumber,
                                                   "4 (for preemption \"swap\")")->widget());
  return w;
}

QWidget* ScenarioForm::build_perf_model() {
  auto* w = new QWidget;
  auto* col = new QVBoxLayout(w);
  col->setContentsMargins(0, 0, 0, 0);
  QFormLayout* f = group(col, "Performance model", add<SectionField>("/perf_model", writer_));
  f->addRow("kind", add<ChoiceField>("/perf_model/kind", writer_,
                                     ChoiceField::strings({"calibrated", "roofline", "linear"}),
                                     "(default: calibrated, else roofline)")->widget());
  f->addRow("options", add<JsonRestField>("/perf_model", writer_, std::vector<std::string>{"kind"},
                                          "other settings as JSON, e.g. {\"profile\": \"...\"}")->widget());
  return w;
}

QWidget* ScenarioForm::build_workload() {
  auto* w = new QWidget;
  auto* col = new QVBoxLayout(w);
  col->setContentsMargins(0, 0, 0, 0);
  auto* pages = new QStackedWidget;
  pages->addWidget(build_synthetic());
  pages->addWidget(build_trace());
  pages->addWidget(build_shared_prefix());
  QFormLayout* f = group(col, "Workload", nullptr);
  f->addRow("source", add<WorkloadSourceField>("/workload", writer_, pages)->widget());
  f->addRow(pages);
  return w;
}

QWidget* ScenarioForm::build_synthetic() {
  auto* w = new QWidget;
  auto* col = new QVBoxLayout(w);
  col->setContentsMargins(0, 0, 0, 0);
  const std::string base = "/workload/synthetic";
  const auto number = [&](const std::string& key, const char* placeholder) {
    return add<TextField>(base + "/" + key, writer_, TextKind::kNumber, placeholder)->widget();
  };
  const QStringList formats = to_qt(trace_format_names());
  QFormLayout* f = group(col, "Synthetic generator", add<SectionField>(base, writer_));
  f->addRow("seed", number("seed", "1"));
  f->addRow("requests", number("num_requests", "0 (bounded by the duration)"));
  f->addRow("duration (s)", number("duration_s", "inf"));
  f->addRow("arrival process", add<ChoiceField>(base + "/arrivals/process", writer_,
                                                ChoiceField::strings({"poisson", "gamma"}), "(default: poisson)")->widget());
  f->addRow("rate (req/s)", number("arrivals/rate", "required"));
  f->addRow("burstiness cv", number("arrivals/cv", "1.0 (gamma only)"));
  f->addRow("", add<SectionField>(base + "/arrivals", writer_)->widget());
  f->addRow("prompt tokens", add<LengthDistField>(base + "/prompt_tokens", writer_, formats, true)->widget());
  f->addRow("output tokens", add<LengthDistField>(base + "/output_tokens", writer_, formats, true)->widget());

  QFormLayout* s = group(col, "Shared system prompts", add<SectionField>(base + "/system_prompt", writer_));
  s->addRow("fraction", number("system_prompt/fraction", "0"));
  s->addRow("tokens", number("system_prompt/tokens", "required when fraction > 0"));
  s->addRow("distinct prompts", number("system_prompt/count", "1"));

  QFormLayout* m = group(col, "Multi-turn sessions", add<SectionField>(base + "/sessions", writer_));
  m->addRow("fraction", number("sessions/fraction", "0"));
  m->addRow("turns", add<LengthDistField>(base + "/sessions/turns", writer_, formats, false)->widget());
  m->addRow("think time (s)", number("sessions/think_time_s", "30"));
  m->addRow("new user tokens", add<LengthDistField>(base + "/sessions/user_tokens", writer_, formats, true)->widget());
  m->addRow("assumed TPOT (s)", number("sessions/assumed_tpot_s", "0.02"));
  m->addRow("max prompt tokens", number("sessions/max_prompt_tokens", "0 (no limit)"));
  return w;
}

QWidget* ScenarioForm::build_shared_prefix() {
  auto* w = new QWidget;
  auto* col = new QVBoxLayout(w);
  col->setContentsMargins(0, 0, 0, 0);
  const std::string base = "/workload/shared_prefix";
  const auto number = [&](const std::string& key, const char* placeholder) {
    return add<TextField>(base + "/" + key, writer_, TextKind::kNumber, placeholder)->widget();
  };
  QFormLayout* f = group(col, "inference-perf shared prefix (docs/workload.md)", add<SectionField>(base, writer_));
  f->addRow("system prompts (groups)", number("num_groups", "10"));
  f->addRow("questions per group", number("num_prompts_per_group", "10"));
  f->addRow("system prompt tokens", number("system_prompt_len", "100"));
  f->addRow("question tokens", number("question_len", "50"));
  f->addRow("output tokens (cap)", number("output_len", "50"));
  f->addRow("seed", number("seed", "1"));
  f->addRow("other settings", add<JsonRestField>(base, writer_,
                                                 std::vector<std::string>{"num_groups", "num_prompts_per_group",
                                                                          "system_prompt_len", "question_len",
                                                                          "output_len", "seed"},
                                                 "as JSON: arrivals (stages), eos_tokens, num_requests, ...")->widget());
  return w;
}

QWidget* ScenarioForm::build_trace() {
  auto* w = new QWidget;
  auto* col = new QVBoxLayout(w);
  col->setContentsMargins(0, 0, 0, 0);
  const std::string base = "/workload/trace";
  const auto number = [&](const std::string& key, const char* placeholder) {
    return add<TextField>(base + "/" + key, writer_, TextKind::kNumber, placeholder)->widget();
  };
  QFormLayout* f = group(col, "Trace replay", add<SectionField>(base, writer_));
  f->addRow("format", add<ChoiceField>(base + "/format", writer_, ChoiceField::strings(trace_format_names()), "")->widget());
  auto* path_row = new QWidget;
  auto* path_layout = new QHBoxLayout(path_row);
  path_layout->setContentsMargins(0, 0, 0, 0);
  path_layout->addWidget(add<TextField>(base + "/path", writer_, TextKind::kString, "relative to the scenario file")->widget(), 1);
  auto* browse = new QPushButton("Browse…");
  path_layout->addWidget(browse, 0, Qt::AlignTop);
  connect(browse, &QPushButton::clicked, this, &ScenarioForm::browse_trace);
  f->addRow("path", path_row);
  f->addRow("speed", number("speed", "1.0"));
  f->addRow("start (s)", number("start_s", "0"));
  f->addRow("end (s)", number("end_s", "inf"));
  f->addRow("max requests", number("max_requests", "0 (all)"));
  f->addRow("seed", number("seed", "1"));
  f->addRow("replace arrivals", add<ChoiceField>(base + "/arrivals/process", writer_,
                                                 ChoiceField::strings({"poisson", "gamma"}), "(trace timestamps)")->widget());
  f->addRow("rate (req/s)", number("arrivals/rate", "only when replacing arrivals"));
  f->addRow("burstiness cv", number("arrivals/cv", "1.0 (gamma only)"));
  f->addRow("", add<SectionField>(base + "/arrivals", writer_)->widget());
  return w;
}

QWidget* ScenarioForm::build_slo_and_cost() {
  auto* w = new QWidget;
  auto* col = new QVBoxLayout(w);
  col->setContentsMargins(0, 0, 0, 0);
  QFormLayout* s = group(col, "SLOs (goodput)", add<SectionField>("/slo", writer_));
  s->addRow("TTFT (s)", add<TextField>("/slo/ttft_s", writer_, TextKind::kNumber, "none")->widget());
  s->addRow("TPOT (s)", add<TextField>("/slo/tpot_s", writer_, TextKind::kNumber, "none")->widget());
  s->addRow("E2E (s)", add<TextField>("/slo/e2e_s", writer_, TextKind::kNumber, "none")->widget());
  QFormLayout* c = group(col, "Prices", add<SectionField>("/cost", writer_));
  c->addRow("$ per GPU-hour", add<TextField>("/cost/usd_per_gpu_hour", writer_, TextKind::kNumber,
                                             "the GPU's catalog price")->widget());
  auto* per_tier = new QLabel("Storage ($/GB-month) and transfer ($/GB) prices are set per KV tier.");
  per_tier->setWordWrap(true);
  c->addRow(per_tier);
  QFormLayout* m = group(col, "Metrics", add<SectionField>("/metrics", writer_));
  m->addRow("time-series interval (s)", add<TextField>("/metrics/timeseries_interval_s", writer_, TextKind::kNumber,
                                                       "1.0")->widget());
  return w;
}

void ScenarioForm::browse_trace() {
  const QString base = QString::fromStdString(document_->base_dir());
  const QString file = prompts_->open_file(this, "Trace file", base, "Traces (*.csv *.jsonl *.json);;All files (*)");
  if (file.isEmpty()) return;
  QString relative = QDir(base).relativeFilePath(file);
  if (relative.startsWith("../../")) relative = file;  // far away: keep it absolute
  document_->set_value("/workload/trace/path", Json(relative.toStdString()));
}

void ScenarioForm::refresh() {
  for (auto& b : bindings_) b->show_value(document_->json());
  // With two pools the fleet's replicas are theirs: the placeholder says the total.
  if (auto* replicas = dynamic_cast<TextField*>(field("/cluster/replicas"))) {
    if (replicas_placeholder_.isNull()) replicas_placeholder_ = replicas->line_edit()->placeholderText();
    const Json* d = json_find(document_->json(), "/cluster/disaggregation");
    QString text = replicas_placeholder_;
    if (d != nullptr && d->is_object() && d->contains("ratio"))
      text = "required with a ratio: the total it splits (2 or more)";
    else if (pools_total(d) > 0)
      text = QString("%1: the pools' total").arg(pools_total(d));
    replicas->line_edit()->setPlaceholderText(text);
  }
}

FieldBinding* ScenarioForm::binding_for(const std::string& pointer) const {
  FieldBinding* best = nullptr;
  for (const auto& b : bindings_) {
    if (!pointer_has_prefix(pointer, b->pointer())) continue;
    if (best == nullptr || b->pointer().size() > best->pointer().size()) best = b.get();
  }
  return best;
}

FieldBinding* ScenarioForm::field(const std::string& pointer) const {
  for (const auto& b : bindings_)
    if (b->pointer() == pointer) return b.get();
  return nullptr;
}

QWidget* ScenarioForm::anchor_widget() const {
  QWidget* content = scroll_->widget();
  const auto inside = [content](QWidget* w) { return w != nullptr && w != content && content->isAncestorOf(w); };
  // The control under the mouse (about to be clicked), else the one being typed in.
  QWidget* hovered = QApplication::widgetAt(QCursor::pos());
  if (inside(hovered) && hovered->isVisible()) return hovered;
  QWidget* focused = QApplication::focusWidget();
  if (inside(focused) && focused->isVisible()) return focused;
  return nullptr;
}

std::vector<Issue> ScenarioForm::show_issues(const std::vector<Issue>& issues) {
  // Messages appearing under fields above the one the user is pointing at or typing in would
  // push it down; the form scrolls by as much, so it stays where the user sees it.
  if (!pin_clock_.isValid() || pin_clock_.elapsed() > kPinMs || pinned_ == nullptr) {
    pinned_ = anchor_widget();
    if (pinned_ != nullptr) pinned_y_ = pinned_->mapTo(scroll_->viewport(), QPoint(0, 0)).y();
  }
  pin_clock_.start();
  std::vector<Issue> unclaimed = assign_issues(issues);
  if (pinned_ != nullptr) {
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);  // lay out the new lines now
    keep_pinned();
  }
  return unclaimed;
}

void ScenarioForm::keep_pinned() {
  if (pinned_ == nullptr || !pin_clock_.isValid() || pin_clock_.elapsed() > kPinMs) return;
  const int moved = pinned_->mapTo(scroll_->viewport(), QPoint(0, 0)).y() - pinned_y_;
  if (moved != 0) scroll_->verticalScrollBar()->setValue(scroll_->verticalScrollBar()->value() + moved);
}

bool ScenarioForm::eventFilter(QObject* watched, QEvent* event) {
  // Wrapped message lines settle their height in later layout passes: follow them for a moment.
  if (watched == scroll_->widget() && (event->type() == QEvent::Resize || event->type() == QEvent::LayoutRequest) &&
      pinned_ != nullptr && pin_clock_.isValid() && pin_clock_.elapsed() <= kPinMs)
    QTimer::singleShot(0, this, [this] { keep_pinned(); });
  return QWidget::eventFilter(watched, event);
}

std::vector<Issue> ScenarioForm::assign_issues(const std::vector<Issue>& issues) {
  std::vector<Issue> unclaimed;
  std::map<FieldBinding*, std::vector<Issue>> claimed;
  for (const auto& issue : issues) {
    FieldBinding* b = issue.pointer.empty() ? nullptr : binding_for(issue.pointer);
    if (b == nullptr) unclaimed.push_back(issue);
    else claimed[b].push_back(issue);
  }
  for (auto& b : bindings_) {
    auto it = claimed.find(b.get());
    b->show_issues(it == claimed.end() ? std::vector<Issue>{} : it->second);
  }
  return unclaimed;
}

bool ScenarioForm::focus_pointer(const std::string& pointer) {
  FieldBinding* b = binding_for(pointer);
  if (b == nullptr) return false;
  // A field on the hidden workload page: show its page first.
  if (pointer_has_prefix(b->pointer(), "/workload/trace") || pointer_has_prefix(b->pointer(), "/workload/synthetic") ||
      pointer_has_prefix(b->pointer(), "/workload/shared_prefix")) {
    for (QWidget* w = b->widget(); w != nullptr; w = w->parentWidget()) {
      auto* stack = qobject_cast<QStackedWidget*>(w->parentWidget());
      if (stack != nullptr) {
        stack->setCurrentWidget(w);
        break;
      }
    }
  }
  scroll_->ensureWidgetVisible(b->widget());
  if (QWidget* target = b->focus_target()) target->setFocus(Qt::OtherFocusReason);
  return true;
}

}  // namespace kvsim::gui
