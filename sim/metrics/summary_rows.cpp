#include "metrics/summary_rows.h"

#include <cstdio>
#include <stdexcept>

namespace kvsim {

std::string SummaryRow::text() const {
  char buf[64];
  if (decimals < 0) {
    std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(value));
  } else {
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  }
  return buf;
}

std::vector<SummaryRow> summary_rows(const RunSummary& s) {
  std::vector<SummaryRow> rows;
  const auto add = [&rows](const char* section, std::string label, const char* key, double value, int decimals,
                           const char* unit) {
    rows.push_back({section, std::move(label), key, value, decimals, unit});
  };
  const auto count = [&add](const char* section, const char* label, const char* key, uint64_t v) {
    add(section, label, key, static_cast<double>(v), -1, "");
  };
  count("requests", "arrived", "/requests/arrived", s.requests.arrived);
  count("requests", "completed", "/requests/completed", s.requests.completed);
  count("requests", "dropped", "/requests/dropped", s.requests.dropped);
  count("requests", "preempted", "/requests/preempted", s.requests.preempted);
  const struct {
    const char* key;
    const char* name;
    const Distribution& d;
  } latencies[] = {{"/ttft_s", "TTFT", s.ttft_s}, {"/tpot_s", "TPOT", s.tpot_s}, {"/e2e_s", "E2E", s.e2e_s},
                   {"/queue_s", "queueing", s.queue_s}};
  static const char* const kStats[] = {"mean", "p50", "p90", "p99"};
  for (const auto& l : latencies) {
    const double values[] = {l.d.mean, l.d.p50, l.d.p90, l.d.p99};
    for (int i = 0; i < 4; ++i) {
      rows.push_back({"latency (s)", std::string(l.name) + " " + kStats[i], std::string(l.key) + "/" + kStats[i],
                      values[i], 4, "s"});
    }
  }
  add("throughput", "requests/s", "/throughput/requests_per_s", s.throughput.requests_per_s, 3, "req/s");
  add("throughput", "input tokens/s", "/throughput/input_tokens_per_s", s.throughput.input_tokens_per_s, 1, "tok/s");
  add("throughput", "output tokens/s", "/throughput/output_tokens_per_s", s.throughput.output_tokens_per_s, 1, "tok/s");
  add("goodput", "% meeting the SLOs", "/goodput/fraction", s.goodput.fraction * 100, 1, "%");
  add("goodput", "requests/s", "/goodput/requests_per_s", s.goodput.requests_per_s, 3, "req/s");
  add("prefix cache", "block hit rate", "/prefix_cache/block_hit_rate", s.prefix_cache.block_hit_rate, 4, "");
  add("prefix cache", "token hit rate", "/prefix_cache/token_hit_rate", s.prefix_cache.token_hit_rate, 4, "");
  count("prefix cache", "evictions", "/prefix_cache/evictions", s.prefix_cache.evictions);
  if (const nlohmann::json& rc = s.response_cache; rc.is_object()) {  // only with one (docs/fleet.md)
    add("response cache", "hit rate", "/response_cache/hit_rate", rc.value("hit_rate", 0.0), 4, "");
    count("response cache", "exact hits", "/response_cache/exact_hits", rc.value("exact_hits", uint64_t{0}));
    count("response cache", "semantic hits", "/response_cache/semantic_hits", rc.value("semantic_hits", uint64_t{0}));
    add("response cache", "GPU $ saved", "/response_cache/usd_saved", rc.value("usd_saved", 0.0), 4, "$");
  }
  add("kv", "blocks in total", "/kv/blocks_total", static_cast<double>(s.kv.blocks_total), -1, "blocks");
  add("kv", "mean utilization", "/kv/mean_utilization", s.kv.mean_utilization, 3, "");
  add("kv", "peak utilization", "/kv/peak_utilization", s.kv.peak_utilization, 3, "");
  add("cost", "total $", "/cost/usd_total", s.cost.usd_total, 4, "$");
  add("cost", "GPU $", "/cost/usd_gpu", s.cost.usd_gpu, 4, "$");
  add("cost", "storage $", "/cost/usd_storage", s.cost.usd_storage, 4, "$");
  add("cost", "transfer $", "/cost/usd_transfer", s.cost.usd_transfer, 4, "$");
  add("cost", "$ per million tokens", "/cost/usd_per_million_tokens", s.cost.usd_per_million_tokens, 4, "$");
  add("cost", "simulated seconds", "/simulated_seconds", s.simulated_seconds, 1, "s");
  if (s.fleet.is_object()) {  // an elastic fleet (sim/run/fleet.h)
    const auto num = [&s](const char* ptr) {
      const nlohmann::json& v = s.fleet.value(nlohmann::json::json_pointer(ptr), nlohmann::json());
      return v.is_number() ? v.get<double>() : 0.0;
    };
    add("fleet", "on-demand $", "/fleet/usd/on_demand", num("/usd/on_demand"), 4, "$");
    add("fleet", "spot $", "/fleet/usd/spot", num("/usd/spot"), 4, "$");
    add("fleet", "peak replicas serving", "/fleet/peak_replicas_serving", num("/peak_replicas_serving"), -1, "");
    add("fleet", "$ saved vs a fixed fleet of the peak", "/fleet/usd_saved_vs_fixed_peak", num("/usd_saved_vs_fixed_peak"), 4, "$");
    add("fleet", "replicas started", "/fleet/replicas_started", num("/replicas_started"), -1, "");
    add("fleet", "spot interruptions", "/fleet/spot/interruptions", num("/spot/interruptions"), -1, "");
    add("fleet", "requests moved", "/fleet/spot/requests_moved", num("/spot/requests_moved"), -1, "");
    add("fleet", "tokens recomputed", "/fleet/spot/tokens_recomputed", num("/spot/tokens_recomputed"), -1, "");
  }
  if (s.disaggregation.is_object()) {  // prefill/decode pools (sim/run/disagg.h)
    const auto num = [&s](const std::string& ptr) {
      const nlohmann::json& v = s.disaggregation.value(nlohmann::json::json_pointer(ptr), nlohmann::json());
      return v.is_number() ? v.get<double>() : 0.0;
    };
    const auto row = [&rows](std::string label, std::string key, double value, int decimals, const char* unit) {
      rows.push_back({"disaggregation", std::move(label), std::move(key), value, decimals, unit});
    };
    for (const char* pool : {"prefill", "decode"}) {
      const std::string p = std::string("/pools/") + pool;
      row(std::string(pool) + " replicas", "/disaggregation" + p + "/replicas", num(p + "/replicas"), -1, "");
      row(std::string(pool) + " busy", "/disaggregation" + p + "/busy_fraction", num(p + "/busy_fraction"), 3, "");
      row(std::string(pool) + " mean waiting", "/disaggregation" + p + "/mean_waiting", num(p + "/mean_waiting"), 2, "");
    }
    row("KV transfers", "/disaggregation/kv_transfer/transfers_completed",
        num("/kv_transfer/transfers_completed"), -1, "");
    row("KV GB moved", "/disaggregation/kv_transfer/bytes_received", num("/kv_transfer/bytes_received") / 1e9, 3, "GB");
    for (const char* stage : {"prefill_queue", "prefill", "decode_queue", "transfer"})
      row(std::string(stage) + " mean", std::string("/disaggregation/stage_s/") + stage + "/mean",
          num(std::string("/stage_s/") + stage + "/mean"), 4, "s");
  }
  return rows;
}

const SummaryRow& summary_row(const std::vector<SummaryRow>& rows, std::string_view key) {
  for (const SummaryRow& r : rows)
    if (r.key == key) return r;
  throw std::out_of_range("no summary row shows " + std::string(key));
}

}  // namespace kvsim
