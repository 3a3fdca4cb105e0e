// A sweep: a base scenario and axes of JSON pointers with the values each takes, combined as a
// product (every combination) or zipped (value i of every axis together), times a list of seeds.
// Read from JSON (format in docs/sweep.md); every problem is reported with its JSON pointer.
// Enumeration is deterministic: the same file always gives the same points, in the same order,
// with the same hashes (a point's hash is the hash of its resolved scenario JSON).
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace kvsim {

struct SweepAxis {
  std::vector<std::string> pointers;  // every value is written at each of them
  std::vector<nlohmann::json> values;
};

struct SweepSpec {
  std::string name;
  nlohmann::json base;            // the base scenario, inlined
  std::string base_dir;           // where the base's relative paths (traces) resolve
  std::vector<SweepAxis> axes;    // the seed axis, if any, is last
  bool zip = false;               // zip the axes before the seed axis; else their product
  bool has_seed_axis = false;     // the last axis is "seeds" (always a product with the others)

  // The sweep as written into DIR/sweep.json: a sweep file again, base inlined, ranges expanded.
  nlohmann::json to_json() const;
};

// One point: its overrides (pointer, value) in axis order, and the hash of its resolved scenario.
struct SweepPoint {
  size_t index = 0;
  std::vector<std::pair<std::string, nlohmann::json>> overrides;
  std::string hash;
};

// Parses a sweep; `where` prefixes errors (the file's name), `dir` is where a relative "base"
// file is found. Throws InputError listing every problem with its JSON pointer.
SweepSpec parse_sweep(const nlohmann::json& j, const std::string& dir, const std::string& where = "sweep");
SweepSpec load_sweep(const std::string& path);

// The points, in order: the last axis varies fastest. Throws InputError when the sweep has more
// than kMaxSweepPoints points.
constexpr size_t kMaxSweepPoints = 10'000'000;
std::vector<SweepPoint> enumerate_points(const SweepSpec& spec);
// The base with the point's overrides applied. Throws InputError when an override cannot be
// applied (a pointer through a number, an array index past its end).
nlohmann::json resolve_point(const SweepSpec& spec, const SweepPoint& point);
// FNV-1a (64 bits, 16 hex digits) of the JSON's compact dump (object keys sorted).
std::string scenario_hash(const nlohmann::json& resolved);
// {"/pointer": value, ...} (keys sorted), for the results files.
nlohmann::json overrides_json(const SweepPoint& point);

}  // namespace kvsim
