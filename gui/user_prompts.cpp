#include "user_prompts.h"

#include <QFileDialog>
#include <QMessageBox>

namespace kvsim::gui {

namespace {

class DialogPrompts final : public UserPrompts {
 public:
  SaveChoice ask_save_changes(QWidget* parent, const QString& what) override {
    const auto answer = QMessageBox::warning(parent, "Unsaved changes",
                                             what + " has unsaved changes. Save them first?",
                                             QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel,
                                             QMessageBox::Save);
    if (answer == QMessageBox::Save) return SaveChoice::kSave;
    if (answer == QMessageBox::Discard) return SaveChoice::kDiscard;
    return SaveChoice::kCancel;
  }

  bool confirm(QWidget* parent, const QString& title, const QString& question) override {
    return QMessageBox::question(parent, title, question, QMessageBox::Yes | QMessageBox::No, QMessageBox::No) ==
           QMessageBox::Yes;
  }

  void show_error(QWidget* parent, const QString& title, const QString& message) override {
    QMessageBox box(QMessageBox::Critical, title, message.section('\n', 0, 0), QMessageBox::Ok, parent);
    if (message.contains('\n')) box.setDetailedText(message);
    box.setInformativeText(message.contains('\n') ? message.section('\n', 1).trimmed() : QString());
    box.setTextInteractionFlags(Qt::TextSelectableByMouse);
    box.exec();
  }

  QString open_file(QWidget* parent, const QString& title, const QString& dir, const QString& filter) override {
    return QFileDialog::getOpenFileName(parent, title, dir, filter);
  }

  QString save_file(QWidget* parent, const QString& title, const QString& suggested, const QString& filter) override {
    return QFileDialog::getSaveFileName(parent, title, suggested, filter);
  }

  QString choose_folder(QWidget* parent, const QString& title, const QString& dir) override {
    return QFileDialog::getExistingDirectory(parent, title, dir);
  }
};

}  // namespace

std::unique_ptr<UserPrompts> make_dialog_prompts() { return std::make_unique<DialogPrompts>(); }

}  // namespace kvsim::gui
