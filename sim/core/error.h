// Errors that reach the user. Each says what was wrong and where (file:line or a JSON pointer),
// so the front ends can print it as is and exit non-zero.
#pragma once
#include <stdexcept>
#include <string>

namespace kvsim {

// Bad input: a scenario, a trace, a profile, a catalog entry, or a command-line flag.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
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
