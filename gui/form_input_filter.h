// Keeps the form's controls from acting on input meant for the form as a whole:
//  - a mouse wheel over a drop-down or spin box that does not have keyboard focus scrolls the form
//    instead of changing the value (scrolling past "chunked prefill" must not flip it);
//  - Ctrl+Z / Ctrl+Shift+Z (Ctrl+Y) in a line edit reach the window's Undo and Redo, which undo
//    the form's edits in the scenario, rather than the line edit's own, shorter history.
// One filter serves every control of a form: install() sets it on all of them.
#pragma once
#include <QObject>

class QAbstractScrollArea;
class QWidget;

namespace kvsim::gui {

class FormInputFilter : public QObject {
  Q_OBJECT

 public:
  // Filters the drop-downs, spin boxes and line edits under `root`; wheel events they do not take
  // go to `scroll`.
  FormInputFilter(QAbstractScrollArea* scroll, QObject* parent = nullptr);
  void install(QWidget* root);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  QAbstractScrollArea* scroll_;
};

}  // namespace kvsim::gui
