// Every question the application asks the user, behind one interface: the window asks through
// it, the real implementation shows Qt dialogs, and the tests answer with a script (a modal dialog
// would stall a headless test).
#pragma once
#include <memory>

#include <QString>

class QWidget;

namespace kvsim::gui {

class UserPrompts {
 public:
  enum class SaveChoice { kSave, kDiscard, kCancel };

  virtual ~UserPrompts() = default;
  // "<what> has unsaved changes": save them, discard them, or cancel what was about to happen.
  virtual SaveChoice ask_save_changes(QWidget* parent, const QString& what) = 0;
  // A yes/no question; true for yes.
  virtual bool confirm(QWidget* parent, const QString& title, const QString& question) = 0;
  virtual void show_error(QWidget* parent, const QString& title, const QString& message) = 0;
  // File and folder choosers; "" when the user cancels.
  virtual QString open_file(QWidget* parent, const QString& title, const QString& dir, const QString& filter) = 0;
  virtual QString save_file(QWidget* parent, const QString& title, const QString& suggested,
                            const QString& filter) = 0;
  virtual QString choose_folder(QWidget* parent, const QString& title, const QString& dir) = 0;
};

// Message boxes and file dialogs.
std::unique_ptr<UserPrompts> make_dialog_prompts();

}  // namespace kvsim::gui
