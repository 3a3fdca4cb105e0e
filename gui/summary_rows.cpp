#include "summary_rows.h"

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

double cost_value(const nlohmann::json& summary, const char* key) { return at(summary, {"cost", key}); }

std::vector<SummaryRow> summary_rows(const nlohmann::json& s) {
  std::vector<SummaryRow> rows;
  const auto add = [&](const char* section, const QString& label, double value, const QString& text) {
    rows.push_back({section, label, value, text});
  };
  const auto count = [&](const char* section, const char* label, std::initializer_list<const char*> path) {
    const double v = at(s, path);
    add(section, label, v, QString::number(static_cast<qulonglong>(v)));
  };
  count("requests", "arrived", {"requests", "arrived"});
  count("requests", "completed", {"requests", "completed"});
  count("requests", "dropped", {"requests", "dropped"});
  count("requests", "preempted", {"requests", "preempted"});
  const std::pair<const char*, const char*> latencies[] = {
      {"ttft_s", "TTFT"}, {"tpot_s", "TPOT"}, {"e2e_s", "E2E"}, {"queue_s", "queueing"}};
  for (const auto& [key, name] : latencies) {
    for (const char* stat : {"mean", "p50", "p90", "p99"}) {
      const double v = at(s, {key, stat});
      add("latency (s)", QString(name) + " " + stat, v, fixed(v, 4));
    }
  }
  const auto figure = [&](const char* section, const char* label, std::initializer_list<const char*> path,
                          int decimals, double scale = 1) {
    const double v = at(s, path) * scale;
    add(section, label, v, fixed(v, decimals));
  };
  figure("throughput", "requests/s", {"throughput", "requests_per_s"}, 3);
  figure("throughput", "input tokens/s", {"throughput", "input_tokens_per_s"}, 1);
  figure("throughput", "output tokens/s", {"throughput", "output_tokens_per_s"}, 1);
  figure("goodput", "% meeting the SLOs", {"goodput", "fraction"}, 1, 100);
  figure("goodput", "requests/s", {"goodput", "requests_per_s"}, 3);
  figure("prefix cache", "block hit rate", {"prefix_cache", "block_hit_rate"}, 4);
  figure("prefix cache", "token hit rate", {"prefix_cache", "token_hit_rate"}, 4);
  count("prefix cache", "evictions", {"prefix_cache", "evictions"});
  count("kv", "blocks in total", {"kv", "blocks_total"});
  figure("kv", "mean utilization", {"kv", "mean_utilization"}, 3);
  figure("kv", "peak utilization", {"kv", "peak_utilization"}, 3);
  figure("cost", "total $", {"cost", "usd_total"}, 4);
  figure("cost", "GPU $", {"cost", "usd_gpu"}, 4);
  figure("cost", "storage $", {"cost", "usd_storage"}, 4);
  figure("cost", "transfer $", {"cost", "usd_transfer"}, 4);
  figure("cost", "$ per million tokens", {"cost", "usd_per_million_tokens"}, 4);
  figure("cost", "simulated seconds", {"simulated_seconds"}, 1);
  for (SummaryRow& row : kv_tier_rows(s)) rows.push_back(std::move(row));
  return rows;
}

std::vector<SummaryRow> kv_tier_rows(const nlohmann::json& s) {
  std::vector<SummaryRow> rows;
  if (!s.is_object() || !s.contains("kv_tiers") || !s["kv_tiers"].is_object()) return rows;
  const nlohmann::json& k = s["kv_tiers"];
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
