// Whole-file writes that never leave half a file: the text goes to PATH.partial, which is renamed
// over PATH once written. A failure removes the partial file and throws IoError naming the path.
#pragma once
#include <string>

namespace kvsim {

void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace kvsim
