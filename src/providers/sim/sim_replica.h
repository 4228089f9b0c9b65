#pragma once
// The sim provider acting as a model-server replica (sim.kv_blocks > 0): a prefix cache of
// 16-token blocks, keyed by the same chained block hashes the gateway's prefix index uses, with
// LRU eviction, and the gauges a vLLM server would report. Prefills run one at a time, as in a
// batch with a bounded prefill budget: a request's first token waits for the prefills queued
// before it, so time to first token grows with the uncached work ahead (decodes of running
// requests are not slowed). Shared by all workers (one per provider, kept across reloads), so its
// methods lock; each call is short. Time is passed in.
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>

#include "routing/block_lru.h"

namespace sluice::providers::sim {

class SimReplica {
 public:
  explicit SimReplica(uint32_t kv_blocks) : cache_(kv_blocks ? kv_blocks : 1) {}

  // A request arrives with its prompt's block hashes: returns how many prompt tokens the cache
  // already holds (the longest cached prefix, at most prompt_tokens - 1), then caches the rest.
  uint32_t Admit(std::span<const uint64_t> hashes, uint32_t prompt_tokens, uint32_t block_tokens);
  void Finish(uint32_t prompt_tokens);
  // Queues a prefill of `duration` behind those already queued; returns when it completes (the
  // first token's time).
  using Time = std::chrono::steady_clock::time_point;
  Time SchedulePrefill(Time now, std::chrono::nanoseconds duration);

  uint32_t kv_blocks() const { return cache_.capacity(); }
  uint32_t running() const;
  // Requests whose prefill has not started yet at `now`.
  uint32_t waiting(Time now) const;
  // KV blocks held by running requests / capacity, as vLLM's kv_cache_usage_perc.
  double kv_usage() const;
  // vLLM-format gauges and counters (num_requests_*, kv_cache_usage_perc and the older
  // gpu_cache_usage_perc, cache_config_info, prefix_cache_{hits,queries}_total).
  std::string RenderVllmMetrics(std::string_view model, Time now) const;

 private:
  mutable std::mutex mutex_;
  routing::BlockLru cache_;
  uint32_t running_ = 0;
  uint64_t running_tokens_ = 0;
  uint64_t hits_ = 0;     // prompt tokens served from cache
  uint64_t queries_ = 0;  // prompt tokens
  Time prefill_free_at_{};
  std::deque<Time> prefill_starts_;  // of queued prefills, in order
};

}  // namespace sluice::providers::sim
