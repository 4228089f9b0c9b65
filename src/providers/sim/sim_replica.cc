#include "providers/sim/sim_replica.h"

#include <algorithm>
#include <cstdio>

namespace sluice::providers::sim {

uint32_t SimReplica::Admit(std::span<const uint64_t> hashes, uint32_t prompt_tokens,
                           uint32_t block_tokens) {
  std::lock_guard lock(mutex_);
  size_t hit = 0;
  while (hit < hashes.size() && cache_.Contains(hashes[hit])) ++hit;
  for (size_t i = hashes.size(); i-- > 0;) cache_.Touch(hashes[i]);  // tail first, as vLLM frees
  uint32_t cached =
      prompt_tokens ? std::min<uint32_t>(uint32_t(hit) * block_tokens, prompt_tokens - 1) : 0;
  ++running_;
  running_tokens_ += prompt_tokens;
  hits_ += cached;
  queries_ += prompt_tokens;
  return cached;
}

void SimReplica::Finish(uint32_t prompt_tokens) {
  std::lock_guard lock(mutex_);
  running_ -= std::min<uint32_t>(running_, 1);
  running_tokens_ -= std::min<uint64_t>(running_tokens_, prompt_tokens);
}

SimReplica::Time SimReplica::SchedulePrefill(Time now, std::chrono::nanoseconds duration) {
  std::lock_guard lock(mutex_);
  while (!prefill_starts_.empty() && prefill_starts_.front() <= now) prefill_starts_.pop_front();
  Time start = std::max(now, prefill_free_at_);
  if (start > now) prefill_starts_.push_back(start);
  prefill_free_at_ = start + duration;
  return prefill_free_at_;
}

uint32_t SimReplica::waiting(Time now) const {
  std::lock_guard lock(mutex_);
  uint32_t n = 0;
  for (Time t : prefill_starts_) n += t > now;
  return n;
}

uint32_t SimReplica::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

double SimReplica::kv_usage() const {
  std::lock_guard lock(mutex_);
  return std::min(1.0, double(running_tokens_) / (16.0 * cache_.capacity()));
}

std::string SimReplica::RenderVllmMetrics(std::string_view model, Time now) const {
  uint32_t queued = waiting(now);
  uint32_t running;
  uint64_t hits, queries;
  {
    std::lock_guard lock(mutex_);
    running = running_ - std::min(running_, queued);
    hits = hits_;
    queries = queries_;
  }
  double usage = kv_usage();
  std::string m(model);
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "# TYPE vllm:num_requests_waiting gauge\n"
                "vllm:num_requests_waiting{model_name=\"%s\"} %u\n"
                "# TYPE vllm:num_requests_running gauge\n"
                "vllm:num_requests_running{model_name=\"%s\"} %u\n"
                "# TYPE vllm:kv_cache_usage_perc gauge\n"
                "vllm:kv_cache_usage_perc{model_name=\"%s\"} %.6f\n"
                "# TYPE vllm:gpu_cache_usage_perc gauge\n"
                "vllm:gpu_cache_usage_perc{model_name=\"%s\"} %.6f\n"
                "# TYPE vllm:cache_config_info gauge\n"
                "vllm:cache_config_info{block_size=\"16\",num_gpu_blocks=\"%u\"} 1\n"
                "# TYPE vllm:prefix_cache_hits_total counter\n"
                "vllm:prefix_cache_hits_total{model_name=\"%s\"} %llu\n"
                "# TYPE vllm:prefix_cache_queries_total counter\n"
                "vllm:prefix_cache_queries_total{model_name=\"%s\"} %llu\n",
                m.c_str(), queued, m.c_str(), running, m.c_str(), usage, m.c_str(), usage,
                cache_.capacity(), m.c_str(), (unsigned long long)hits, m.c_str(),
                (unsigned long long)queries);
  return buf;
}

}  // namespace sluice::providers::sim
