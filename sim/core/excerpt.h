// Short, printable quotations of user input for error messages. A message quotes at most a few
// dozen characters of what it found, however long the input, and never raw control bytes: a 10 MB
// field or a line of binary costs the message no more than a short one.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace kvsim {

constexpr size_t kExcerptChars = 40;

// `s` in double quotes, cut to `max_chars` with "..." when longer; " and \ are escaped with a
// backslash, bytes below 0x20 and 0x7f written as \xNN.
std::string quoted_excerpt(std::string_view s, size_t max_chars = kExcerptChars);

}  // namespace kvsim
