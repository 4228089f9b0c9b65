#include "routing/scorers.h"

#include <algorithm>
#include <limits>
#include <string>

namespace sluice::routing {
namespace {

// Scores (max - x) / (max - min) in place over values[k]; 1 for all when max == min.
void MinMaxLowIsBest(std::span<double> values) {
  if (values.empty()) return;
  auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  double min = *lo, max = *hi;
  for (double& v : values) v = max > min ? (max - v) / (max - min) : 1.0;
}

bool Contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

uint64_t Mix(uint64_t x) {  // splitmix64 finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

void ScorePrefix(std::span<const uint32_t> matched, size_t total_blocks,
                 std::span<const uint16_t> candidates, std::span<double> scores) {
  for (size_t k = 0; k < candidates.size(); ++k)
    scores[k] = total_blocks ? double(matched[candidates[k]]) / double(total_blocks) : 0.0;
}

void ScoreQueue(const PoolState& pool, std::span<const uint16_t> candidates, SteadyTime now,
                std::chrono::nanoseconds stale_after, std::span<double> scores) {
  for (size_t k = 0; k < candidates.size(); ++k) {
    const auto& e = pool.at(candidates[k]);
    double waiting = Fresh(e.metrics, now, stale_after) ? e.metrics.waiting : 0.0;
    scores[k] = waiting + e.load.requests + double(e.load.prefill_tokens) / 512.0;
  }
  MinMaxLowIsBest(scores.first(candidates.size()));
}

void ScoreKvCache(const PoolState& pool, std::span<const uint16_t> candidates, SteadyTime now,
                  std::chrono::nanoseconds stale_after, std::span<double> scores) {
  for (size_t k = 0; k < candidates.size(); ++k) {
    const auto& m = pool.at(candidates[k]).metrics;
    scores[k] = Fresh(m, now, stale_after) ? 1.0 - std::clamp(m.kv_usage, 0.0, 1.0) : 0.5;
  }
}

void ScoreLora(const PoolState& pool, std::span<const uint16_t> candidates, std::string_view lora,
               SteadyTime now, std::chrono::nanoseconds stale_after, std::span<double> scores) {
  for (size_t k = 0; k < candidates.size(); ++k) {
    const auto& m = pool.at(candidates[k]).metrics;
    if (lora.empty()) {
      scores[k] = 1.0;
    } else if (!m.has_lora || !Fresh(m, now, stale_after)) {
      scores[k] = 0.5;
    } else if (Contains(m.lora.running, lora)) {
      scores[k] = 1.0;
    } else if (m.lora.running.size() + m.lora.waiting.size() < m.lora.max_lora) {
      scores[k] = 0.8;
    } else if (Contains(m.lora.waiting, lora)) {
      scores[k] = 0.6;
    } else {
      scores[k] = 0.0;
    }
  }
}

void ScoreSession(const PoolState& pool, std::span<const uint16_t> candidates, uint64_t session,
                  std::span<double> scores) {
  for (size_t k = 0; k < candidates.size(); ++k) scores[k] = 0.0;
  if (!session || candidates.empty()) return;
  size_t best = 0;
  uint64_t best_weight = 0;
  for (size_t k = 0; k < candidates.size(); ++k) {
    // Keyed by name, not position, so a session survives endpoints being added or reordered.
    uint64_t id = std::hash<std::string>{}(pool.at(candidates[k]).name);
    uint64_t w = Mix(session ^ Mix(id));
    if (k == 0 || w > best_weight) best = k, best_weight = w;
  }
  scores[best] = 1.0;
}

void ScoreLatency(const PoolState& pool, std::span<const uint16_t> candidates,
                  std::span<double> scores) {
  double min = std::numeric_limits<double>::max(), max = 0;
  for (uint16_t c : candidates) {
    const auto& l = pool.at(c).load;
    if (!l.has_ttft) continue;
    min = std::min(min, l.ttft_ewma_ms);
    max = std::max(max, l.ttft_ewma_ms);
  }
  for (size_t k = 0; k < candidates.size(); ++k) {
    const auto& l = pool.at(candidates[k]).load;
    scores[k] = !l.has_ttft || max <= min ? 1.0 : (max - l.ttft_ewma_ms) / (max - min);
  }
}

}  // namespace sluice::routing
