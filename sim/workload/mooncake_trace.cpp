#include "workload/mooncake_trace.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json_reader.h"
#include "core/json_text.h"
#include "workload/stream_ids.h"
#include "workload/text_number.h"

namespace kvsim {

namespace {

using nlohmann::json;

constexpr double kMaxMs = 9.2e12;  // INT64_MAX ns is about 9.22e12 ms

// The fields of one line, checked.
struct MooncakeRow {
  bool has_timestamp = false;
  SimTime timestamp = 0;
  uint32_t input_length = 0;
  uint32_t output_length = 0;
  bool has_hash_ids = false;
  std::vector<uint64_t>* hash_ids = nullptr;  // reused between lines
};

// The fast path: nlohmann's SAX parser straight into MooncakeRow, with no JSON tree. It gives up
// (returns false) on anything unexpected, and the line is then read again through the tree by
// DomReader, which explains exactly what is wrong.
class FastReader {
 public:
  explicit FastReader(MooncakeRow& row) : row_(row) {}

  bool parse(std::string_view line) {
    row_.hash_ids->clear();
    return json::sax_parse(line.begin(), line.end(), this) && depth_ == 0 && seen_object_ &&
           has_input_ && has_output_ && row_.input_length >= 1;
  }

  // The SAX interface.
  bool null() { return depth_ == 1 ? clear_field() : depth_ > 1; }
  bool boolean(bool) { return depth_ > 1 ? !in_ids_ : field_ == Field::kOther; }
  bool string(std::string&) { return depth_ > 1 ? !in_ids_ : field_ == Field::kOther; }
  bool binary(json::binary_t&) { return false; }
  bool number_integer(int64_t v) {
    if (v >= 0) return number_unsigned(static_cast<uint64_t>(v));
    return depth_ > 1 ? !in_ids_ : field_ == Field::kOther;
  }
  bool number_unsigned(uint64_t v) {
    if (depth_ > 1) {
      if (in_ids_ && depth_ == 2) row_.hash_ids->push_back(v);
      return true;
    }
    switch (field_) {
      case Field::kTimestamp:
        if (v > static_cast<uint64_t>(kMaxMs)) return false;
        row_.timestamp = static_cast<SimTime>(v) * 1'000'000;
        return row_.has_timestamp = true;
      case Field::kInput:
        if (v > UINT32_MAX) return false;
        row_.input_length = static_cast<uint32_t>(v);
        return has_input_ = true;
      case Field::kOutput:
        if (v > UINT32_MAX) return false;
        row_.output_length = static_cast<uint32_t>(v);
        return has_output_ = true;
      case Field::kOther: return true;
      default: return false;
    }
  }
  bool number_float(double v, const std::string&) {
    if (depth_ > 1) return !in_ids_;
    if (field_ == Field::kOther) return true;
    if (field_ != Field::kTimestamp || !std::isfinite(v) || v < 0 || v > kMaxMs) return false;
    row_.timestamp = static_cast<SimTime>(std::llround(v * 1e6));
    return row_.has_timestamp = true;
  }
  bool start_object(std::size_t) {
    if (depth_ >= kMaxJsonDepth) return false;  // DomReader says why
    if (depth_ == 0) seen_object_ = true;
    else if (depth_ == 1 ? field_ != Field::kOther : in_ids_) return false;
    ++depth_;
    return true;
  }
  bool end_object() {
    --depth_;
    return true;
  }
  bool key(std::string& k) {
    if (depth_ != 1) return true;
    field_ = k == "timestamp"       ? Field::kTimestamp
             : k == "input_length"  ? Field::kInput
             : k == "output_length" ? Field::kOutput
             : k == "hash_ids"      ? Field::kHashIds
                                    : Field::kOther;
    return true;
  }
  bool start_array(std::size_t) {
    if (depth_ == 0 || depth_ >= kMaxJsonDepth) return false;
    if (depth_ == 1) {
      if (field_ == Field::kHashIds) {
        in_ids_ = true;
        row_.has_hash_ids = true;
      } else if (field_ != Field::kOther) {
        return false;
      }
    } else if (in_ids_) {
      return false;
    }
    ++depth_;
    return true;
  }
  bool end_array() {
    if (--depth_ == 1) in_ids_ = false;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

 private:
  enum class Field { kTimestamp, kInput, kOutput, kHashIds, kOther };

  bool clear_field() {  // a null field reads as an absent one
    if (field_ == Field::kTimestamp) row_.has_timestamp = false;
    if (field_ == Field::kInput) has_input_ = false;
    if (field_ == Field::kOutput) has_output_ = false;
    if (field_ == Field::kHashIds) row_.has_hash_ids = false;
    return true;
  }

  MooncakeRow& row_;
  int depth_ = 0;
  Field field_ = Field::kOther;
  bool in_ids_ = false;
  bool seen_object_ = false;
  bool has_input_ = false;
  bool has_output_ = false;
};

// The slow path: the line as a JSON tree, every problem reported with the line and the field.
class DomReader {
 public:
  DomReader(std::string_view line, const LineReader& lines) : lines_(lines) {
    JsonTextError error;
    if (!try_parse_json_text(line, j_, error)) {
      const std::string column = "column " + std::to_string(error.column);
      fail(error.kind == JsonTextError::Kind::kSyntax ? "invalid JSON at " + column + ": " + error.detail
                                                      : column + ": " + error.detail);
    }
    if (!j_.is_object()) fail("expected one JSON object per line, found " + describe_json(j_));
  }

  void read(MooncakeRow& row, bool need_timestamp) const {
    row.has_timestamp = find("timestamp") != nullptr;
    if (need_timestamp || row.has_timestamp) row.timestamp = millis("timestamp");
    row.input_length = tokens("input_length", 1);
    row.output_length = tokens("output_length", 0);
    row.hash_ids->clear();
    const json* ids = find("hash_ids");
    row.has_hash_ids = ids != nullptr;
    if (!ids) return;
    if (!ids->is_array()) fail("hash_ids: expected an array of block ids, found " + describe_json(*ids));
    for (const json& id : *ids) {
      if (!id.is_number_unsigned())
        fail("hash_ids: expected non-negative integer block ids, found " + describe_json(id) +
             " at index " + std::to_string(row.hash_ids->size()));
      row.hash_ids->push_back(id.get<uint64_t>());
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw InputError(lines_.where() + ": " + what); }

  const json* find(const char* name) const {
    auto it = j_.find(name);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }

  const json& get(const char* name) const {
    if (const json* v = find(name)) return *v;
    fail(std::string("missing field \"") + name + "\"");
  }

  uint32_t tokens(const char* name, uint32_t min) const {
    const json& v = get(name);
    if (!v.is_number_unsigned() || v.get<uint64_t>() < min || v.get<uint64_t>() > UINT32_MAX)
      fail(std::string(name) + ": expected an integer token count in [" + std::to_string(min) +
           ", 2^32), found " + describe_json(v));
    return static_cast<uint32_t>(v.get<uint64_t>());
  }

  SimTime millis(const char* name) const {
    const json& v = get(name);
    if (v.is_number_unsigned() && v.get<uint64_t>() <= static_cast<uint64_t>(kMaxMs))
      return static_cast<SimTime>(v.get<uint64_t>()) * 1'000'000;
    if (v.is_number_float() && std::isfinite(v.get<double>()) && v.get<double>() >= 0 &&
        v.get<double>() <= kMaxMs)
      return static_cast<SimTime>(std::llround(v.get<double>() * 1e6));
    fail(std::string(name) + ": expected a non-negative number of milliseconds, found " +
         describe_json(v));
  }

  json j_;
  const LineReader& lines_;
};

}  // namespace

MooncakeTraceReader::MooncakeTraceReader(std::string path, const TraceReaderOptions& options)
    : lines_(std::move(path)), clock_(options) {}

MooncakeTraceReader::~MooncakeTraceReader() = default;

bool MooncakeTraceReader::next(RequestSpec& out) {
  std::string_view line;
  if (!lines_.next(line)) return false;
  MooncakeRow row;
  row.hash_ids = &ids_;
  const bool need_timestamp = !clock_.generated();
  FastReader fast(row);
  if (!fast.parse(line) || (need_timestamp && !row.has_timestamp))
    DomReader(line, lines_).read(row, need_timestamp);
  if (need_timestamp && clock_.beyond_range(row.timestamp))
    throw InputError(lines_.where() + ": timestamp: " + format_number(to_seconds(row.timestamp) * 1e3) + " ms " +
                     beyond_range_message(row.timestamp, clock_));
  if (need_timestamp && !clock_.observe(row.timestamp, lines_.line_number()))
    throw InputError(lines_.where() + ": timestamp: " + format_number(to_seconds(row.timestamp) * 1e3) +
                     " ms " + out_of_order_message(row.timestamp, clock_));
  out = RequestSpec{};
  out.id = next_id_++;
  out.arrival = clock_.arrival();
  out.prompt_tokens = row.input_length;
  out.output_tokens = row.output_length;
  if (row.has_hash_ids && !ids_.empty()) {
    const uint64_t covered = static_cast<uint64_t>(ids_.size()) * kBlockTokens;
    out.content.hashed_tokens = static_cast<uint32_t>(std::min<uint64_t>(out.prompt_tokens, covered));
    out.content.hash_ids = std::make_shared<const std::vector<uint64_t>>(ids_.begin(), ids_.end());
  }
  out.content.hash_block_tokens = kBlockTokens;
  // No shared stream: its range [hashed_tokens, shared_end) is empty.
  out.content.shared_end = out.content.hashed_tokens;
  out.content.own_stream = make_stream_id(StreamKind::kUnique, kTraceStreamSalt, out.id);
  return true;
}

}  // namespace kvsim
