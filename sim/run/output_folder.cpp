#include "run/output_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace kvsim {

namespace fs = std::filesystem;

OutputFolder::OutputFolder(const std::string& dir) : dir_(dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw IoError("cannot create output folder " + dir + (ec ? ": " + ec.message() : ": a file of that name exists"));
  lock_path_ = (fs::path(dir) / ".kvsim.lock").string();
  // The lock file is removed when the folder is closed. A run that opened it just before could
  // then lock a file no longer in the folder: the lock counts only if the path still names it.
  for (;;) {
    lock_fd_ = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd_ < 0) throw IoError("cannot create " + lock_path_ + ": " + std::strerror(errno));
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(lock_fd_);
      lock_fd_ = -1;
      throw IoError(err == EWOULDBLOCK ? "output folder " + dir + " is in use by another kvsim run; wait for it "
                                         "to finish or choose another --out folder"
                                       : "cannot lock " + lock_path_ + ": " + std::strerror(err));
    }
    struct stat held {}, named {};
    if (::fstat(lock_fd_, &held) == 0 && ::stat(lock_path_.c_str(), &named) == 0 && held.st_ino == named.st_ino &&
        held.st_dev == named.st_dev)
      break;
    ::close(lock_fd_);  // removed by the run that held it: try the new one
  }
  staging_ = (fs::path(dir) / ".kvsim-staging").string();
  fs::remove_all(staging_, ec);
  fs::create_directory(staging_, ec);
  if (ec) {
    ::unlink(lock_path_.c_str());
    ::close(lock_fd_);
    throw IoError("cannot create " + staging_ + ": " + ec.message());
  }
}

OutputFolder::~OutputFolder() {
  std::error_code ec;
  if (!staging_.empty()) fs::remove_all(staging_, ec);
  if (lock_fd_ >= 0) {
    ::unlink(lock_path_.c_str());  // the folder is left as the run found it
    ::close(lock_fd_);             // releases the lock
  }
}

std::string OutputFolder::staged(const std::string& name) const { return (fs::path(staging_) / name).string(); }

void OutputFolder::publish(const std::vector<std::string>& names) {
  if (names.empty()) return;
  std::error_code ec;
  // The old marker of a complete result goes first: the folder never pairs it with new files.
  fs::remove(fs::path(dir_) / names.back(), ec);
  for (const std::string& name : names) {
    const fs::path to = fs::path(dir_) / name;
    fs::rename(staged(name), to, ec);
    if (ec) throw IoError("cannot move " + staged(name) + " to " + to.string() + ": " + ec.message());
  }
}

}  // namespace kvsim
