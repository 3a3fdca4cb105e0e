// The Plan form's one-line entries for the plan's object axes (docs/plan.md), so that a planner
// types "concurrency 24 min_replicas=1" or "1:3 link=nvlink" instead of JSON:
// - candidates.autoscaling: "fixed" (null, a fixed fleet), or a policy, an optional target and
//   key=value pairs: "concurrency 24 min_replicas=1 cooldown_s=60" is
//   {"policy": "concurrency", "target": 24, "min_replicas": 1, "cooldown_s": 60}.
// - candidates.disaggregation: "colocated" (null, the base's layout), or "P:D" and key=value pairs,
//   the kv_transfer keys (link, gpu_gb_per_s, overlap, ...) going into "kv_transfer":
//   "1:3 first_token=prefill link=nvlink" is
//   {"ratio": "1:3", "first_token": "prefill", "kv_transfer": {"link": "nvlink"}}.
// Any line may also be a JSON value; an entry these forms cannot say (a schedule, a pool's own
// settings) is shown as JSON. A line that is neither is passed on as a string, for the plan's
// parser to report with its pointer.
#pragma once
#include <string>

#include <QString>
#include <nlohmann/json.hpp>

namespace kvsim::gui {

// The entries of a text box, one a line (blank lines skipped); `none` is the null entry's word.
nlohmann::json autoscaling_entries(const QString& text);
nlohmann::json disaggregation_entries(const QString& text);
// The lines of a list of entries (a non-list gives no lines).
QString autoscaling_lines(const nlohmann::json& entries);
QString disaggregation_lines(const nlohmann::json& entries);

}  // namespace kvsim::gui
