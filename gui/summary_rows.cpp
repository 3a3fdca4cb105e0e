#include "summary_rows.h"

#include "metrics/summary_rows.h"

namespace kvsim::gui {

namespace {

double at(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* node = &j;
  for (const char* key : path) {
    if (!node->is_object() || !node->contains(key)) return 0;
    node = &(*node)[key];
  }
  return node->is_number() ? node->get<double>() : 0;
}

QString fixed(double v, int decimals) { return QString::number(v, 'f', decimals); }

}  // namespace

std::vector<SummaryRow> summary_rows(const RunSummary& s) {
  std::vector<SummaryRow> rows;
  // The figures `kvsim run` prints, from the one list (metrics/summary_rows.h).
  for (const kvsim::SummaryRow& r : kvsim::summary_rows(s))
    rows.push_back({QString::fromStdString(r.section), QString::fromStdString(r.label), r.value,
                    QString::fromStdString(r.text()), QString::fromStdString(r.unit)});
  for (SummaryRow& row : kv_tier_rows(s)) rows.push_back(std::move(row));
  return rows;
}

std::vector<SummaryRow> kv_tier_rows(const RunSummary& s) {
  std::vector<SummaryRow> rows;
  if (!s.kv_tiers.is_object()) return rows;
  const nlohmann::json& k = s.kv_tiers;
  const auto add = [&](const QString& section, const QString& label, double v, int decimals) {
    rows.push_back({section, label, v, decimals < 0 ? QString::number(static_cast<qulonglong>(v)) : fixed(v, decimals)});
  };
  const QString all = "KV tiers";
  add(all, "block hit rate, GPU only", at(k, {"block_hit_rate_gpu"}), 4);
  add(all, "block hit rate, found in a tier", at(k, {"block_hit_rate_found"}), 4);
  add(all, "block hit rate, reused after loading", at(k, {"block_hit_rate_reused"}), 4);
  add(all, "loads", at(k, {"loads"}), -1);
  add(all, "blocks loaded", at(k, {"loaded_blocks"}), -1);
  add(all, "blocks declined (recomputed)", at(k, {"declined_blocks"}), -1);
  add(all, "mean load (s)", at(k, {"mean_load_s"}), 4);
  add(all, "blocks offloaded", at(k, {"offloaded_blocks"}), -1);
  add(all, "recompute s saved by loads", at(k, {"recompute_seconds_saved_by_loads"}), 3);
  if (k.contains("tiers") && k["tiers"].is_array()) {
    for (const auto& t : k["tiers"]) {
      if (!t.is_object()) continue;
      const QString section = QString("tier %1 (%2)")
                                  .arg(QString::fromStdString(t.value("name", std::string("?"))),
                                       QString::fromStdString(t.value("kind", std::string("?"))));
      add(section, "block hit rate", at(t, {"block_hit_rate"}), 4);
      add(section, "blocks hit", at(t, {"hit_blocks"}), -1);
      add(section, "blocks loaded", at(t, {"loaded_blocks"}), -1);
      add(section, "writes", at(t, {"writes"}), -1);
      add(section, "evictions", at(t, {"evictions"}), -1);
      add(section, "GB read", at(t, {"gb_read"}), 3);
      add(section, "GB written", at(t, {"gb_written"}), 3);
      add(section, "storage $", at(t, {"usd_storage"}), 4);
      add(section, "transfer $", at(t, {"usd_transfer"}), 4);
    }
  }
  if (k.contains("links_per_gpu") && k["links_per_gpu"].is_object()) {
    for (const auto& [name, l] : k["links_per_gpu"].items()) {
      const QString section = QString("link %1, per GPU").arg(QString::fromStdString(name));
      add(section, "GB to GPU", at(l, {"to_gpu", "gb"}), 3);
      add(section, "transfers to GPU", at(l, {"to_gpu", "transfers"}), -1);
      add(section, "busy s to GPU", at(l, {"to_gpu", "busy_s"}), 3);
      add(section, "GB from GPU", at(l, {"from_gpu", "gb"}), 3);
      add(section, "transfers from GPU", at(l, {"from_gpu", "transfers"}), -1);
      add(section, "busy s from GPU", at(l, {"from_gpu", "busy_s"}), 3);
    }
  }
  return rows;
}

}  // namespace kvsim::gui
