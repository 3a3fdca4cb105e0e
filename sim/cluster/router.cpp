#include "cluster/router.h"

#include <algorithm>

#include "cluster/lru_index.h"
#include "core/error.h"
#include "core/rng.h"
#include "kv/prefix_hash.h"

namespace kvsim {

void request_block_chain(const RequestSpec& spec, uint32_t block_size, std::vector<BlockHash>& out) {
  out.clear();
  if (spec.prompt_tokens == 0 || block_size == 0) return;
  const uint32_t n = std::min((spec.prompt_tokens - 1) / block_size, first_private_token(spec.content) / block_size);
  BlockHash h = 0;
  for (uint32_t k = 0; k < n; ++k) out.push_back(h = chain_block_hash(h, spec.content, k * block_size, block_size));
}

uint64_t session_key(const RequestSpec& spec) {
  if (spec.session != 0) return spec.session;
  const PromptContent& c = spec.content;
  // A conversation's turns share its first turn; the first 512-token block alone is often a
  // system prompt every conversation shares (block 0 in all of Mooncake's conversation trace), so
  // the first two blocks (1,024 tokens) stand for the conversation.
  if (c.hash_ids && !c.hash_ids->empty()) {
    const std::vector<uint64_t>& ids = *c.hash_ids;
    return hash_mix(hash_mix(0x73657373ULL, ids[0]), ids.size() > 1 ? ids[1] + 1 : 0) | 1;
  }
  return c.shared_stream;
}

namespace {

using Replicas = std::vector<std::unique_ptr<Replica>>;

// The index of the smallest value among the replicas that take requests (ties: the lowest index).
template <class F>
uint32_t argmin(const Replicas& replicas, F value) {
  uint32_t best = 0;
  while (!replicas[best]->accepting()) ++best;
  for (uint32_t i = best + 1; i < replicas.size(); ++i)
    if (replicas[i]->accepting() && value(*replicas[i]) < value(*replicas[best])) best = i;
  return best;
}

size_t outstanding(const Replica& r) { return r.outstanding(); }

class RoundRobinRouter final : public Router {
 public:
  uint32_t route(const Request&, const Replicas& replicas, SimTime) override {
    uint32_t chosen;
    do {  // (an elastic fleet's replicas that take no requests are skipped; one always does)
      chosen = next_;
      next_ = (next_ + 1) % static_cast<uint32_t>(replicas.size());
    } while (!replicas[chosen]->accepting());
    return chosen;
  }

 private:
  uint32_t next_ = 0;
};

class LeastOutstandingRouter final : public Router {
 public:
  uint32_t route(const Request&, const Replicas& replicas, SimTime) override { return argmin(replicas, outstanding); }
};

class PowerOfTwoRouter final : public Router {
 public:
  explicit PowerOfTwoRouter(uint64_t seed) : rng_(hash_mix(seed, 0x7032635ULL)) {}
  uint32_t route(const Request&, const Replicas& replicas, SimTime) override {
    // Draw among the replicas that take requests (all of them unless the fleet is elastic).
    up_.clear();
    for (uint32_t i = 0; i < replicas.size(); ++i)
      if (replicas[i]->accepting()) up_.push_back(i);
    const auto n = static_cast<uint32_t>(up_.size());
    if (n == 1) return up_[0];
    const auto a = static_cast<uint32_t>(rng_.uniform_int(0, n - 1));
    auto b = static_cast<uint32_t>(rng_.uniform_int(0, n - 2));
    if (b >= a) ++b;  // two distinct replicas
    const uint32_t lo = up_[std::min(a, b)], hi = up_[std::max(a, b)];
    return replicas[hi]->outstanding() < replicas[lo]->outstanding() ? hi : lo;
  }

 private:
  Rng rng_;
  std::vector<uint32_t> up_;  // reused: no allocation per arrival once grown
};

// session key -> replica + 1, for the session router and the session scorer.
class SessionTable {
 public:
  // The replica the session was last sent to, or -1.
  int64_t find(uint64_t key) const {
    if (key == 0) return -1;
    const uint32_t v = map_.find(key);
    return v == FlatHashMap::kMissing ? -1 : static_cast<int64_t>(v);
  }
  void set(uint64_t key, uint32_t replica) {
    if (key != 0) map_.insert(key, replica);
  }

 private:
  FlatHashMap map_;
};

class SessionAffinityRouter final : public Router {
 public:
  explicit SessionAffinityRouter(uint32_t max_imbalance) : max_imbalance_(max_imbalance) {}
  uint32_t route(const Request& req, const Replicas& replicas, SimTime) override {
    const uint32_t least = argmin(replicas, outstanding);
    const uint64_t key = session_key(req.spec);
    const int64_t home = sessions_.find(key);
    if (home >= 0 && home < static_cast<int64_t>(replicas.size()) && replicas[home]->accepting() &&
        replicas[home]->outstanding() <= replicas[least]->outstanding() + max_imbalance_)
      return static_cast<uint32_t>(home);
    sessions_.set(key, least);
    return least;
  }

 private:
  uint32_t max_imbalance_;
  SessionTable sessions_;
};

// llm-d's scheduler: a weighted sum of normalised scores per replica.
class ScoredRouter final : public Router {
 public:
  ScoredRouter(const RouterConfig& config, const RouterContext& context)
      : scorers_(config.scorers), block_size_(context.block_size) {}

  uint32_t route(const Request& req, const Replicas& replicas, SimTime now) override {
    const auto n = static_cast<uint32_t>(replicas.size());
    total_.assign(n, 0.0);
    chain_ready_ = false;
    session_ = session_key(req.spec);
    for (const ScorerConfig& s : scorers_) {
      raw_.assign(n, 0.0);
      score(s, req, replicas, now);
      for (uint32_t i = 0; i < n; ++i) total_[i] += s.weight * raw_[i];
    }
    uint32_t best = 0;  // the highest total among the replicas that take requests (ties: the lowest index)
    while (!replicas[best]->accepting()) ++best;
    for (uint32_t i = best + 1; i < n; ++i)
      if (replicas[i]->accepting() && total_[i] > total_[best]) best = i;
    // What the router remembers of its decision.
    if (index_) {
      for (const BlockHash h : chain_) index_->put(index_key(h, best), 0);
    }
    if (uses_sessions_) sessions_.set(session_, best);
    return best;
  }

 private:
  static uint64_t index_key(BlockHash h, uint32_t replica) { return hash_mix(h, replica + 1) | 1; }

  // Fills raw_ with the scorer's normalised scores (higher = better).
  void score(const ScorerConfig& s, const Request& req, const Replicas& replicas, SimTime now) {
    const auto n = static_cast<uint32_t>(replicas.size());
    switch (s.kind) {
      case ScorerKind::kPrefix:
        score_prefix(s, req, replicas, now);
        return;
      case ScorerKind::kQueue:
        return load_score(replicas, [](const Replica& r) { return static_cast<double>(r.num_waiting()); });
      case ScorerKind::kRunning:
        return load_score(replicas, [](const Replica& r) { return static_cast<double>(r.num_running()); });
      case ScorerKind::kOutstanding:
        return load_score(replicas, [](const Replica& r) { return static_cast<double>(r.outstanding()); });
      case ScorerKind::kKvUtilization:
        for (uint32_t i = 0; i < n; ++i) {
          const KvUsage u = replicas[i]->kv_usage();
          raw_[i] = u.blocks_total ? 1.0 - static_cast<double>(u.blocks_used) / u.blocks_total : 1.0;
        }
        return;
      case ScorerKind::kSession: {
        uses_sessions_ = true;
        const int64_t home = sessions_.find(session_);
        if (home >= 0 && home < n) raw_[home] = 1.0;
        return;
      }
    }
  }

  // llm-d's queue scorer: (max - v) / (max - min); every replica 1 when all are equal.
  template <class F>
  void load_score(const Replicas& replicas, F value) {
    double lo = 1e300, hi = -1e300;
    for (const auto& r : replicas) {
      lo = std::min(lo, value(*r));
      hi = std::max(hi, value(*r));
    }
    for (size_t i = 0; i < replicas.size(); ++i) raw_[i] = hi > lo ? (hi - value(*replicas[i])) / (hi - lo) : 1.0;
  }

  // The fraction of the request's shareable prefix blocks a replica holds (llm-d's prefix scorer).
  void score_prefix(const ScorerConfig& s, const Request& req, const Replicas& replicas, SimTime now) {
    if (!chain_ready_) {
      request_block_chain(req.spec, block_size_, chain_);
      chain_ready_ = true;
    }
    const auto n = static_cast<uint32_t>(replicas.size());
    const auto blocks = static_cast<uint32_t>(chain_.size());
    if (blocks == 0) return;
    if (s.approximate) {
      if (!index_)
        index_ = std::make_unique<LruIndex>(
            static_cast<uint32_t>(std::min<uint64_t>(uint64_t{s.index_blocks_per_replica} * n, uint64_t{1} << 31)));
      for (uint32_t i = 0; i < n; ++i) {
        uint32_t k = 0;
        while (k < blocks && index_->contains(index_key(chain_[k], i))) ++k;
        raw_[i] = static_cast<double>(k) / blocks;
      }
      return;
    }
    if (s.staleness_s <= 0) {
      for (uint32_t i = 0; i < n; ++i) raw_[i] = static_cast<double>(replicas[i]->cached_prefix_blocks(chain_.data(), blocks)) / blocks;
      return;
    }
    // The caches as of the last refresh: a snapshot taken at the first arrival of each staleness interval.
    if (snapshots_.size() != n || now >= next_refresh_) {
      snapshots_.resize(n);
      for (uint32_t i = 0; i < n; ++i) {
        snapshots_[i].clear();
        replicas[i]->cached_block_hashes(snapshots_[i]);
        std::sort(snapshots_[i].begin(), snapshots_[i].end());
      }
      const SimTime interval = std::max<SimTime>(1, from_seconds(s.staleness_s));
      next_refresh_ = (now / interval + 1) * interval;
    }
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t k = 0;
      while (k < blocks && std::binary_search(snapshots_[i].begin(), snapshots_[i].end(), chain_[k])) ++k;
      raw_[i] = static_cast<double>(k) / blocks;
    }
  }

  std::vector<ScorerConfig> scorers_;
  uint32_t block_size_;
  std::vector<double> total_, raw_;
  std::vector<BlockHash> chain_;
  bool chain_ready_ = false;
  std::unique_ptr<LruIndex> index_;                 // approximate prefix scorer
  std::vector<std::vector<BlockHash>> snapshots_;   // precise prefix scorer with staleness (sorted)
  SimTime next_refresh_ = 0;
  SessionTable sessions_;
  uint64_t session_ = 0;
  bool uses_sessions_ = false;
};

const std::vector<std::string> kKinds = {"round_robin", "least_outstanding", "power_of_two", "session_affinity", "scored"};
const std::vector<std::string> kScorers = {"prefix", "queue", "running", "outstanding", "kv_utilization", "session"};

std::string quoted_list(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "\"" : ", \"") + x + "\"";
  return s;
}

}  // namespace

std::vector<std::string> router_names() {
  return {"round_robin", "least_outstanding", "power_of_two", "session_affinity", "prefix_aware", "prefix_aware_approx"};
}

RouterConfig router_preset(const std::string& name) {
  RouterConfig c;
  if (name == "prefix_aware" || name == "prefix_aware_approx") {
    // llm-d's default scheduling profile: prefix-cache scorer x 3, queue scorer x 2.
    c.kind = "scored";
    ScorerConfig prefix;
    prefix.kind = ScorerKind::kPrefix;
    prefix.weight = 3;
    prefix.approximate = name == "prefix_aware_approx";
    ScorerConfig queue;
    queue.kind = ScorerKind::kQueue;
    queue.weight = 2;
    c.scorers = {prefix, queue};
    return c;
  }
  const std::vector<std::string> names = router_names();
  if (std::find(names.begin(), names.end(), name) == names.end())
    throw InputError("unknown router \"" + name + "\" (known: " + quoted_list(names) + ")");
  c.kind = name;
  return c;
}

RouterConfig parse_router_config(const nlohmann::json& value, const std::string& pointer, ErrorList& errors,
                                 std::string& name) {
  name = "round_robin";
  if (value.is_null()) return router_preset(name);
  if (value.is_string()) {
    name = value.get<std::string>();
    const std::vector<std::string> names = router_names();
    if (std::find(names.begin(), names.end(), name) != names.end()) return router_preset(name);
    errors.add(pointer, "expected one of " + quoted_list(names) + " or an object, found " + describe_json(value));
    return {};
  }
  if (!value.is_object()) {
    errors.add(pointer, "expected a router name or an object, found " + describe_json(value));
    return {};
  }
  JsonReader r(value, pointer, errors);
  RouterConfig c;
  c.kind = r.choice("kind", "scored", kKinds);
  name = c.kind;
  c.max_imbalance = static_cast<uint32_t>(r.integer("max_imbalance", 8, 0, 1 << 30));
  if (r.has("max_imbalance") && c.kind != "session_affinity")
    errors.add(r.child("max_imbalance"), "applies only to kind \"session_affinity\"");
  const nlohmann::json& scorers = r.raw("scorers");
  const std::string sp = r.child("scorers");
  if (c.kind != "scored") {
    if (!scorers.is_null()) errors.add(sp, "applies only to kind \"scored\"");
  } else if (!scorers.is_array() || scorers.empty()) {
    errors.add(sp, "expected a non-empty array of scorers, found " + describe_json(scorers));
  } else {
    double weights = 0;
    for (size_t i = 0; i < scorers.size(); ++i) {
      JsonReader s(scorers[i], json_pointer_child(sp, std::to_string(i)), errors);
      ScorerConfig sc;
      const std::string kind = s.choice("kind", "queue", kScorers);
      sc.kind = static_cast<ScorerKind>(std::find(kScorers.begin(), kScorers.end(), kind) - kScorers.begin());
      if (!s.has("kind")) errors.add(s.child("kind"), "expected one of " + quoted_list(kScorers) + ", found nothing");
      sc.weight = s.number("weight", 1, 0, 1e6);
      weights += sc.weight;
      sc.approximate = s.choice("mode", "precise", {"precise", "approximate"}) == "approximate";
      sc.staleness_s = s.number("staleness_s", 0, 0, 1e6);
      sc.index_blocks_per_replica = static_cast<uint32_t>(s.integer("index_blocks_per_replica", 31250, 1, 1 << 26));
      if (sc.kind != ScorerKind::kPrefix) {
        for (const char* k : {"mode", "staleness_s", "index_blocks_per_replica"})
          if (s.has(k)) errors.add(s.child(k), "applies only to kind \"prefix\"");
      } else {
        if (sc.approximate && s.has("staleness_s"))
          errors.add(s.child("staleness_s"), "applies only to mode \"precise\" (the approximate index is the router's own)");
        if (!sc.approximate && s.has("index_blocks_per_replica"))
          errors.add(s.child("index_blocks_per_replica"), "applies only to mode \"approximate\"");
      }
      s.reject_unknown_keys();
      c.scorers.push_back(sc);
    }
    if (weights <= 0) errors.add(sp, "expected at least one scorer with a weight above 0, found all 0");
  }
  r.reject_unknown_keys();
  return c;
}

std::unique_ptr<Router> make_router(const RouterConfig& config, const RouterContext& context) {
  if (config.kind == "round_robin") return std::make_unique<RoundRobinRouter>();
  if (config.kind == "least_outstanding") return std::make_unique<LeastOutstandingRouter>();
  if (config.kind == "power_of_two") return std::make_unique<PowerOfTwoRouter>(context.seed);
  if (config.kind == "session_affinity") return std::make_unique<SessionAffinityRouter>(config.max_imbalance);
  if (config.kind == "scored") return std::make_unique<ScoredRouter>(config, context);
  throw InputError("unknown router kind \"" + config.kind + "\" (known: " + quoted_list(kKinds) + ")");
}

std::unique_ptr<Router> make_router(const std::string& name) { return make_router(router_preset(name)); }

}  // namespace kvsim
