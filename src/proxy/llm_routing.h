#pragma once
// LLM-aware endpoint picking in the request path (docs/routing.md). A model with a routing
// policy treats its targets as one pool of model-server replicas; its LlmPool (prefix index,
// in-flight load, scraped gauges) is shared by every worker, so affinity holds whichever worker
// accepts a request, and is kept across reloads that keep the same endpoints. Picks and dispatch
// records take a short lock (a pick is well under a microsecond; recording a dispatch touches
// one LRU entry per prompt block).
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "api/openai_request.h"
#include "api/unified.h"
#include "config/config.h"
#include "routing/endpoint_picker.h"
#include "routing/route_table.h"

namespace sluice::proxy {

class LlmPool {
 public:
  LlmPool(const config::ModelRouting& settings, const routing::Route& route);

  // True when `route` has the same endpoints (provider names, in order): the state carries over.
  bool SameEndpoints(const routing::Route& route) const;
  // A reload kept the endpoints: new weights, policy and adapter lists.
  void Configure(const config::ModelRouting& settings, const routing::Route& route);

  // Picks among the targets marked in `candidates` (route order); -1 when none. On success the
  // dispatch is recorded and `ticket` must later be passed to Finish.
  int Pick(const routing::PickRequest& request, const std::vector<bool>& candidates,
           routing::SteadyTime now, routing::DispatchTicket& ticket);
  // The attempt ended; `ttft_ms` < 0 when no first token was seen.
  void Finish(routing::DispatchTicket& ticket, double ttft_ms);
  // Prompt tokens the prefix index places on one of the endpoints marked in `room` (route order),
  // the best of them: what DLPM's locality (queue.policy dlpm) asks of a waiting request.
  uint64_t CachedTokens(std::span<const uint64_t> hashes, const std::vector<bool>& room);
  // New gauges for the endpoint served by `provider` (scrape or in-process sim replica).
  void UpdateMetrics(std::string_view provider, const routing::EndpointMetrics& metrics);
  const std::vector<std::string>& names() const { return names_; }

 private:
  static routing::PickerConfig PickerFor(const config::ModelRouting& settings);

  std::mutex mutex_;
  std::vector<std::string> names_;
  routing::PoolState state_;
  routing::EndpointPicker picker_;
  std::mt19937_64 rng_;
};

// The request's canonical prompt as text: chat messages as JSON (an edit anywhere early in the
// conversation changes every later block, the prefix semantics a KV cache has), a completion's
// prompt, or the unified request's system and message text for other dialects.
std::string CanonicalPrompt(const api::ParsedRequest* openai, const api::ChatRequest* unified);
// Block hashes of that text, seeded by `model` and the request's cache_salt (tenant isolation).
void PromptHashes(std::string_view canonical, std::string_view model, std::string_view salt,
                  uint32_t block_chars, uint32_t max_blocks, std::vector<uint64_t>& out);

}  // namespace sluice::proxy
