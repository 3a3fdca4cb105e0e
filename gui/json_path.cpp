#include "json_path.h"

#include <cstdlib>

namespace kvsim::gui {

namespace {

std::string unescape(const std::string& token) {
  std::string out;
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out += token[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

bool parse_index(const std::string& token, size_t& index) {
  if (token.empty() || token.size() > 18) return false;
  for (char c : token)
    if (c < '0' || c > '9') return false;
  index = static_cast<size_t>(std::strtoull(token.c_str(), nullptr, 10));
  return true;
}

Json* child(Json& node, const std::string& token) {
  if (node.is_object()) {
    auto it = node.find(token);
    return it == node.end() ? nullptr : &*it;
  }
  size_t index = 0;
  if (node.is_array() && parse_index(token, index) && index < node.size()) return &node[index];
  return nullptr;
}

// Erases tokens[depth] below `node`; returns true when `node` is left an empty object.
bool erase_below(Json& node, const std::vector<std::string>& tokens, size_t depth) {
  const std::string& token = tokens[depth];
  if (depth + 1 == tokens.size()) {
    if (node.is_object()) node.erase(token);
    return node.is_object() && node.empty();
  }
  Json* next = child(node, token);
  if (next == nullptr) return false;
  if (erase_below(*next, tokens, depth + 1) && node.is_object()) node.erase(token);
  return node.is_object() && node.empty();
}

}  // namespace

std::vector<std::string> pointer_tokens(const std::string& pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty() || pointer == "/") return tokens;
  size_t start = pointer[0] == '/' ? 1 : 0;
  while (true) {
    const size_t slash = pointer.find('/', start);
    tokens.push_back(unescape(pointer.substr(start, slash == std::string::npos ? std::string::npos : slash - start)));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return tokens;
}

std::string pointer_join(const std::string& parent, const std::string& key) {
  std::string escaped;
  for (char c : key) {
    if (c == '~') escaped += "~0";
    else if (c == '/') escaped += "~1";
    else escaped += c;
  }
  return (parent == "/" ? std::string() : parent) + "/" + escaped;
}

bool pointer_has_prefix(const std::string& pointer, const std::string& prefix) {
  if (prefix.empty() || prefix == "/") return true;
  if (pointer.compare(0, prefix.size(), prefix) != 0) return false;
  return pointer.size() == prefix.size() || pointer[prefix.size()] == '/';
}

const Json* json_find(const Json& root, const std::string& pointer) {
  const Json* node = &root;
  for (const auto& token : pointer_tokens(pointer)) {
    node = child(const_cast<Json&>(*node), token);
    if (node == nullptr) return nullptr;
  }
  return node;
}

void json_set(Json& root, const std::string& pointer, Json value) {
  Json* node = &root;
  for (const auto& token : pointer_tokens(pointer)) {
    size_t index = 0;
    if (node->is_array() && parse_index(token, index) && index < node->size()) {
      node = &(*node)[index];
      continue;
    }
    if (!node->is_object()) *node = Json::object();
    node = &(*node)[token];
  }
  *node = std::move(value);
}

void json_erase(Json& root, const std::string& pointer) {
  const auto tokens = pointer_tokens(pointer);
  if (tokens.empty()) {
    root = Json::object();
    return;
  }
  erase_below(root, tokens, 0);
}

void json_assign(Json& root, const std::string& pointer, const std::optional<Json>& value) {
  if (value) json_set(root, pointer, *value);
  else json_erase(root, pointer);
}

}  // namespace kvsim::gui
