// The scenario as a form: one group per section of the format (docs/scenario.md), one control
// per field, drop-downs filled from the catalogs and the policy registries. The form reads and
// writes the document through FieldBindings; it holds no scenario state of its own.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <QElapsedTimer>
#include <QPointer>
#include <QWidget>

#include "catalog/catalog.h"
#include "form_fields.h"
#include "scenario_document.h"

class QScrollArea;

namespace kvsim::gui {

class UserPrompts;

class ScenarioForm : public QWidget {
  Q_OBJECT

 public:
  ScenarioForm(ScenarioDocument* document, const Catalog& catalog, UserPrompts* prompts, QWidget* parent = nullptr);

  // Shows the document's values in every control.
  void refresh();
  // Hands each issue to the field or section with the longest pointer at or above the issue's;
  // returns those no field took (e.g. a key at the top level).
  std::vector<Issue> show_issues(const std::vector<Issue>& issues);
  // The scroll area holding the groups.
  QScrollArea* scroll_area() const { return scroll_; }
  // Scrolls to the field that takes `pointer` and gives it focus; false when there is none.
  bool focus_pointer(const std::string& pointer);
  // The binding that takes `pointer` (nullptr when none); for tests and focus.
  FieldBinding* binding_for(const std::string& pointer) const;
  // The binding whose pointer is exactly `pointer`.
  FieldBinding* field(const std::string& pointer) const;

 private:
  template <typename T, typename... Args>
  T* add(Args&&... args);
  QWidget* build_general();
  QWidget* build_hardware();
  QWidget* build_fleet();
  QWidget* build_engine();
  QWidget* build_kv_cache();
  QWidget* build_perf_model();
  QWidget* build_workload();
  QWidget* build_synthetic();
  QWidget* build_trace();
  QWidget* build_shared_prefix();
  QWidget* build_slo_and_cost();
  void browse_trace();
  std::vector<Issue> assign_issues(const std::vector<Issue>& issues);
  // The control whose place on screen must not change while messages come and go.
  QWidget* anchor_widget() const;
  // Scrolls so that the pinned control is back where it was when the messages changed.
  void keep_pinned();
  bool eventFilter(QObject* watched, QEvent* event) override;

  ScenarioDocument* document_;
  const Catalog& catalog_;
  UserPrompts* prompts_;
  Writer writer_;
  QScrollArea* scroll_;
  std::vector<std::unique_ptr<FieldBinding>> bindings_;
  QPointer<QWidget> pinned_;  // the control kept in place while messages change
  int pinned_y_ = 0;          // its place in the viewport
  QElapsedTimer pin_clock_;   // since the messages last changed
  QString replicas_placeholder_;  // /cluster/replicas' own, shown without two pools
};

}  // namespace kvsim::gui
