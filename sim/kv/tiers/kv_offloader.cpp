#include "kv/tiers/kv_offloader.h"

#include <algorithm>
#include <cmath>

#include "kv/prefix_hash.h"

namespace kvsim {

KvOffloader::KvOffloader(const KvTiersConfig& config, std::vector<std::shared_ptr<TierStore>> tiers,
                         uint32_t block_size, PrefillTime prefill_time)
    : config_(config), tiers_(std::move(tiers)), block_size_(block_size), prefill_time_(std::move(prefill_time)) {
  for (size_t t = 0; t < tiers_.size(); ++t) {
    tier_links_.push_back(&link(tiers_[t]->spec().link));
    spills_.push_back(!config.write_through && t + 1 < tiers_.size() ? std::make_unique<Spill>(*this, t + 1) : nullptr);
  }
  pending_.resize(tiers_.size());
  swap_link_ = &link(config.swap_link);
  swap_capacity_blocks_ = config.block_bytes_per_gpu > 0 ? std::floor(config.swap_space_bytes / config.block_bytes_per_gpu) : 0;
}

Link& KvOffloader::link(const std::string& name) {
  auto& l = links_[name];
  if (!l) l = std::make_unique<Link>(name);
  return *l;
}

void KvOffloader::on_block_evicted(BlockHash hash, uint32_t, uint64_t) {
  if (write_back()) pending_[0].push_back(hash);
}

void KvOffloader::on_block_expired(BlockHash hash, uint64_t) {
  if (write_back()) pending_[0].push_back(hash);
}

void KvOffloader::on_gpu_cached(BlockHash hash) {
  if (config_.write_through && !tiers_.empty()) computing_.push_back(hash);
}

void KvOffloader::on_step_computed() {
  for (auto& p : pending_) p.insert(p.end(), computing_.begin(), computing_.end());
  computing_.clear();
}

void KvOffloader::flush(SimTime now) {
  for (size_t t = 0; t < tiers_.size(); ++t) {
    if (pending_[t].empty()) continue;
    TierStore& tier = *tiers_[t];
    std::vector<BlockHash> copy;
    for (BlockHash h : pending_[t]) {
      if (tier.contains(h, now)) tier.write(h, now, spills_[t].get());  // a refresh: no data moves
      else copy.push_back(h);
    }
    pending_[t].clear();
    if (copy.empty()) continue;
    const double bytes = static_cast<double>(copy.size()) * config_.block_bytes_per_gpu;
    const SimTime done = tier_links_[t]->submit(now, bytes, tier.spec().write_bytes_per_s, tier.spec().latency_s,
                                                LinkDirection::kFromGpu);
    uint32_t slot;
    if (!free_batches_.empty()) {
      slot = free_batches_.back();
      free_batches_.pop_back();
    } else {
      slot = static_cast<uint32_t>(batches_.size());
      batches_.emplace_back();
    }
    stats_.offloaded_blocks += copy.size();
    ++stats_.offload_batches;
    batches_[slot] = Batch{t, std::move(copy)};
    wakeups_.push_back({done, slot});
  }
}

bool KvOffloader::on_transfer_done(uint64_t token, SimTime now) {
  if (token & kLoadToken) return true;
  Batch batch = std::move(batches_[token]);
  free_batches_.push_back(static_cast<uint32_t>(token));
  TierStore& tier = *tiers_[batch.tier];
  for (BlockHash h : batch.hashes) tier.write(h, now, spills_[batch.tier].get());
  flush(now);  // what the tier evicted goes on down
  return false;
}

double KvOffloader::load_cost(const LoadPlan& plan, uint32_t n, SimTime now, double& seconds) const {
  // Per link: the transfers queue behind what the link carries, then each other.
  std::map<const Link*, std::pair<double, double>> per_link;  // link -> (busy seconds, max latency)
  double usd = 0;
  for (size_t t = 0; t < tiers_.size(); ++t) {
    const uint32_t blocks = static_cast<uint32_t>(std::count(plan.tiers.begin(), plan.tiers.begin() + n, t));
    if (blocks == 0) continue;
    const TierSpec& spec = tiers_[t]->spec();
    auto& [busy, latency] = per_link[tier_links_[t]];
    busy += blocks * config_.block_bytes_per_gpu / spec.read_bytes_per_s;
    latency = std::max(latency, spec.latency_s);
    usd += blocks * config_.block_bytes / 1e9 * spec.usd_per_gb_read;
  }
  SimTime ready = now;
  for (const auto& [l, cost] : per_link) {
    const SimTime start = std::max(now, l->free_at(LinkDirection::kToGpu));
    ready = std::max(ready, start + from_seconds(cost.first + cost.second));
  }
  seconds = to_seconds(ready - now);
  return usd;
}

void KvOffloader::plan_load(const RequestSpec& spec, uint32_t total_tokens, uint32_t first_block, BlockHash parent,
                            SimTime now, LoadPlan& plan) {
  plan.clear();
  if (tiers_.empty() || total_tokens == 0) return;
  const uint32_t max_blocks = (total_tokens - 1) / block_size_;
  BlockHash h = parent;
  for (uint32_t k = first_block; k < max_blocks; ++k) {
    h = chain_block_hash(h, spec.content, k * block_size_, block_size_);
    size_t t = 0;
    while (t < tiers_.size() && !tiers_[t]->contains(h, now)) ++t;
    if (t == tiers_.size()) break;
    plan.hashes.push_back(h);
    plan.tiers.push_back(static_cast<uint8_t>(t));
  }
  const uint32_t found = static_cast<uint32_t>(plan.hashes.size());
  if (found == 0 || config_.load_policy == LoadPolicy::kNever) return;
  const uint32_t gpu_tokens = first_block * block_size_;
  const auto recompute = [&](uint32_t blocks_loaded) {
    const uint32_t context = gpu_tokens + blocks_loaded * block_size_;
    return prefill_time_(total_tokens - context, context);
  };
  const double recompute_all = recompute(0);
  // Candidates: load up to each point where the holding tier changes, or everything.
  uint32_t best = 0;
  double best_score = config_.load_policy == LoadPolicy::kCheaper ? recompute_all * gpu_usd_per_second() : recompute_all;
  double best_seconds = 0;
  for (uint32_t n = 1; n <= found; ++n) {
    if (n < found && plan.tiers[n] == plan.tiers[n - 1]) continue;
    double seconds = 0;
    const double usd = load_cost(plan, n, now, seconds);
    const double rest = recompute(n);
    const double score = config_.load_policy == LoadPolicy::kCheaper ? usd + rest * gpu_usd_per_second()
                         : config_.load_policy == LoadPolicy::kAlways ? -static_cast<double>(n)
                                                                      : seconds + rest;
    if (score < best_score) {
      best = n;
      best_score = score;
      best_seconds = seconds;
    }
  }
  plan.load_blocks = best;
  plan.load_seconds = best_seconds;
  plan.recompute_seconds = best > 0 ? recompute_all - recompute(best) : 0;
}

void KvOffloader::count_admission(const LoadPlan& plan) {
  for (uint8_t t : plan.tiers) ++tiers_[t]->stats().hit_blocks;
  stats_.declined_blocks += plan.hashes.size() - plan.load_blocks;
}

uint64_t KvOffloader::submit_load(const LoadPlan& plan, SimTime now) {
  SimTime ready = now;
  for (size_t t = 0; t < tiers_.size(); ++t) {
    uint32_t blocks = 0;
    for (uint32_t i = 0; i < plan.load_blocks; ++i) {
      if (plan.tiers[i] != t) continue;
      ++blocks;
      tiers_[t]->read(plan.hashes[i], now);
    }
    if (blocks == 0) continue;
    tiers_[t]->stats().loaded_blocks += blocks;
    const TierSpec& spec = tiers_[t]->spec();
    ready = std::max(ready, tier_links_[t]->submit(now, blocks * config_.block_bytes_per_gpu, spec.read_bytes_per_s,
                                                   spec.latency_s, LinkDirection::kToGpu));
  }
  ++stats_.loads;
  stats_.loaded_blocks += plan.load_blocks;
  stats_.load_wait_seconds += to_seconds(ready - now);
  stats_.recompute_seconds_saved += plan.recompute_seconds;
  const uint64_t token = kLoadToken | next_load_++;
  wakeups_.push_back({ready, token});
  return token;
}

bool KvOffloader::swap_out(uint32_t blocks, SimTime now) {
  if (swap_used_blocks_ + blocks > swap_capacity_blocks_) {
    ++stats_.swap_refused;
    return false;
  }
  swap_used_blocks_ += blocks;
  ++stats_.swap_outs;
  stats_.swapped_blocks += blocks;
  swap_done_ = std::max(swap_done_, swap_link_->submit(now, blocks * config_.block_bytes_per_gpu, config_.swap_bytes_per_s,
                                                       0, LinkDirection::kFromGpu));
  return true;
}

void KvOffloader::swap_in(uint32_t blocks, SimTime now) {
  swap_used_blocks_ = std::max(0.0, swap_used_blocks_ - blocks);
  ++stats_.swap_ins;
  swap_done_ = std::max(swap_done_, swap_link_->submit(now, blocks * config_.block_bytes_per_gpu, config_.swap_bytes_per_s,
                                                       0, LinkDirection::kToGpu));
}

double KvOffloader::take_swap_seconds(SimTime now) {
  const double s = swap_done_ > now ? to_seconds(swap_done_ - now) : 0.0;
  swap_done_ = 0;
  stats_.swap_seconds += s;
  return s;
}

void KvOffloader::finish(SimTime end) {
  for (auto& t : tiers_)
    if (!t->spec().shared) t->finish(end);
}

}  // namespace kvsim
