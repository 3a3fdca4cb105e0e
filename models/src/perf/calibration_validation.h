// Validation of the calibrated model against real measurements it was not calibrated on.
//
// Leave one model out: for each model of a GPU's Vidur profiling, build a profile from the OTHER
// models' rows (and the collectives), then predict every operator of the held-out model at every
// measured token count and tensor-parallel degree through CalibratedStepModel::breakdown(), the
// same path a simulation takes. The layer time compared is the sum of the operators Vidur timed
// (its files have no attention or all-reduce); errors are |predicted / measured - 1|.
// Collectives are checked by holding out every other message size of each measured curve.
// `kvsim validate-profile` prints or writes these tables; docs/validation.md holds them.
#pragma once
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "perf/vidur_import.h"

namespace kvsim {

// |relative error| statistics; quantiles interpolate linearly between order statistics (the
// definition numpy's percentile uses by default).
struct ErrorStats {
  size_t count = 0;
  double median = 0, p90 = 0, max = 0;
};
ErrorStats error_stats(std::vector<double> abs_errors);

struct ValidationPoint {
  std::string gpu, model;
  uint32_t tp = 1, tokens = 0;
  double measured_layer_ms = 0, predicted_layer_ms = 0;
  std::array<double, kNumVidurOps> measured_ms{};   // 0: not measured
  std::array<double, kNumVidurOps> predicted_ms{};
  double layer_error() const { return std::abs(predicted_layer_ms / measured_layer_ms - 1); }
};

struct CollectiveCheck {
  std::string gpu;
  CollectiveOp op = CollectiveOp::kAllReduce;
  uint32_t ranks = 2, ranks_per_node = 2;
  ErrorStats stats;
};

// One GPU's Vidur data: `label` is the folder name ("h100"), `gpu` the catalog entry.
struct VidurGpuData {
  std::string label;
  GpuSpec gpu;
  std::vector<VidurMlpRow> mlp;
  std::vector<VidurCollectiveRow> collectives;
  std::vector<std::string> files;  // what was read, for the report
};

// Reads <dir>/<label>/*_mlp.csv and <dir>/network/<label>_<topology>_{all_reduce,send_recv}.csv
// (topology "dgx" or "pairwise_nvlink"); the GPU is looked up in `catalog` by `label`.
VidurGpuData read_vidur_gpu_data(const std::string& dir, const std::string& label, const std::string& topology,
                                 const Catalog& catalog);

// A profile of `data`'s GPU from its rows, leaving out the rows of `exclude_model` ("" keeps all).
CalibrationProfile vidur_profile(const VidurGpuData& data, const Catalog* catalog, const std::string& exclude_model,
                                 const std::string& topology);

struct ValidationReport {
  std::vector<ValidationPoint> points;
  std::vector<CollectiveCheck> collectives;
  std::vector<std::string> files;
  bool leave_one_model_out = true;

  // Layer-time error over the points matching `gpu` and `model` ("" matches all).
  ErrorStats layer_stats(const std::string& gpu, const std::string& model) const;
  ErrorStats op_stats(const std::string& gpu, const std::string& model, VidurOp op) const;
  std::vector<std::string> gpus() const;
  std::vector<std::string> models(const std::string& gpu) const;
  nlohmann::json to_json() const;  // summary statistics (not every point)
  std::string markdown() const;    // the tables of docs/validation.md
};

// Predicts the rows of `model` ("" for all) with `profile` and adds the points to `report`.
void predict_vidur_rows(std::shared_ptr<const CalibrationProfile> profile, const VidurGpuData& data,
                        const std::string& model, const Catalog* catalog, ValidationReport& report);

// Adds `data`'s points (and collective checks) to `report`. With leave_one_model_out false every
// model is predicted from a profile that includes it (the shipped profiles' in-sample fit).
void validate_vidur(const VidurGpuData& data, const Catalog* catalog, bool leave_one_model_out,
                    const std::string& topology, ValidationReport& report);

}  // namespace kvsim
