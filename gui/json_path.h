// Reading and writing one value of a scenario document by JSON pointer ("/engine/max_num_seqs"),
// as the form does for each of its fields. Writing creates the objects on the way; erasing removes
// the key and then every object on the way that it left empty, so clearing a field leaves no
// "engine": {} behind. The document keeps the user's key order (ordered_json), so a file saved
// from the GUI differs from the one opened only where it was edited.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kvsim::gui {

using Json = nlohmann::ordered_json;

// The unescaped reference tokens of `pointer` ("/a~1b/c" -> {"a/b", "c"}); "" and "/" -> {}.
std::vector<std::string> pointer_tokens(const std::string& pointer);
// `parent` + "/" + the escaped `key`.
std::string pointer_join(const std::string& parent, const std::string& key);
// True when `prefix` is `pointer` or one of its ancestors, token by token ("/a" is not a prefix
// of "/ab").
bool pointer_has_prefix(const std::string& pointer, const std::string& prefix);

// The value at `pointer`, or nullptr when a token is missing or walks into a non-container.
const Json* json_find(const Json& root, const std::string& pointer);
// Sets the value at `pointer`, turning anything in the way that is not an object into one.
// Array elements are addressed by index and must exist.
void json_set(Json& root, const std::string& pointer, Json value);
// Removes the value at `pointer` (nothing happens when it is absent) and the objects it empties.
void json_erase(Json& root, const std::string& pointer);
// json_set for a value, json_erase for nullopt.
void json_assign(Json& root, const std::string& pointer, const std::optional<Json>& value);

}  // namespace kvsim::gui
