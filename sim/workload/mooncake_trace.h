// Reader of the Mooncake traces (kvcache-ai/Mooncake, FAST'25 release; Qin et al., "Mooncake",
// FAST 2025), one JSON object per line:
//   {"timestamp": 27482, "input_length": 6955, "output_length": 52, "hash_ids": [46, 47, ...]}
// timestamp is in milliseconds; hash_ids holds one id per 512-token block of the prompt, equal ids
// meaning equal content (a reusable prefix). The ids become PromptContent::hash_ids with
// hash_block_tokens = 512 and cover min(input_length, 512 * ids) tokens; the rest of the prompt and
// the answer are the request's own. Fields other than these four are ignored.
#pragma once
#include <string>
#include <vector>

#include "workload/line_reader.h"
#include "workload/request_source.h"
#include "workload/trace_clock.h"

namespace kvsim {

class MooncakeTraceReader : public RequestSource {
 public:
  static constexpr uint32_t kBlockTokens = 512;

  // Throws InputError if the file cannot be opened.
  explicit MooncakeTraceReader(std::string path, const TraceReaderOptions& options = {});
  ~MooncakeTraceReader() override;
  bool next(RequestSpec& out) override;
  std::string describe() const override {
    return "mooncake-jsonl " + lines_.path() + clock_.describe_arrivals();
  }

 private:
  LineReader lines_;
  TraceClock clock_;
  std::vector<uint64_t> ids_;  // the current line's block ids, reused
  uint64_t next_id_ = 0;
};

}  // namespace kvsim
