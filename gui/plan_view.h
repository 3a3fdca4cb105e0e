// The Plan tab: the capacity planner (plan/planner.h, `kvsim plan`) in a form. The candidates (GPU
// types with their on-demand and spot prices, TP/PP, weight and KV dtypes, engine and KV-cache
// knobs, routers, autoscalers, prefill/decode layouts, the replica range) and the SLOs (TTFT /
// TPOT / E2E at a percentile, a minimum goodput) are edited in a form over a plan file (opened, or built on
// the scenario in the editor), run on a worker thread with progress and Cancel into an output
// folder (the CLI's files: plan.json, candidates.csv, frontier.csv, report.md with the frontier
// chart), and shown as the frontier chart (plan_chart.h) and a table sorted by cost, feasible
// candidates first (a candidate that misses an SLO is marked, never ranked cheapest). A click on
// a point or a double-click on a row opens that candidate's run: its scenario at its replica count
// goes to the editor and runs in the other views.
#pragma once
#include <atomic>
#include <memory>
#include <vector>

#include <QWidget>
#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "plan/planner.h"

class QCheckBox;
class QChartView;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QThread;

namespace kvsim::gui {

class UserPrompts;

class PlanView : public QWidget {
  Q_OBJECT

 public:
  PlanView(const Catalog& catalog, UserPrompts* prompts, QWidget* parent = nullptr);
  ~PlanView() override;  // cancels a plan in flight and waits for its worker

  // The form from a plan (plan file format, docs/plan.md); `dir` is where its relative "base"
  // resolves. Keys the form has no field for are kept as they are.
  void set_plan(const nlohmann::json& plan, const QString& dir);
  // Opens a plan file (asks for one when `path` is empty); false with an error dialog on failure.
  bool open_plan(const QString& path = QString());
  // The plan the form describes.
  nlohmann::json plan_json() const;
  // Sets the base to a scenario (the editor's), inline, resolving its relative paths against `dir`.
  void use_scenario(const nlohmann::json& scenario, const QString& dir);

  // Runs the plan into `out_dir` (asks when empty) on `jobs` threads (0: one per core); false when
  // it could not start. The plan is checked on the worker: a bad plan ends in an error dialog.
  bool run_plan(const QString& out_dir = QString(), unsigned jobs = 0);
  void cancel();
  bool busy() const { return thread_ != nullptr; }

  // The result shown (null before a plan completes).
  const std::shared_ptr<const PlanResult>& result() const { return result_; }
  // The table's rows in display order: indices into the shown growth's candidates.
  const std::vector<size_t>& row_order() const { return rows_; }
  // Opens candidate `index` of the shown growth factor: emits candidate_opened.
  void open_candidate(size_t index);
  // The candidate drawn nearest to (usd_per_hour, value) in the chart; -1 when none.
  long candidate_at(double usd_per_hour, double value) const;

  QTableWidget* table() const { return table_; }
  QChartView* chart_view() const { return chart_view_; }
  QComboBox* growth_box() const { return growth_box_; }
  // The GPU types: column 0 checkable (the catalog name in Qt::UserRole), 1 the on-demand and 2 the
  // spot $/GPU-hour (empty: the plan's default), editable.
  QTableWidget* gpu_table() const { return gpus_; }
  // The check box of `value` in the list of candidates.`key` ("kv_dtype", "router", ...); null
  // when the form has none.
  QCheckBox* choice_box(const std::string& key, const nlohmann::json& value) const;
  // The comma lists of candidates.max_num_seqs / max_num_batched_tokens.
  QLineEdit* integer_list(const std::string& key) const;
  // One autoscaler / prefill-decode layout a line (plan_form_lines.h).
  QPlainTextEdit* autoscaling_edit() const { return autoscaling_; }
  QPlainTextEdit* disaggregation_edit() const { return disaggregation_; }
  QProgressBar* progress_bar() const { return progress_; }
  QLabel* status_label() const { return status_; }
  QLabel* recommendation_label() const { return recommendation_; }
  QPushButton* cancel_button() const { return cancel_button_; }

 signals:
  void plan_ended(bool complete);
  // A candidate's run to open: its scenario (relative paths made absolute) and a run name.
  void candidate_opened(const nlohmann::json& scenario, const QString& name);

 private:
  void show_result(std::shared_ptr<const PlanResult> result);
  void show_growth(int index);
  void build_form();
  // The catalog name of a candidates.gpus entry (a name, an alias or {"name": ...}).
  std::string gpu_name(const nlohmann::json& entry) const;

  const Catalog& catalog_;
  UserPrompts* prompts_;
  nlohmann::json plan_ = nlohmann::json::object();
  QString dir_;
  QLineEdit* base_;
  QTableWidget* gpus_;
  // A candidate list offered as check boxes: candidates.<key> holds the ticked values.
  struct ChoiceRow {
    std::string key;
    std::vector<QCheckBox*> boxes;
    std::vector<nlohmann::json> values;
  };
  std::vector<ChoiceRow> choice_rows_;
  std::vector<std::pair<std::string, QLineEdit*>> integer_lists_;
  QPlainTextEdit *autoscaling_, *disaggregation_;
  struct SloRow {
    std::string metric;
    QCheckBox* on;
    QComboBox* stat;
    QLineEdit* max_s;
  };
  std::vector<SloRow> slo_rows_;
  QLineEdit* min_goodput_;
  QSpinBox *min_replicas_, *max_replicas_, *seeds_;
  QLineEdit* growth_;
  QComboBox* growth_box_;
  QChartView* chart_view_;
  QTableWidget* table_;
  QLabel* recommendation_;
  QProgressBar* progress_;
  QLabel* status_;
  QPushButton *open_button_, *editor_button_, *run_button_, *cancel_button_;
  QThread* thread_ = nullptr;
  std::shared_ptr<std::atomic<bool>> cancel_;
  std::shared_ptr<const PlanResult> result_;
  int growth_index_ = 0;
  std::vector<size_t> rows_;

 public:
  // Set by the window: the scenario in the editor and its folder, for "Use the editor's scenario".
  std::function<std::pair<nlohmann::json, QString>()> editor_scenario;
};

}  // namespace kvsim::gui
