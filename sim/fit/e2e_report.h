// Markdown tables of an end-to-end evaluation (fit/fit.h): predicted against measured client
// figures per run and stage, the median absolute errors against the goals of docs/validation-e2e.md,
// and the fitted terms. Used by `kvsim fit --report`.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "fit/fit.h"

namespace kvsim {

// The accuracy goals (median absolute relative error over all stages), by figure index
// (kFigureNames); NaN where a figure has no goal.
std::array<double, kNumFigures> e2e_goals();
// True when every goal is met and no stage's regime (saturated or held) was predicted wrong.
bool e2e_goals_met(const Evaluation& ev);

// "| figure | median error | goal | met |" rows and the regime line.
std::string e2e_headline_markdown(const Evaluation& ev);
// One row per run and stage: predicted / measured (error) for every figure.
std::string e2e_table_markdown(const Evaluation& ev);
// The fitted values: one row per fit (label), one column per parameter.
std::string fitted_terms_markdown(const std::vector<FitParameter>& params,
                                  const std::vector<std::pair<std::string, FitResult>>& fits);

}  // namespace kvsim
