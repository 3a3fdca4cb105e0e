#include "form_input_filter.h"

#include <QAbstractScrollArea>
#include <QAbstractSpinBox>
#include <QApplication>
#include <QComboBox>
#include <QKeyEvent>
#include <QLineEdit>
#include <QWheelEvent>

namespace kvsim::gui {

namespace {

bool takes_wheel(QObject* o) { return qobject_cast<QComboBox*>(o) != nullptr || qobject_cast<QAbstractSpinBox*>(o) != nullptr; }

bool is_undo_or_redo(QKeyEvent* key) {
  return key->matches(QKeySequence::Undo) || key->matches(QKeySequence::Redo) ||
         key->keyCombination() == QKeyCombination(Qt::CTRL, Qt::Key_Y) ||
         key->keyCombination() == QKeyCombination(Qt::CTRL | Qt::SHIFT, Qt::Key_Z);
}

}  // namespace

FormInputFilter::FormInputFilter(QAbstractScrollArea* scroll, QObject* parent) : QObject(parent), scroll_(scroll) {}

void FormInputFilter::install(QWidget* root) {
  for (QWidget* w : root->findChildren<QWidget*>()) {
    if (takes_wheel(w)) {
      // Focus by click or Tab only: a wheel passing over must not take focus (Qt::WheelFocus).
      w->setFocusPolicy(Qt::StrongFocus);
      w->installEventFilter(this);
    } else if (qobject_cast<QLineEdit*>(w) != nullptr) {
      w->installEventFilter(this);
    }
  }
}

bool FormInputFilter::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() == QEvent::Wheel && takes_wheel(watched)) {
    auto* w = static_cast<QWidget*>(watched);
    if (w->hasFocus()) return false;
    // The form scrolls as if the control were not there.
    QWheelEvent* wheel = static_cast<QWheelEvent*>(event);
    const QPointF at = scroll_->viewport()->mapFromGlobal(wheel->globalPosition());
    QWheelEvent forwarded(at, wheel->globalPosition(), wheel->pixelDelta(), wheel->angleDelta(), wheel->buttons(),
                          wheel->modifiers(), wheel->phase(), wheel->inverted(), wheel->source());
    QApplication::sendEvent(scroll_->viewport(), &forwarded);
    return true;
  }
  if (event->type() == QEvent::ShortcutOverride && qobject_cast<QLineEdit*>(watched) != nullptr &&
      is_undo_or_redo(static_cast<QKeyEvent*>(event))) {
    event->ignore();  // the line edit does not claim the key: the window's shortcut fires
    return true;
  }
  return false;
}

}  // namespace kvsim::gui
