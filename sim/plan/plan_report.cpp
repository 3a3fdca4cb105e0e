// The planner's output files: plan.json, candidates.csv, frontier.csv and report.md. They hold no
// wall-clock figures, so the same plan gives the same bytes whatever --jobs or resumes.
#include <cmath>
#include <filesystem>
#include <sstream>

#include "plan/plan_internal.h"
#include "plan/planner.h"
#include "plan/sweep_results.h"

namespace kvsim {

namespace {

// The candidate fields of the tables: column name and the scenario pointer.
const std::pair<const char*, const char*> kCandidateColumns[] = {
    {"tensor_parallel", "/deployment/tensor_parallel"},
    {"pipeline_parallel", "/deployment/pipeline_parallel"},
    {"weight_dtype", "/deployment/weight_dtype"},
    {"kv_dtype", "/deployment/kv_dtype"},
    {"max_num_seqs", "/engine/max_num_seqs"},
    {"max_num_batched_tokens", "/engine/max_num_batched_tokens"},
    {"enable_prefix_caching", "/kv_cache/enable_prefix_caching"},
    {"eviction_policy", "/kv_cache/eviction_policy"},
    {"router", "/cluster/router"},
};

// The candidate's value of a field: its override, else the base's, else empty.
nlohmann::json field(const PlanSpec& spec, const PlanCandidate& c, const char* pointer) {
  for (const auto& [p, v] : c.overrides)
    if (p == pointer) return v;
  const nlohmann::json::json_pointer p(pointer);
  return spec.base.contains(p) ? spec.base.at(p) : nlohmann::json();
}

nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }
nlohmann::json opt(double v) { return v >= 0 ? num(v) : nlohmann::json(); }  // < 0: not known

bool on_frontier(const PlanGrowthResult& g, size_t i) { return std::find(g.frontier.begin(), g.frontier.end(), i) != g.frontier.end(); }

std::string money(double v) {
  if (!std::isfinite(v)) return "-";
  char text[32];
  std::snprintf(text, sizeof text, v >= 100 ? "%.0f" : v >= 1 ? "%.2f" : "%.3f", v);
  return text;
}

std::string seconds(const nlohmann::json& v) {
  if (!v.is_number()) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", v.get<double>());
  return text;
}

std::string fraction(double v) { return v < 0 ? "-" : plan_number(std::round(v * 100) / 100); }

// "3", or "<= 4 (2.31 held)" for an autoscaled candidate.
std::string replicas_cell(const PlanCandidateResult& r) {
  if (!r.candidate.autoscaled()) return std::to_string(r.replicas);
  char held[32];
  std::snprintf(held, sizeof held, "%.2f", r.mean_replicas_held);
  return "<= " + std::to_string(r.replicas) + " (" + held + " held)";
}

std::string md_cell(std::string s) {
  for (char& c : s)
    if (c == '|' || c == '\n') c = c == '|' ? '/' : ' ';
  return s;
}

}  // namespace

nlohmann::json plan_result_json(const PlanResult& result) {
  const PlanSpec& spec = result.spec;
  nlohmann::json j = {{"plan", spec.to_json()}, {"results", nlohmann::json::array()}};
  for (const PlanGrowthResult& g : result.growth) {
    nlohmann::json gj = {{"growth", g.factor},
                         {"recommended", g.recommended >= 0 ? nlohmann::json(g.recommended) : nlohmann::json()},
                         {"recommendation", g.recommendation},
                         {"frontier", g.frontier},
                         {"candidates", nlohmann::json::array()}};
    for (size_t i = 0; i < g.candidates.size(); ++i) {
      const PlanCandidateResult& r = g.candidates[i];
      nlohmann::json overrides = nlohmann::json::object();
      for (const auto& [p, v] : r.candidate.overrides) overrides[p] = v;
      nlohmann::json c = {{"index", r.candidate.index},
                          {"label", r.candidate.label},
                          {"gpu", r.candidate.gpu.name},
                          {"usd_per_gpu_hour", r.candidate.gpu.usd_per_gpu_hour},
                          {"spot_usd_per_gpu_hour", opt(r.candidate.gpu.spot_usd_per_gpu_hour)},
                          {"gpus_per_replica", r.candidate.gpus_per_replica},
                          {"overrides", overrides},
                          {"status", plan_status_name(r.status)}};
      if (!r.error.empty()) c["error"] = r.error;
      if (r.status != PlanStatus::invalid) {
        c["replicas"] = r.replicas;
        c["gpus"] = r.replicas * r.candidate.gpus_per_replica;
        c["seeds_passing_at_n"] = r.seeds_passing_at_n;
        c["seeds_passing_below"] = opt(r.seeds_passing_below);
        c["slo_values"] = r.slo_values;
        c["goodput_fraction"] = r.goodput_fraction;
        c["requests_dropped"] = r.requests_dropped;
        c["binding_slo"] = r.binding_slo;
        c["binding_ratio"] = num(r.binding_ratio);
        c["binds"] = r.binds;
        c["binds_detail"] = r.binds_detail;
        c["usd_per_hour"] = r.usd_per_hour;
        c["spot_usd_per_hour"] = opt(r.spot_usd_per_hour);
        c["usd_per_million_tokens_slo"] = num(r.usd_per_million_tokens_slo);
        c["requests_per_s_per_replica"] = num(r.requests_per_s_per_replica);
        c["saturation_requests_per_s_per_replica"] = opt(r.saturation_requests_per_s_per_replica);
      }
      if (spec.has_autoscaling_axis()) {
        c["autoscaling"] = r.candidate.autoscaling;
        c["mean_replicas_held"] = opt(r.mean_replicas_held);
        c["peak_replicas_held"] = opt(r.peak_replicas_held);
      }
      c["runs"] = r.runs;
      gj["candidates"].push_back(c);
    }
    j["results"].push_back(gj);
  }
  nlohmann::json charts = nlohmann::json::array();
  for (const auto& [file, caption] : result.charts) charts.push_back({{"file", file}, {"caption", caption}});
  j["charts"] = charts;
  return j;
}

std::string plan_candidates_csv(const PlanResult& result) {
  const PlanSpec& spec = result.spec;
  const std::vector<std::string> keys = plan_metric_keys(spec);
  std::ostringstream out;
  out << "growth,index,label,gpu";
  for (const auto& [name, pointer] : kCandidateColumns) out << "," << name;
  out << ",status,replicas,gpus_per_replica,gpus,usd_per_gpu_hour,spot_usd_per_gpu_hour,usd_per_hour,spot_usd_per_hour,"
         "usd_per_million_tokens_slo";
  for (const std::string& k : keys) out << "," << csv_field(k);
  out << ",goodput_fraction,requests_dropped,binding_slo,binding_ratio,binds,seeds_passing_at_n,seeds_passing_below,requests_per_s_per_replica,"
         "saturation_requests_per_s_per_replica,on_frontier,recommended,runs,error,binds_detail";
  if (spec.has_autoscaling_axis()) out << ",autoscaling,mean_replicas_held,peak_replicas_held";
  out << "\n";
  for (const PlanGrowthResult& g : result.growth)
    for (size_t i = 0; i < g.candidates.size(); ++i) {
      const PlanCandidateResult& r = g.candidates[i];
      const bool ran = r.status != PlanStatus::invalid;
      out << plan_number(g.factor) << "," << r.candidate.index << "," << csv_field(r.candidate.label) << "," << csv_field(r.candidate.gpu.name);
      for (const auto& [name, pointer] : kCandidateColumns) out << "," << csv_value(field(spec, r.candidate, pointer));
      out << "," << plan_status_name(r.status) << "," << (ran ? std::to_string(r.replicas) : "") << "," << r.candidate.gpus_per_replica
          << "," << (ran ? std::to_string(r.replicas * r.candidate.gpus_per_replica) : "") << "," << csv_value(r.candidate.gpu.usd_per_gpu_hour)
          << "," << csv_value(opt(r.candidate.gpu.spot_usd_per_gpu_hour)) << "," << (ran ? csv_value(r.usd_per_hour) : "") << ","
          << (ran ? csv_value(opt(r.spot_usd_per_hour)) : "") << "," << (ran ? csv_value(num(r.usd_per_million_tokens_slo)) : "");
      for (const std::string& k : keys) out << "," << (ran && r.slo_values.contains(k) ? csv_value(r.slo_values[k]) : "");
      out << "," << (ran ? csv_value(r.goodput_fraction) : "") << "," << (ran ? csv_value(r.requests_dropped) : "") << ","
          << csv_field(r.binding_slo) << ","
          << (ran ? csv_value(num(r.binding_ratio)) : "") << "," << r.binds << "," << (ran ? csv_value(r.seeds_passing_at_n) : "") << ","
          << (ran ? csv_value(opt(r.seeds_passing_below)) : "") << "," << (ran ? csv_value(num(r.requests_per_s_per_replica)) : "") << ","
          << (ran ? csv_value(opt(r.saturation_requests_per_s_per_replica)) : "") << "," << (on_frontier(g, i) ? "true" : "false") << ","
          << (g.recommended == static_cast<long>(i) ? "true" : "false") << "," << r.runs << "," << csv_field(one_line(r.error)) << ","
          << csv_field(r.binds_detail);
      if (spec.has_autoscaling_axis())
        out << "," << (r.candidate.autoscaled() ? csv_field(r.candidate.autoscaling.dump()) : "") << ","
            << (ran ? csv_value(opt(r.mean_replicas_held)) : "") << "," << (ran ? csv_value(opt(r.peak_replicas_held)) : "");
      out << "\n";
    }
  return out.str();
}

std::string plan_frontier_csv(const PlanResult& result) {
  const PlanSpec& spec = result.spec;
  std::ostringstream out;
  out << "index,label,replicas,gpus,usd_per_hour," << csv_field(spec.frontier_metric)
      << ",usd_per_million_tokens_slo,binding_slo,binds,recommended\n";
  if (result.growth.empty()) return out.str();
  const PlanGrowthResult& g = result.growth[0];
  for (size_t i : g.frontier) {
    const PlanCandidateResult& r = g.candidates[i];
    out << r.candidate.index << "," << csv_field(r.candidate.label) << "," << r.replicas << "," << r.replicas * r.candidate.gpus_per_replica
        << "," << csv_value(r.usd_per_hour) << ","
        << (r.slo_values.contains(spec.frontier_metric) ? csv_value(r.slo_values[spec.frontier_metric]) : "") << ","
        << csv_value(num(r.usd_per_million_tokens_slo)) << "," << csv_field(r.binding_slo) << "," << r.binds << ","
        << (g.recommended == static_cast<long>(i) ? "true" : "false") << "\n";
  }
  return out.str();
}

std::string plan_report_md(const PlanResult& result) {
  const PlanSpec& spec = result.spec;
  const std::vector<std::string> keys = plan_metric_keys(spec);
  std::ostringstream md;
  md << "# Capacity plan: " << md_cell(spec.name) << "\n\n";
  std::string slos;
  for (const PlanSlo& s : spec.slos) slos += (slos.empty() ? "" : "; ") + s.key() + " <= " + plan_number(s.max_s) + " s";
  if (spec.min_goodput_fraction > 0)
    slos += (slos.empty() ? "" : "; ") + std::string("at least ") + plan_number(100 * spec.min_goodput_fraction) +
            "% of requests within the per-request SLOs";
  md << "SLOs: " << slos << ". A replica count passes when at least " << plan_number(100 * spec.min_seed_pass_fraction) << "% of "
     << spec.seeds.size() << " seeds meet every SLO; replicas searched in " << spec.min_replicas << ".." << spec.max_replicas << ".\n\n";
  for (const PlanGrowthResult& g : result.growth) {
    const bool first = &g == &result.growth.front();
    if (first) md << "## Recommendation\n\n";
    else md << "## Growth: the workload's rate x " << plan_number(g.factor) << "\n\n";
    md << g.recommendation << "\n\n";
    if (first)
      for (const auto& [file, caption] : result.charts) md << "![" << md_cell(caption) << "](" << file << ")\n\n";
    if (first && !result.charts_error.empty()) md << "(No charts: the chart renderer failed: " << md_cell(one_line(result.charts_error)) << ".)\n\n";
    if (first && !g.frontier.empty()) {
      md << "### Frontier ($/hour against " << spec.frontier_metric << ")\n\n| candidate | replicas | GPUs | $/hour | " << spec.frontier_metric
         << " (s) | $/M tokens within SLO |\n|---|---:|---:|---:|---:|---:|\n";
      for (size_t i : g.frontier) {
        const PlanCandidateResult& r = g.candidates[i];
        md << "| " << md_cell(r.candidate.label) << " | " << replicas_cell(r) << " | " << r.replicas * r.candidate.gpus_per_replica << " | "
           << money(r.usd_per_hour) << " | " << seconds(r.slo_values.value(spec.frontier_metric, nlohmann::json())) << " | "
           << money(r.usd_per_million_tokens_slo) << " |\n";
      }
      md << "\n";
    }
    md << "### " << (first ? "Candidates" : "Candidates at x" + plan_number(g.factor)) << ", cheapest first\n\n"
       << "| candidate | status | replicas | GPUs | $/hour |";
    if (first) md << " $/M tokens within SLO |";
    for (const std::string& k : keys) md << " " << k << " (s) |";
    md << " seeds passing at n / n-1 | binds |\n|---|---|---:|---:|---:|";
    if (first) md << "---:|";
    for (size_t k = 0; k < keys.size(); ++k) md << "---:|";
    md << "---|---|\n";
    std::vector<size_t> order(g.candidates.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    const auto rank = [&](const PlanCandidateResult& r) { return r.status == PlanStatus::feasible ? 0 : r.status == PlanStatus::infeasible ? 1 : 2; };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const PlanCandidateResult &x = g.candidates[a], &y = g.candidates[b];
      if (rank(x) != rank(y)) return rank(x) < rank(y);
      return rank(x) == 0 && x.usd_per_hour < y.usd_per_hour;
    });
    for (size_t i : order) {
      const PlanCandidateResult& r = g.candidates[i];
      md << "| " << md_cell(r.candidate.label) << (g.recommended == static_cast<long>(i) ? " **(recommended)**" : "") << " | ";
      if (r.status == PlanStatus::invalid) {
        md << "invalid: " << md_cell(one_line(r.error)) << " |  |  |  |";
        if (first) md << "  |";
        for (size_t k = 0; k < keys.size(); ++k) md << "  |";
        md << "  |  |\n";
        continue;
      }
      const bool ok = r.status == PlanStatus::feasible;
      md << (ok ? "meets SLOs" : "misses SLOs at " + std::to_string(r.replicas)) << " | " << (ok ? replicas_cell(r) : "-") << " | "
         << (ok ? std::to_string(r.replicas * r.candidate.gpus_per_replica) : "-") << " | " << (ok ? money(r.usd_per_hour) : "-") << " |";
      if (first) md << " " << (ok ? money(r.usd_per_million_tokens_slo) : "-") << " |";
      for (const std::string& k : keys) md << " " << seconds(r.slo_values.value(k, nlohmann::json())) << " |";
      md << " " << fraction(r.seeds_passing_at_n) << " / " << fraction(r.seeds_passing_below) << " | " << r.binds << " |\n";
    }
    md << "\n";
    std::string dropped;
    for (size_t i : order)
      if (g.candidates[i].status != PlanStatus::invalid && g.candidates[i].requests_dropped > 0)
        dropped += (dropped.empty() ? "" : "; ") + md_cell(g.candidates[i].candidate.label) + ": " + plan_number(g.candidates[i].requests_dropped);
    if (!dropped.empty())
      md << "Requests dropped (longer than max_model_len or than a replica's KV: no replica count changes them, they count "
            "against goodput): " << dropped << ".\n\n";
  }
  md << "Columns: replicas is the minimum meeting every SLO (n passes and n-1 fails, both run); latencies are the worst of the seeds at "
        "n (for a candidate that misses, at the top of the range); $/hour is replicas x GPUs per replica x $/GPU-hour; $/M tokens within "
        "SLO is the run's GPU cost over the tokens of completed requests times the fraction of requests meeting the per-request SLOs; "
        "binds says what fails at n-1 (docs/plan.md). Full figures: candidates.csv, frontier.csv, plan.json.\n";
  if (spec.has_autoscaling_axis())
    md << "\nAutoscaled candidates: replicas is the least max_replicas meeting every SLO (\"<= n\", with the replicas held on "
          "average over the run), GPUs the most at once, and $/hour the fleet's own dollars (replica-hours by price class, "
          "cold starts and draining included) per hour of the run, the mean of the seeds at n.\n";
  return md.str();
}

}  // namespace kvsim
