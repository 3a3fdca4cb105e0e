#include "run_identity.h"

#include <tuple>

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
  if (s.disaggregation.is_object()) {  // two pools (docs/fleet.md): each its replicas, GPU and TP
    QStringList parts;
    id.replicas = 0;
    for (const char* pool : {"prefill", "decode"}) {
      const nlohmann::json* p = find(s.disaggregation, {"pools", pool});
      if (!p) continue;
      const auto n = static_cast<unsigned>(number(*p, {"replicas"}));
      id.replicas += n;
      parts << QString("%1 %2 × %3 (TP %4)").arg(pool).arg(n).arg(text(*p, {"gpu"}, "?")).arg(number(*p, {"tensor_parallel"}));
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
  std::vector<SloVerdict> out;
  bool any = false;
  const SloConfig& slo = s.goodput.slo;
  const std::tuple<double, const Distribution&, const char*> latencies[] = {
      {slo.ttft_s, s.ttft_s, "TTFT"}, {slo.tpot_s, s.tpot_s, "TPOT"}, {slo.e2e_s, s.e2e_s, "E2E"}};
  for (const auto& [target, distribution, name] : latencies) {
    SloVerdict v;
    v.target = target;
    v.set = v.target > 0;
    v.value = distribution.p99;
    v.passed = v.set && v.value <= v.target;
    v.label = QString("%1 p99 target").arg(name);
    any = any || v.set;
    out.push_back(v);
  }
  SloVerdict g;
  g.set = any;
  g.target = kGoodputTarget;
  g.value = s.goodput.fraction;
  g.passed = any && g.value >= kGoodputTarget;
  g.label = QString("goodput ≥ %1%").arg(kGoodputTarget * 100);
  out.push_back(g);
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
