#include "core/excerpt.h"

#include <cstdio>

namespace kvsim {

std::string quoted_excerpt(std::string_view s, size_t max_chars) {
  const bool cut = s.size() > max_chars;
  if (cut) s = s.substr(0, max_chars > 3 ? max_chars - 3 : max_chars);
  std::string q = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      q += '\\';
      q += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      q += buf;
    } else {
      q += c;
    }
  }
  if (cut) q += "...";
  q += '"';
  return q;
}

}  // namespace kvsim
