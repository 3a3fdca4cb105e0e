#include "perf/calibration_validation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "core/error.h"
#include "perf/calibrated_step_model.h"

namespace kvsim {

namespace {

std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", fraction * 100);
  return buf;
}

// The layer operators Vidur times, in table order (emb is per step, reported last).
constexpr VidurOp kTableOps[] = {VidurOp::kAttnPreProj, VidurOp::kAttnPostProj, VidurOp::kMlpUpProj,
                                 VidurOp::kMlpDownProj, VidurOp::kInputLayernorm, VidurOp::kPostAttentionLayernorm,
                                 VidurOp::kAttnRope, VidurOp::kMlpAct, VidurOp::kAdd, VidurOp::kEmb};

const char* table_op_label(VidurOp op) {
  if (op == VidurOp::kEmb) return "embedding";
  return layer_op_name(*vidur_layer_op(op));
}

}  // namespace

ErrorStats error_stats(std::vector<double> e) {
  ErrorStats s;
  s.count = e.size();
  if (e.empty()) return s;
  std::sort(e.begin(), e.end());
  auto quantile = [&](double q) {
    const double pos = q * static_cast<double>(e.size() - 1);
    const size_t lo = static_cast<size_t>(pos);
    const size_t hi = std::min(lo + 1, e.size() - 1);
    return e[lo] + (pos - static_cast<double>(lo)) * (e[hi] - e[lo]);
  };
  s.median = quantile(0.5);
  s.p90 = quantile(0.9);
  s.max = e.back();
  return s;
}

VidurGpuData read_vidur_gpu_data(const std::string& dir, const std::string& label, const std::string& topology,
                                 const Catalog& catalog) {
  namespace fs = std::filesystem;
  VidurGpuData d;
  d.label = label;
  d.gpu = catalog.gpu(label);
  d.mlp = read_vidur_mlp_dir((fs::path(dir) / label).string());
  std::set<std::string> files;
  for (const auto& r : d.mlp) files.insert(fs::path(r.where.substr(0, r.where.rfind(':'))).filename().string());
  for (const auto& f : files) d.files.push_back(label + "/" + f);
  for (const char* op : {"all_reduce", "send_recv"}) {
    const std::string name = label + "_" + topology + "_" + op + ".csv";
    const fs::path path = fs::path(dir) / "network" / name;
    std::error_code ec;
    if (!fs::exists(path, ec)) continue;
    auto rows = read_vidur_collective_csv(path.string());
    d.collectives.insert(d.collectives.end(), rows.begin(), rows.end());
    d.files.push_back("network/" + name);
  }
  return d;
}

CalibrationProfile vidur_profile(const VidurGpuData& data, const Catalog* catalog, const std::string& exclude_model,
                                 const std::string& topology) {
  ProfileBuilder builder(data.gpu.name, ProfileReference::from_gpu(data.gpu, 4e-6));
  std::vector<VidurMlpRow> rows;
  std::set<std::string> models;
  for (const auto& r : data.mlp)
    if (r.model != exclude_model) {
      rows.push_back(r);
      models.insert(r.model);
    }
  add_vidur_mlp(builder, rows, data.gpu, catalog);
  add_vidur_collectives(builder, data.collectives);
  if (builder.shortest_gemm_s() > 0) builder.set_kernel_floor_s(builder.shortest_gemm_s());
  nlohmann::json source;
  source["description"] =
      "Vidur operator profiling of one transformer layer's non-attention operators (fp16 PyTorch/cuBLAS "
      "kernels, median of 20 timed runs) and NCCL collectives (" + topology + " nodes), on " + data.label;
  source["origin"] =
      "microsoft/vidur data/profiling, MIT licence; Agrawal et al., \"Vidur: A Large-Scale Simulation Framework "
      "for LLM Inference\", MLSys 2024";
  source["files"] = data.files;
  source["models"] = std::vector<std::string>(models.begin(), models.end());
  if (!exclude_model.empty()) source["excluded_model"] = exclude_model;
  source["not_measured"] = "attention (prefill and decode), memory copies, CPU overhead: the roofline answers";
  return builder.build(source);
}

void predict_vidur_rows(std::shared_ptr<const CalibrationProfile> profile, const VidurGpuData& data,
                        const std::string& model, const Catalog* catalog, ValidationReport& report) {
  std::map<std::pair<std::string, uint32_t>, std::unique_ptr<CalibratedStepModel>> predictors;
  for (const VidurMlpRow& row : data.mlp) {
    if (!model.empty() && row.model != model) continue;
    auto& predictor = predictors[{row.model, row.tp}];
    if (!predictor) {
      Deployment d;
      d.tensor_parallel = row.tp;
      predictor = std::make_unique<CalibratedStepModel>(profile, vidur_model_spec(row, catalog), data.gpu, d);
    }
    BatchShape batch;
    batch.num_prefill_seqs = 1;
    batch.prefill_tokens = row.num_tokens;
    batch.prefill_kv_tokens = row.num_tokens;
    batch.prefill_attn_pairs = 0.5 * row.num_tokens * (row.num_tokens + 1.0);
    batch.num_sampled = 1;
    const CalibratedBreakdown b = predictor->breakdown(batch);
    ValidationPoint p;
    p.gpu = data.label;
    p.model = row.model;
    p.tp = row.tp;
    p.tokens = row.num_tokens;
    for (size_t i = 0; i < kNumVidurOps; ++i) {
      if (!row.median_ms[i]) continue;
      const auto op = static_cast<VidurOp>(i);
      p.measured_ms[i] = *row.median_ms[i];
      p.predicted_ms[i] =
          1e3 * (op == VidurOp::kEmb ? b.embedding_s : b.layer_s[static_cast<size_t>(*vidur_layer_op(op))]);
      if (op == VidurOp::kEmb) continue;
      p.measured_layer_ms += p.measured_ms[i];
      p.predicted_layer_ms += p.predicted_ms[i];
    }
    if (p.measured_layer_ms > 0) report.points.push_back(p);
  }
}

void validate_vidur(const VidurGpuData& data, const Catalog* catalog, bool leave_one_model_out,
                    const std::string& topology, ValidationReport& report) {
  report.leave_one_model_out = leave_one_model_out;
  report.files.insert(report.files.end(), data.files.begin(), data.files.end());
  if (leave_one_model_out) {
    std::vector<std::string> models;
    for (const auto& r : data.mlp)
      if (std::find(models.begin(), models.end(), r.model) == models.end()) models.push_back(r.model);
    for (const std::string& held : models)
      predict_vidur_rows(std::make_shared<const CalibrationProfile>(vidur_profile(data, catalog, held, topology)),
                         data, held, catalog, report);
  } else {
    predict_vidur_rows(std::make_shared<const CalibrationProfile>(vidur_profile(data, catalog, "", topology)), data,
                       "", catalog, report);
  }

  // Collectives: fit every other size, predict the sizes in between.
  std::map<std::tuple<CollectiveOp, uint32_t, uint32_t>, std::vector<std::pair<double, double>>> curves;
  for (const auto& r : data.collectives) curves[{r.op, r.ranks, r.ranks_per_node}].emplace_back(r.bytes, r.median_ms);
  for (auto& [key, samples] : curves) {
    std::sort(samples.begin(), samples.end());
    std::vector<std::pair<double, double>> fit, held;
    for (size_t i = 0; i < samples.size(); ++i) (i % 2 == 0 ? fit : held).push_back(samples[i]);
    if (fit.size() < 2 || held.empty()) continue;
    const MonotoneCurve curve = MonotoneCurve::fit(fit);
    std::vector<double> errors;
    for (const auto& [bytes, ms] : held) errors.push_back(std::abs(curve.at_or_proportional(bytes) / ms - 1));
    CollectiveCheck c;
    c.gpu = data.label;
    c.op = std::get<0>(key);
    c.ranks = std::get<1>(key);
    c.ranks_per_node = std::get<2>(key);
    c.stats = error_stats(std::move(errors));
    report.collectives.push_back(c);
  }
}

ErrorStats ValidationReport::layer_stats(const std::string& gpu, const std::string& model) const {
  std::vector<double> e;
  for (const auto& p : points)
    if ((gpu.empty() || p.gpu == gpu) && (model.empty() || p.model == model)) e.push_back(p.layer_error());
  return error_stats(std::move(e));
}

ErrorStats ValidationReport::op_stats(const std::string& gpu, const std::string& model, VidurOp op) const {
  std::vector<double> e;
  const size_t i = static_cast<size_t>(op);
  for (const auto& p : points)
    if ((gpu.empty() || p.gpu == gpu) && (model.empty() || p.model == model) && p.measured_ms[i] > 0)
      e.push_back(std::abs(p.predicted_ms[i] / p.measured_ms[i] - 1));
  return error_stats(std::move(e));
}

std::vector<std::string> ValidationReport::gpus() const {
  std::vector<std::string> out;
  for (const auto& p : points)
    if (std::find(out.begin(), out.end(), p.gpu) == out.end()) out.push_back(p.gpu);
  return out;
}

std::vector<std::string> ValidationReport::models(const std::string& gpu) const {
  std::vector<std::string> out;
  for (const auto& p : points)
    if (p.gpu == gpu && std::find(out.begin(), out.end(), p.model) == out.end()) out.push_back(p.model);
  return out;
}

nlohmann::json ValidationReport::to_json() const {
  auto stats_json = [](const ErrorStats& s) {
    return nlohmann::json{{"count", s.count}, {"median", s.median}, {"p90", s.p90}, {"max", s.max}};
  };
  nlohmann::json j;
  j["method"] = leave_one_model_out ? "leave-one-model-out" : "in-sample";
  j["files"] = files;
  j["layer"] = nlohmann::json::object();
  for (const auto& gpu : gpus()) {
    j["layer"][gpu]["all"] = stats_json(layer_stats(gpu, ""));
    for (const auto& m : models(gpu)) {
      j["layer"][gpu][m] = stats_json(layer_stats(gpu, m));
      for (VidurOp op : kTableOps) {
        const ErrorStats s = op_stats(gpu, m, op);
        if (s.count) j["operators"][gpu][m][table_op_label(op)] = stats_json(s);
      }
    }
  }
  j["collectives"] = nlohmann::json::array();
  for (const auto& c : collectives)
    j["collectives"].push_back({{"gpu", c.gpu},
                                {"op", collective_op_name(c.op)},
                                {"ranks", c.ranks},
                                {"ranks_per_node", c.ranks_per_node},
                                {"error", stats_json(c.stats)}});
  return j;
}

std::string ValidationReport::markdown() const {
  std::ostringstream o;
  const char* method = leave_one_model_out ? "leave-one-model-out" : "in-sample (calibrated on every model)";
  o << "#### Layer time, " << method << "\n\n"
    << "Absolute relative error of the predicted layer time (sum of the operators Vidur timed) against the "
       "measured median, over every token count and tensor-parallel degree of the model.\n\n"
    << "| GPU | model | points | TP degrees | tokens | median | P90 | max |\n"
    << "|---|---|---:|---|---|---:|---:|---:|\n";
  for (const auto& gpu : gpus()) {
    for (const auto& m : models(gpu)) {
      std::set<uint32_t> tps;
      uint32_t lo = UINT32_MAX, hi = 0;
      for (const auto& p : points)
        if (p.gpu == gpu && p.model == m) tps.insert(p.tp), lo = std::min(lo, p.tokens), hi = std::max(hi, p.tokens);
      std::string tp_list;
      for (uint32_t t : tps) {
        if (!tp_list.empty()) tp_list += ',';
        tp_list += std::to_string(t);
      }
      const ErrorStats s = layer_stats(gpu, m);
      o << "| " << gpu << " | " << m << " | " << s.count << " | " << tp_list << " | " << lo << "-" << hi << " | "
        << percent(s.median) << " | " << percent(s.p90) << " | " << percent(s.max) << " |\n";
    }
    const ErrorStats s = layer_stats(gpu, "");
    o << "| " << gpu << " | **all models** | " << s.count << " | | | **" << percent(s.median) << "** | **"
      << percent(s.p90) << "** | " << percent(s.max) << " |\n";
  }

  o << "\n#### Per operator, " << method << " (median / P90 absolute error)\n\n| GPU | model |";
  for (VidurOp op : kTableOps) o << " " << table_op_label(op) << " |";
  o << "\n|---|---|";
  for (size_t i = 0; i < std::size(kTableOps); ++i) o << "---:|";
  o << "\n";
  for (const auto& gpu : gpus())
    for (const auto& m : models(gpu)) {
      o << "| " << gpu << " | " << m << " |";
      for (VidurOp op : kTableOps) {
        const ErrorStats s = op_stats(gpu, m, op);
        o << " " << (s.count ? percent(s.median) + " / " + percent(s.p90) : std::string("-")) << " |";
      }
      o << "\n";
    }

  const std::pair<uint32_t, uint32_t> ranges[] = {{1, 16}, {17, 128}, {129, 1024}, {1025, 4096}, {4097, UINT32_MAX}};
  o << "\n#### Layer time by token count, " << method << " (median / P90 absolute error, points)\n\n| GPU |";
  for (const auto& [lo, hi] : ranges) {
    o << " " << lo;
    if (hi == UINT32_MAX) o << "+";
    else o << "-" << hi;
    o << " |";
  }
  o << "\n|---|";
  for (size_t i = 0; i < std::size(ranges); ++i) o << "---:|";
  o << "\n";
  for (const auto& gpu : gpus()) {
    o << "| " << gpu << " |";
    for (const auto& [lo, hi] : ranges) {
      std::vector<double> e;
      for (const auto& p : points)
        if (p.gpu == gpu && p.tokens >= lo && p.tokens <= hi) e.push_back(p.layer_error());
      const ErrorStats s = error_stats(e);
      o << " " << (s.count ? percent(s.median) + " / " + percent(s.p90) + " (" + std::to_string(s.count) + ")"
                           : std::string("-"))
        << " |";
    }
    o << "\n";
  }

  o << "\n#### Layer time by tensor-parallel degree, " << method << " (median / P90 absolute error)\n\n"
    << "| GPU | TP 1 | TP 2 | TP 4 | TP 8 |\n|---|---:|---:|---:|---:|\n";
  for (const auto& gpu : gpus()) {
    o << "| " << gpu << " |";
    for (uint32_t tp : {1u, 2u, 4u, 8u}) {
      std::vector<double> e;
      for (const auto& p : points)
        if (p.gpu == gpu && p.tp == tp) e.push_back(p.layer_error());
      const ErrorStats s = error_stats(e);
      o << " " << (s.count ? percent(s.median) + " / " + percent(s.p90) : std::string("-")) << " |";
    }
    o << "\n";
  }

  if (!collectives.empty()) {
    o << "\n#### Collectives, every other message size held out\n\n"
      << "| GPU | collective | ranks | ranks per node | held-out sizes | median | P90 | max |\n"
      << "|---|---|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& c : collectives)
      o << "| " << c.gpu << " | " << collective_op_name(c.op) << " | " << c.ranks << " | " << c.ranks_per_node
        << " | " << c.stats.count << " | " << percent(c.stats.median) << " | " << percent(c.stats.p90) << " | "
        << percent(c.stats.max) << " |\n";
  }
  return o.str();
}

}  // namespace kvsim
