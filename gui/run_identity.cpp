#include "run_identity.h"

#include "metrics/slo_verdicts.h"


#include <QStringList>

namespace kvsim::gui {

namespace {

const nlohmann::json* find(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* node = &j;
  for (const char* key : path) {
    if (!node->is_object() || !node->contains(key)) return nullptr;
    node = &(*node)[key];
  }
  return node;
}

double number(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* n = find(j, path);
  return n && n->is_number() ? n->get<double>() : 0;
}

QString text(const nlohmann::json& j, std::initializer_list<const char*> path, const char* absent) {
  const nlohmann::json* n = find(j, path);
  return n && n->is_string() ? QString::fromStdString(n->get<std::string>()) : QString(absent);
}

QString money(double usd) { return QString::number(usd, 'f', 2); }

}  // namespace

QString RunIdentity::one_line() const {
  if (!pools.isEmpty())
    return QString("%1 = %2 GPU%3 · %4 · %5 · $%6/h")
        .arg(pools)
        .arg(gpus)
        .arg(gpus == 1 ? "" : "s")
        .arg(model, eviction_policy, money(usd_per_hour));
  return QString("%1 × %2 %3 (TP %4) = %5 GPU%6 · %7 · %8 · %9 · $%10/h")
      .arg(replicas)
      .arg(gpus_per_replica == 1 ? QString() : QString::number(gpus_per_replica) + " ×")
      .arg(gpu)
      .arg(tensor_parallel)
      .arg(gpus)
      .arg(gpus == 1 ? "" : "s")
      .arg(model, router, eviction_policy, money(usd_per_hour))
      .simplified();
}

RunIdentity run_identity(const RunSummary& s) {
  RunIdentity id;
  // The perf model's description and the scenario are JSON by nature (RunSummary keeps them as
  // the run described them). A scenario's absent fields take the defaults of docs/scenario.md
  // (sim/scenario/scenario.cpp).
  id.model = text(s.perf_model, {"model"}, "");
  id.gpu = text(s.perf_model, {"gpu"}, "");
  id.router = text(s.scenario, {"cluster", "router"}, "round_robin");
  if (const nlohmann::json* r = find(s.scenario, {"cluster", "router"}); r && r->is_object())  // docs/fleet.md
    id.router = text(*r, {"kind"}, "scored");
  id.eviction_policy = text(s.scenario, {"kv_cache", "eviction_policy"}, "lru");
  id.tensor_parallel = static_cast<unsigned>(number(s.perf_model, {"deployment", "tensor_parallel"}));
  id.pipeline_parallel = static_cast<unsigned>(number(s.perf_model, {"deployment", "pipeline_parallel"}));
  id.gpus_per_replica = id.tensor_parallel * id.pipeline_parallel;
  id.gpus = s.cost.num_gpus;
  id.replicas = id.gpus_per_replica ? id.gpus / id.gpus_per_replica : 0;
  id.usd_per_gpu_hour = s.cost.usd_per_gpu_hour;
  id.usd_per_hour = id.usd_per_gpu_hour * id.gpus;
  if (s.disaggregation) {  // two pools (docs/fleet.md): each its replicas, GPU and TP
    QStringList parts;
    id.replicas = 0;
    for (const auto& [pool, p] : {std::pair<const char*, const DisaggPoolSummary*>{"prefill", &s.disaggregation->prefill},
                                  {"decode", &s.disaggregation->decode}}) {
      const auto n = static_cast<unsigned>(p->replicas);
      id.replicas += n;
      parts << QString("%1 %2 × %3 (TP %4)")
                   .arg(pool)
                   .arg(n)
                   .arg(QString::fromStdString(p->gpu))
                   .arg(static_cast<unsigned>(p->tensor_parallel));
    }
    id.pools = parts.join(" + ");
  }
  return id;
}

std::vector<SummaryRow> identity_rows(const RunSummary& summary) {
  const RunIdentity id = run_identity(summary);
  std::vector<SummaryRow> rows;
  const auto count = [&](const char* label, unsigned v) { rows.push_back({"run", label, double(v), QString::number(v)}); };
  const auto name = [&](const char* label, const QString& v) { rows.push_back({"run", label, 0, v}); };
  name("model", id.model);
  name("GPU", id.gpu);
  if (!id.pools.isEmpty()) name("disaggregated pools", id.pools);
  count("replicas", id.replicas);
  count("GPUs per replica", id.gpus_per_replica);
  count("GPUs in all", id.gpus);
  count("tensor parallel", id.tensor_parallel);
  count("pipeline parallel", id.pipeline_parallel);
  name("router", id.router);
  name("KV eviction policy", id.eviction_policy);
  rows.push_back({"run", "$ per GPU-hour", id.usd_per_gpu_hour, money(id.usd_per_gpu_hour)});
  rows.push_back({"run", "$ per hour", id.usd_per_hour, money(id.usd_per_hour)});
  return rows;
}

QString SloVerdict::text() const {
  if (!set) return "— no target";
  if (label.startsWith("goodput"))
    return QString(passed ? "✓ %1% ≥ %2%" : "✗ %1% < %2%").arg(value * 100, 0, 'f', 1).arg(target * 100);
  return QString(passed ? "✓ %1 ≤ %2 s" : "✗ %1 > %2 s").arg(value, 0, 'f', 4).arg(target);
}

std::vector<SloVerdict> slo_verdicts(const RunSummary& s) {
  // The library's verdicts (metrics/slo_verdicts.h, which kvsim run prints), labelled for the table.
  std::vector<SloVerdict> out;
  for (const SloCheck& c : slo_checks(s)) {
    SloVerdict v;
    v.set = c.set;
    v.passed = c.passed;
    v.value = c.value;
    v.target = c.target;
    v.label = c.name == "goodput" ? QString("goodput ≥ %1%").arg(kGoodputTarget * 100)
                                  : QString("%1 p99 target").arg(QString::fromStdString(c.name));
    out.push_back(v);
  }
  return out;
}

bool slos_passed(const RunSummary& summary, bool* any_set) {
  bool any = false, all = true;
  for (const SloVerdict& v : slo_verdicts(summary)) {
    if (!v.set) continue;
    any = true;
    all = all && v.passed;
  }
  if (any_set) *any_set = any;
  return all;
}

}  // namespace kvsim::gui
