#include "perf/engine_overheads.h"

#include <algorithm>

namespace kvsim {

const char* cuda_graph_mode_name(CudaGraphMode m) {
  switch (m) {
    case CudaGraphMode::kNone: return "none";
    case CudaGraphMode::kPiecewise: return "piecewise";
    case CudaGraphMode::kFullAndPiecewise: return "full_and_piecewise";
  }
  return "?";
}

void EngineOverheads::read(JsonReader& r) {
  {
    JsonReader g = r.object("cuda_graphs");
    const std::string mode = g.choice("mode", cuda_graph_mode_name(cuda_graphs.mode),
                                      {"none", "piecewise", "full_and_piecewise"});
    cuda_graphs.mode = mode == "none"        ? CudaGraphMode::kNone
                       : mode == "piecewise" ? CudaGraphMode::kPiecewise
                                             : CudaGraphMode::kFullAndPiecewise;
    cuda_graphs.max_capture_size =
        static_cast<uint32_t>(g.integer("max_capture_size", cuda_graphs.max_capture_size, 0, 512));
    cuda_graphs.graph_launch_s = g.number("graph_launch_s", cuda_graphs.graph_launch_s, 0, 0.01);
    cuda_graphs.kernel_launch_s = g.number("kernel_launch_s", cuda_graphs.kernel_launch_s, 0, 0.01);
    g.reject_unknown_keys();
  }
  {
    JsonReader a = r.object("custom_all_reduce");
    CustomAllReduceTerms& t = custom_all_reduce;
    t.enabled = a.boolean("enabled", t.enabled);
    t.max_bytes = a.number("max_bytes", t.max_bytes, 0, 1e12);
    t.one_shot_latency_s = a.number("one_shot_latency_s", t.one_shot_latency_s, 0, 0.01);
    t.two_shot_latency_s = a.number("two_shot_latency_s", t.two_shot_latency_s, 0, 0.01);
    t.link_efficiency = a.number("link_efficiency", t.link_efficiency, 0.01, 1);
    a.reject_unknown_keys();
  }
  {
    JsonReader c = r.object("cpu");
    cpu.async_scheduling = c.boolean("async_scheduling", cpu.async_scheduling);
    cpu.base_s = c.number("base_s", cpu.base_s, 0, 1);
    cpu.per_seq_s = c.number("per_seq_s", cpu.per_seq_s, 0, 0.01);
    c.reject_unknown_keys();
  }
  {
    JsonReader s = r.object("sampler");
    sampler.top_k_top_p_s = s.number("top_k_top_p_s", sampler.top_k_top_p_s, 0, 0.1);
    sampler.sort_s_per_element = s.number("sort_s_per_element", sampler.sort_s_per_element, 0, 1e-6);
    sampler.penalties_s = s.number("penalties_s", sampler.penalties_s, 0, 0.1);
    s.reject_unknown_keys();
  }
  {
    JsonReader f = r.object("frontend");
    frontend.arrival_s = f.number("arrival_s", frontend.arrival_s, 0, 10);
    frontend.per_prompt_token_s = f.number("per_prompt_token_s", frontend.per_prompt_token_s, 0, 0.01);
    frontend.output_s = f.number("output_s", frontend.output_s, 0, 10);
    f.reject_unknown_keys();
  }
}

nlohmann::json EngineOverheads::to_json() const {
  return {{"cuda_graphs",
           {{"mode", cuda_graph_mode_name(cuda_graphs.mode)},
            {"max_capture_size", cuda_graphs.max_capture_size},
            {"graph_launch_s", cuda_graphs.graph_launch_s},
            {"kernel_launch_s", cuda_graphs.kernel_launch_s}}},
          {"custom_all_reduce",
           {{"enabled", custom_all_reduce.enabled},
            {"max_bytes", custom_all_reduce.max_bytes},
            {"one_shot_latency_s", custom_all_reduce.one_shot_latency_s},
            {"two_shot_latency_s", custom_all_reduce.two_shot_latency_s},
            {"link_efficiency", custom_all_reduce.link_efficiency}}},
          {"cpu", {{"async_scheduling", cpu.async_scheduling}, {"base_s", cpu.base_s}, {"per_seq_s", cpu.per_seq_s}}},
          {"sampler",
           {{"top_k_top_p_s", sampler.top_k_top_p_s},
            {"sort_s_per_element", sampler.sort_s_per_element},
            {"penalties_s", sampler.penalties_s}}},
          {"frontend",
           {{"arrival_s", frontend.arrival_s},
            {"per_prompt_token_s", frontend.per_prompt_token_s},
            {"output_s", frontend.output_s}}}};
}

CaptureSizes::CaptureSizes(uint32_t max_size) : max_(std::min<uint32_t>(max_size, 512)) {
  // vLLM: [1, 2, 4] + list(range(8, 256, 8)) + list(range(256, max_size + 1, 16)), capped at max_size.
  auto captured = [](uint32_t s) {
    if (s == 1 || s == 2 || s == 4) return true;
    if (s >= 8 && s < 256) return s % 8 == 0;
    return s >= 256 && s % 16 == 0;
  };
  uint32_t next = 0;
  for (uint32_t n = max_; n >= 1; --n) {
    if (captured(n)) next = n;
    pad_[n] = next;
  }
  // The largest captured size may be below max_ (e.g. max 250 -> 248): sizes above it run eagerly.
  for (uint32_t n = 1; n <= max_; ++n)
    if (pad_[n] == 0) max_ = n - 1;
  pad_[0] = 0;
}

uint32_t default_max_capture_size(uint32_t max_num_seqs) {
  return std::min<uint32_t>(2 * std::max<uint32_t>(max_num_seqs, 1), 512);
}

double custom_all_reduce_seconds(const CustomAllReduceTerms& t, double bytes, uint32_t ranks,
                                 double link_bytes_per_s) {
  const double r = ranks;
  const double bw = link_bytes_per_s * t.link_efficiency;
  const bool one_shot =
      ranks == 2 || (ranks <= 4 && bytes < 512.0 * 1024) || (ranks <= 8 && bytes < 256.0 * 1024);
  if (one_shot) return t.one_shot_latency_s + (r - 1) * bytes / bw;
  return t.two_shot_latency_s + 2 * (r - 1) / r * bytes / bw;
}

bool uses_custom_all_reduce(const CustomAllReduceTerms& t, double bytes, uint32_t ranks, double nvlink_bytes_per_s) {
  return t.enabled && ranks >= 2 && ranks <= 8 && nvlink_bytes_per_s > 0 && bytes <= t.max_bytes;
}

}  // namespace kvsim
