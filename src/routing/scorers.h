#pragma once
// The scorers of the LLM-aware picker. Each fills scores[k] in [0,1] for candidates[k] (indexes
// into the pool), higher = better. Formulas follow GIE/llm-d (docs/routing.md).
#include <cstdint>
#include <span>
#include <string_view>

#include "routing/pool_state.h"

namespace sluice::routing {

// Whether a scrape is recent enough to trust.
inline bool Fresh(const EndpointMetrics& m, SteadyTime now, std::chrono::nanoseconds stale_after) {
  return m.valid && now - m.at <= stale_after;
}

// matched / total prompt blocks; 0 for a prompt too short to hash.
void ScorePrefix(std::span<const uint32_t> matched, size_t total_blocks,
                 std::span<const uint16_t> candidates, std::span<double> scores);
// Min-max over (scraped waiting + the gateway's in-flight requests + its in-flight uncached
// prompt tokens / 512): the least loaded scores 1, the most 0; all 1 when equal. Prompt tokens
// still to prefill are what delays a new request's first token; counting them beat counting
// requests alone in the simulator (docs/routing.md).
void ScoreQueue(const PoolState& pool, std::span<const uint16_t> candidates, SteadyTime now,
                std::chrono::nanoseconds stale_after, std::span<double> scores);
// 1 - KV-cache usage; 0.5 when the scrape is stale or missing.
void ScoreKvCache(const PoolState& pool, std::span<const uint16_t> candidates, SteadyTime now,
                  std::chrono::nanoseconds stale_after, std::span<double> scores);
// GIE's LoRA affinity: 1 adapter running, 0.8 a free adapter slot, 0.6 adapter only waiting,
// else 0; 0.5 without LoRA info; 1 for all when the request names no adapter.
void ScoreLora(const PoolState& pool, std::span<const uint16_t> candidates, std::string_view lora,
               SteadyTime now, std::chrono::nanoseconds stale_after, std::span<double> scores);
// Rendezvous hashing of the session key over the candidates: the winner 1, others 0, so a
// session stays put while its endpoint stays a candidate. 0 for all without a session.
void ScoreSession(const PoolState& pool, std::span<const uint16_t> candidates, uint64_t session,
                  std::span<double> scores);
// Min-max over the TTFT EWMA; endpoints without a measurement score 1 (explore them).
void ScoreLatency(const PoolState& pool, std::span<const uint16_t> candidates,
                  std::span<double> scores);

}  // namespace sluice::routing
