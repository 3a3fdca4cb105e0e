// The output folder of one run. Opening it takes an exclusive lock (flock on DIR/.kvsim.lock,
// held until the folder is closed, then removed), so a second run into the same folder refuses at
// once instead of interleaving its files with the first's. Outputs are written into a private
// staging folder (DIR/.kvsim-staging) and moved into DIR by publish() only when the run completes:
// until then DIR holds the previous run's results untouched, and a failed or cancelled run leaves
// the folder as it found it. (A killed run leaves the two hidden entries; the next run clears them.)
#pragma once
#include <string>
#include <vector>

namespace kvsim {

class OutputFolder {
 public:
  // Creates `dir` if missing, locks it and empties a staging folder left by a killed run. Throws
  // IoError if the folder cannot be created or another run holds it.
  explicit OutputFolder(const std::string& dir);
  OutputFolder(const OutputFolder&) = delete;
  OutputFolder& operator=(const OutputFolder&) = delete;
  // Removes the staging folder and the lock file, and releases the lock.
  ~OutputFolder();

  const std::string& dir() const { return dir_; }
  // Where the output `name` is written before it is published.
  std::string staged(const std::string& name) const;
  // Moves each staged file into the folder, in order (the last, summary.json, marks the result
  // complete), after removing the previous `names.back()`. Throws IoError if a move fails.
  void publish(const std::vector<std::string>& names);

 private:
  std::string dir_, staging_, lock_path_;
  int lock_fd_ = -1;
};

}  // namespace kvsim
