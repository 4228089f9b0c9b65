#pragma once
// What the gateway knows about the endpoints (model-server replicas) of one pool: their health,
// the gauges last scraped from their /metrics, the gateway's own in-flight load on each, a TTFT
// EWMA, and the approximate prefix index. Sans-I/O: callers pass the time; owned by one thread.
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "routing/endpoint_health.h"
#include "routing/prefix_index.h"

namespace sluice::routing {

struct LoraInfo {
  uint32_t max_lora = 0;
  std::vector<std::string> running;  // adapters in the running batch
  std::vector<std::string> waiting;  // adapters of queued requests
};

// Gauges scraped from the model server. `at` is when they were read; stale ones are ignored.
struct EndpointMetrics {
  SteadyTime at{};
  bool valid = false;
  double waiting = 0;       // queued requests
  double running = 0;       // requests in the running batch
  double kv_usage = 0;      // 0..1, blocks held by running requests
  uint32_t block_size = 0;  // tokens per KV block (cache config), 0 when unknown
  uint64_t num_blocks = 0;  // KV capacity in blocks, 0 when unknown
  bool has_lora = false;
  LoraInfo lora;
};

// The gateway's own view, exact and instant (scraped gauges lag).
struct EndpointLoad {
  uint32_t requests = 0;        // dispatched, not complete
  uint64_t tokens = 0;          // their prompt + expected output tokens
  uint64_t prefill_tokens = 0;  // uncached prompt tokens still before their first token
  double ttft_ewma_ms = 0;
  bool has_ttft = false;
};

struct EndpointInfo {
  std::string name;
  bool healthy = true;
  // LoRA adapters this endpoint can serve; empty = any the request names.
  std::vector<std::string> adapters;
  EndpointMetrics metrics;
  EndpointLoad load;
};

// One request as the picker sees it.
struct PickRequest {
  std::span<const uint64_t> hashes;  // prefix block hashes (prefix_hash.h)
  uint32_t prompt_tokens = 0;
  uint32_t output_tokens = 0;  // expected (max_tokens or an estimate)
  std::string_view lora;       // adapter requested, empty for the base model
  uint64_t session = 0;        // hash of the session key, 0 = none
};

struct PickResult {
  int endpoint = -1;            // index into the pool, -1 when no endpoint can take it
  uint32_t matched_blocks = 0;  // the index's cached-prefix estimate for that endpoint
};

// What a dispatch added to an endpoint's load, handed back to release it exactly.
struct DispatchTicket {
  int endpoint = -1;
  uint64_t tokens = 0;
  uint64_t prefill_tokens = 0;
  bool first_token = false;
  bool done = false;
};

class PoolState {
 public:
  // `block_tokens`: tokens per prefix block (64 characters ≈ 16 tokens).
  explicit PoolState(std::vector<EndpointInfo> endpoints, uint32_t block_tokens = 16,
                     uint32_t index_capacity = PrefixIndex::kDefaultCapacity);

  size_t size() const { return endpoints_.size(); }
  const EndpointInfo& at(size_t e) const { return endpoints_[e]; }
  std::span<const EndpointInfo> endpoints() const { return endpoints_; }
  const PrefixIndex& index() const { return index_; }
  uint32_t block_tokens() const { return block_tokens_; }

  void SetHealthy(size_t e, bool healthy) { endpoints_[e].healthy = healthy; }
  void SetAdapters(size_t e, std::vector<std::string> adapters) {
    endpoints_[e].adapters = std::move(adapters);
  }
  // New scrape; also sizes e's prefix LRU from the reported KV capacity.
  void UpdateMetrics(size_t e, const EndpointMetrics& m);
  // The server restarted: its cache is empty.
  void ClearCache(size_t e) { index_.Clear(e); }

  DispatchTicket OnDispatch(const PickRequest& request, const PickResult& pick);
  void OnFirstToken(DispatchTicket& ticket, double ttft_ms);
  void OnComplete(DispatchTicket& ticket);

 private:
  std::vector<EndpointInfo> endpoints_;
  PrefixIndex index_;
  uint32_t block_tokens_;
};

}  // namespace sluice::routing
