// The request made from one trace row that carries no sharing information: its tokens are its own
// (a unique stream), so it shares no prefix with any other request.
#pragma once
#include <cstdint>

#include "workload/request_spec.h"
#include "workload/stream_ids.h"

namespace kvsim {

inline void make_trace_request(uint64_t id, SimTime arrival, uint32_t prompt_tokens,
                               uint32_t output_tokens, RequestSpec& out) {
  out = RequestSpec{};
  out.id = id;
  out.arrival = arrival;
  out.prompt_tokens = prompt_tokens;
  out.output_tokens = output_tokens;
  out.content.own_stream = make_stream_id(StreamKind::kUnique, kTraceStreamSalt, id);
}

}  // namespace kvsim
