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
  return rows;
}

}  // namespace kvsim::gui
