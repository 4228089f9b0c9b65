#pragma once
// Model-server /metrics (Prometheus text) -> the gauges the picker uses. Sans-I/O: the scraper
// (or a test) hands in the body. Names per engine (docs/routing.md):
// - vLLM v0 and v1: vllm:num_requests_waiting, vllm:num_requests_running, vllm:kv_cache_usage_perc
//   (or the older vllm:gpu_cache_usage_perc), vllm:cache_config_info{block_size,num_gpu_blocks},
//   vllm:lora_requests_info{max_lora,running_lora_adapters,waiting_lora_adapters} (the series
//   with the newest timestamp value wins);
// - SGLang: sglang:num_queue_reqs, sglang:num_running_reqs, sglang:token_usage,
//   sglang:cache_config_info{page_size,num_pages};
// - llama.cpp server: llamacpp:requests_deferred, llamacpp:requests_processing,
//   llamacpp:kv_cache_usage_ratio.
// Series of several engines (data-parallel ranks) are summed; KV usage is their mean.
#include <optional>
#include <string_view>

#include "routing/pool_state.h"

namespace sluice::routing {

enum class ServerKind { kVllm, kSglang, kLlamaCpp };

std::optional<ServerKind> ParseServerKind(std::string_view name);

// Fills `out` (all but `at`, which the caller sets) and returns true when at least the waiting
// or running gauge was found; `out.valid` is set accordingly.
bool ParseServerMetrics(std::string_view text, ServerKind kind, EndpointMetrics& out);

}  // namespace sluice::routing
