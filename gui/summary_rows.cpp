#include "summary_rows.h"

#include "metrics/summary_rows.h"

namespace kvsim::gui {

namespace {

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
  if (!s.kv_tiers) return rows;
  const KvTiersSummary& k = *s.kv_tiers;
  const auto add = [&](const QString& section, const QString& label, double v, int decimals) {
    rows.push_back({section, label, v, decimals < 0 ? QString::number(static_cast<qulonglong>(v)) : fixed(v, decimals)});
  };
  const auto count = [&](const QString& section, const QString& label, uint64_t v) {
    rows.push_back({section, label, static_cast<double>(v), QString::number(static_cast<qulonglong>(v))});
  };
  const QString all = "KV tiers";
  add(all, "block hit rate, GPU only", k.block_hit_rate_gpu, 4);
  add(all, "block hit rate, found in a tier", k.block_hit_rate_found, 4);
  add(all, "block hit rate, reused after loading", k.block_hit_rate_reused, 4);
  count(all, "loads", k.loads);
  count(all, "blocks loaded", k.loaded_blocks);
  count(all, "blocks declined (recomputed)", k.declined_blocks);
  add(all, "mean load (s)", k.mean_load_s, 4);
  count(all, "blocks offloaded", k.offloaded_blocks);
  add(all, "recompute s saved by loads", k.recompute_seconds_saved_by_loads, 3);
  for (const TierSummary& t : k.tiers) {
    const QString section = QString("tier %1 (%2)").arg(QString::fromStdString(t.name), QString::fromStdString(t.kind));
    add(section, "block hit rate", t.block_hit_rate, 4);
    count(section, "blocks hit", t.hit_blocks);
    count(section, "blocks loaded", t.loaded_blocks);
    count(section, "writes", t.writes);
    count(section, "evictions", t.evictions);
    add(section, "GB read", t.gb_read, 3);
    add(section, "GB written", t.gb_written, 3);
    add(section, "storage $", t.usd_storage, 4);
    add(section, "transfer $", t.usd_transfer, 4);
  }
  for (const auto& [name, l] : k.links_per_gpu) {
    const QString section = QString("link %1, per GPU").arg(QString::fromStdString(name));
    add(section, "GB to GPU", l.to_gpu.gb, 3);
    add(section, "transfers to GPU", l.to_gpu.transfers, -1);
    add(section, "busy s to GPU", l.to_gpu.busy_s, 3);
    add(section, "GB from GPU", l.from_gpu.gb, 3);
    add(section, "transfers from GPU", l.from_gpu.transfers, -1);
    add(section, "busy s from GPU", l.from_gpu.busy_s, 3);
  }
  return rows;
}

}  // namespace kvsim::gui
