// Errors that reach the user. Each says what was wrong and where (file:line or a JSON pointer),
// so the front ends can print it as is and exit non-zero.
#pragma once
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace kvsim {

// One problem of an input, with the JSON pointer of the field it is about.
struct InputIssue {
  std::string pointer;  // "/engine/max_num_seqs"; "/" for the document itself
  std::string message;  // what follows "<pointer>: " in the error's text
  std::string text() const { return pointer.empty() ? message : pointer + ": " + message; }
};

// Bad input: a scenario, a trace, a profile, a catalog entry, or a command-line flag.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
  // `message` as the user reads it; `issues` the same problems one by one, for a front end that
  // shows each next to its field (ErrorList::throw_if_any makes both).
  InputError(const std::string& message, std::vector<InputIssue> issues)
      : std::runtime_error(message), issues_(std::make_shared<const std::vector<InputIssue>>(std::move(issues))) {}
  // Empty when the error names no field.
  const std::vector<InputIssue>& issues() const { return issues_ ? *issues_ : kNone; }

 private:
  std::shared_ptr<const std::vector<InputIssue>> issues_;  // shared: copying an exception never throws
  static inline const std::vector<InputIssue> kNone{};
};

// A file could not be read, written or renamed (permissions, a full disk, a folder in use). It is
// reported like bad input: the user fixes the path or frees the folder.
class IoError : public InputError {
 public:
  explicit IoError(const std::string& message) : InputError(message) {}
};

// A run stopped on request (cancel flag); outputs are not published.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("run cancelled") {}
};

}  // namespace kvsim
