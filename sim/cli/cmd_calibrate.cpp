// kvsim calibrate: measurements -> a calibration profile (models/profiles/<gpu>.json).
// kvsim validate-profile: the leave-one-model-out tables of docs/validation.md.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "catalog/catalog.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "perf/calibrated_operators.h"
#include "perf/calibration.h"
#include "perf/calibration_validation.h"
#include "perf/step_model_factory.h"
#include "perf/vidur_import.h"

namespace kvsim {

namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

// The GEMM shapes (n, k) of the catalog models `models` (all when empty) at the TP degrees `tps`.
int print_shapes(std::vector<std::string> models, const std::vector<uint32_t>& tps) {
  const Catalog catalog = Catalog::open_default();
  if (models.empty()) models = catalog.llm_names();
  GpuSpec any_gpu;  // shapes do not depend on the GPU; sparsity is off
  any_gpu.name = "any";
  std::set<std::pair<uint64_t, uint64_t>> shapes;
  for (const auto& name : models) {
    const LlmSpec llm = catalog.llm(name);
    for (uint32_t tp : tps) {
      Deployment d;
      d.tensor_parallel = tp;
      ModelPlan plan;
      try {
        plan = plan_model(llm, any_gpu, d);
      } catch (const InputError&) {
        continue;  // this TP degree does not divide the model's heads
      }
      for (const auto& layer : plan.layers) {
        for (const auto& g : layer.linears) shapes.insert({g.n, g.k});
        for (const auto& g : layer.routed.linears) shapes.insert({g.n, g.k});
      }
      shapes.insert({plan.vocab_per_gpu, plan.hidden});
    }
  }
  std::cout << "[";
  size_t i = 0;
  for (const auto& [n, k] : shapes)
    std::cout << (i++ ? ",\n " : "") << "{\"n\": " << n << ", \"k\": " << k << "}";
  std::cout << "]\n";
  return 0;
}

std::vector<uint32_t> parse_tp_list(const std::string& flag, const std::string& text) {
  std::vector<uint32_t> tps;
  for (const auto& t : split_list(text)) tps.push_back(static_cast<uint32_t>(parse_integer(flag, t, 1, 1 << 16)));
  return tps;
}

}  // namespace

int cmd_calibrate(const Args& args) {
  std::string gpu_name, out_path, exclude, description, model_list;
  std::vector<std::string> bench_files, mlp_paths, network_files;
  std::vector<uint32_t> tps = {1, 2, 4, 8};
  bool print = false;
  CommandLine cl("calibrate",
                 {"--gpu NAME [--benchmark-json FILE]... [--vidur-mlp DIR|FILE]...",
                  "                [--vidur-network FILE]... [--exclude-model NAME] [--description TEXT] [--out FILE]",
                  "--print-shapes [--models A,B,...] [--tp 1,2,4,8]"},
                 "Fits a calibration profile for the catalog GPU NAME from measurements and writes it as JSON\n"
                 "(to stdout without --out); the simulator picks models/profiles/<gpu>.json by default.\n"
                 "Format and method: docs/calibration.md.");
  cl.text("gpu", gpu_name, "NAME", "the catalog GPU the measurements were taken on")
      .texts("benchmark-json", bench_files, "FILE", "output of gpu/kvsim_gpu_bench --benchmark_format=json")
      .texts("vidur-mlp", mlp_paths, "DIR|FILE", "Vidur *_mlp.csv operator timings (a file, or a folder of them)")
      .texts("vidur-network", network_files, "FILE", "Vidur NCCL all_reduce / send_recv CSV")
      .text("exclude-model", exclude, "NAME", "leave this model's rows out (for leave-one-model-out checks)")
      .text("description", description, "TEXT", "the profile's source.description (default: made from the inputs)")
      .text("out", out_path, "FILE", "where to write the profile (default: stdout)")
      .flag("print-shapes", print,
            "print the GEMM shapes (n, k) of catalog models, for kvsim_gpu_bench --kvsim_shapes=FILE")
      .text("models", model_list, "A,B,...", "with --print-shapes: these models (default: every model)")
      .custom("tp", "1,2,4,8", "with --print-shapes: these tensor-parallel degrees (default 1,2,4,8)",
              [&tps](const std::string& flag, const std::string& v) { tps = parse_tp_list(flag, v); });
  if (const auto rc = cl.parse(args)) return *rc;
  if (print) {
    for (const char* other : {"gpu", "benchmark-json", "vidur-mlp", "vidur-network", "exclude-model", "description", "out"})
      if (cl.given(other))
        throw InputError(std::string("--") + other + " cannot go with --print-shapes (see kvsim calibrate --help)");
    return print_shapes(split_list(model_list), tps);
  }
  if (cl.given("models") || cl.given("tp")) throw InputError("--models and --tp go with --print-shapes only");
  if (gpu_name.empty()) throw InputError("--gpu NAME is required: the catalog GPU the measurements were taken on");
  if (bench_files.empty() && mlp_paths.empty() && network_files.empty())
    throw InputError("no measurements: give --benchmark-json, --vidur-mlp or --vidur-network");

  const Catalog catalog = Catalog::open_default();
  const GpuSpec gpu = catalog.gpu(gpu_name);
  ProfileBuilder builder(gpu.name, ProfileReference::from_gpu(gpu, 4e-6));
  nlohmann::json source;
  std::vector<std::string> descriptions, files;
  std::set<std::string> models;

  for (const auto& f : bench_files) {
    const nlohmann::json results = read_json_file(f);
    const std::string device = benchmark_device_name(results);
    if (!device.empty() && !profile_matches_gpu(device, gpu))
      std::cerr << "kvsim calibrate: warning: " << f << " was measured on \"" << device << "\", calibrating "
                << gpu.name << "\n";
    const size_t n = add_benchmark_results(builder, results, f);
    files.push_back(f);
    descriptions.push_back("kvsim_gpu_bench CUDA microbenchmarks (" + std::to_string(n) + " results" +
                           (device.empty() ? std::string() : " on " + device) + ")");
  }
  if (!mlp_paths.empty()) {
    std::vector<VidurMlpRow> rows;
    for (const auto& p : mlp_paths) {
      std::error_code ec;
      auto part = std::filesystem::is_directory(p, ec) ? read_vidur_mlp_dir(p) : read_vidur_mlp_csv(p);
      for (auto& r : part)
        if (r.model != exclude) {
          files.push_back(r.where.substr(0, r.where.rfind(':')));
          models.insert(r.model);
          rows.push_back(std::move(r));
        }
    }
    add_vidur_mlp(builder, rows, gpu, &catalog);
    descriptions.push_back(
        "Vidur operator profiling of one transformer layer's non-attention operators (fp16 PyTorch/cuBLAS kernels, "
        "median of 20 timed runs)");
  }
  for (const auto& f : network_files) {
    add_vidur_collectives(builder, read_vidur_collective_csv(f));
    files.push_back(f);
  }
  if (!network_files.empty()) descriptions.push_back("Vidur NCCL collective timings");

  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  std::string joined;
  for (const auto& d : descriptions) joined += (joined.empty() ? "" : "; ") + d;
  source["description"] = description.empty() ? joined : description;
  if (!mlp_paths.empty() || !network_files.empty())
    source["origin"] =
        "microsoft/vidur data/profiling, MIT licence; Agrawal et al., \"Vidur: A Large-Scale Simulation Framework "
        "for LLM Inference\", MLSys 2024";
  source["files"] = files;
  if (!models.empty()) source["models"] = std::vector<std::string>(models.begin(), models.end());
  if (!exclude.empty()) source["excluded_model"] = exclude;
  if (bench_files.empty())
    source["not_measured"] =
        "attention (prefill and decode), memory copies and the per-step CPU overhead: the calibrated model takes "
        "them from the datasheet roofline";
  std::string command = "kvsim calibrate";
  for (const auto& a : args) command += " " + a;
  source["generated_by"] = command;

  if (builder.shortest_gemm_s() > 0) builder.set_kernel_floor_s(builder.shortest_gemm_s());
  const CalibrationProfile profile = builder.build(source);
  const std::string text = profile.to_text();
  if (out_path.empty()) std::cout << text;
  else {
    write_text(out_path, text);
    std::cerr << "kvsim calibrate: wrote " << out_path << " (" << builder.num_samples() << " samples, "
              << profile.gemms.size() << " GEMM shapes)\n";
  }
  return 0;
}

int cmd_validate_profile(const Args& args) {
  std::string dir, update, json_path, topology = "dgx", gpu_list;
  bool check = false;
  CommandLine cl("validate-profile",
                 {"--vidur DIR [--gpus h100,a100] [--topology dgx|pairwise_nvlink]",
                  "                       [--update FILE] [--json FILE] [--check]"},
                 "Leave-one-model-out validation of the calibrated model on Vidur's profiling (DIR holds\n"
                 "<gpu>/*_mlp.csv and network/): for each model, calibrate on the other models, predict it, and\n"
                 "compare with its measured medians; then the in-sample fit of the full profile. Prints the\n"
                 "markdown tables.");
  cl.text("vidur", dir, "DIR", "the folder holding <gpu>/*_mlp.csv and network/")
      .text("gpus", gpu_list, "LIST", "the GPUs' folders, comma-separated (default h100,a100)")
      .text("topology", topology, "NAME", "dgx (default) or pairwise_nvlink")
      .text("update", update, "FILE",
            "replace the part of FILE between the markers <!-- BEGIN kvsim validate-profile --> and <!-- END "
            "kvsim validate-profile --> instead of printing")
      .text("json", json_path, "FILE", "write the summary statistics")
      .flag("check", check,
            "exit 1 unless every GPU's layer-time error has a median <= 5% and a P90 <= 15% (the goal of "
            "docs/validation.md)");
  if (const auto rc = cl.parse(args)) return *rc;
  const std::vector<std::string> gpus = cl.given("gpus") ? split_list(gpu_list) : std::vector<std::string>{"h100", "a100"};
  if (dir.empty()) throw InputError("--vidur DIR is required (the folder holding <gpu>/*_mlp.csv and network/)");
  if (topology != "dgx" && topology != "pairwise_nvlink")
    throw InputError("--topology: expected dgx or pairwise_nvlink, found \"" + topology + "\"");

  const Catalog catalog = Catalog::open_default();
  ValidationReport lomo, in_sample;
  for (const auto& label : gpus) {
    const VidurGpuData data = read_vidur_gpu_data(dir, label, topology, catalog);
    validate_vidur(data, &catalog, true, topology, lomo);
    validate_vidur(data, &catalog, false, topology, in_sample);
  }
  in_sample.collectives.clear();  // the hold-out check is the same in both reports
  std::ostringstream md;
  md << "Generated by `kvsim validate-profile --vidur " << dir << " --gpus ";
  for (size_t i = 0; i < gpus.size(); ++i) md << (i ? "," : "") << gpus[i];
  md << " --topology " << topology << "` from:";
  for (const auto& f : lomo.files) md << " `" << f << "`";
  md << ".\n\n" << lomo.markdown() << "\n" << in_sample.markdown();
  bool goal_met = true;
  md << "\n#### Goal: layer-time median <= 5% and P90 <= 15% (leave-one-model-out)\n\n";
  for (const auto& gpu : lomo.gpus()) {
    const ErrorStats s = lomo.layer_stats(gpu, "");
    const bool met = s.median <= 0.05 && s.p90 <= 0.15;
    goal_met = goal_met && met;
    char line[160];
    std::snprintf(line, sizeof line, "- %s: median %.1f%%, P90 %.1f%%: %s\n", gpu.c_str(), s.median * 100,
                  s.p90 * 100, met ? "met" : "NOT met");
    md << line;
  }
  if (!update.empty()) {
    const std::string begin = "<!-- BEGIN kvsim validate-profile -->", end = "<!-- END kvsim validate-profile -->";
    std::string doc = read_text(update);
    const size_t b = doc.find(begin), e = doc.find(end);
    if (b == std::string::npos || e == std::string::npos || e < b)
      throw InputError(update + ": expected the markers " + begin + " and " + end + " around the generated part");
    doc = doc.substr(0, b + begin.size()) + "\n" + md.str() + doc.substr(e);
    write_text(update, doc);
    std::cerr << "kvsim validate-profile: updated " << update << "\n";
  } else {
    std::cout << md.str();
  }
  if (!json_path.empty()) {
    nlohmann::json j = {{"leave_one_model_out", lomo.to_json()}, {"in_sample", in_sample.to_json()}};
    write_text(json_path, j.dump(2) + "\n");
  }
  if (check && !goal_met) {
    std::cerr << "kvsim validate-profile: the accuracy goal is not met (see the tables)\n";
    return 1;
  }
  return 0;
}

}  // namespace kvsim
