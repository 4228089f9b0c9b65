#pragma once
// Picks the endpoint of a pool for one request (docs/routing.md). Policies:
// - kScored: filters (health, LoRA servable, saturation) -> scorers in [0,1] -> weighted sum ->
//   best, random tie-break (GIE's scheduler shape);
// - kCost: least estimated time to first token, queued prefill plus this request's uncached
//   prefill, plus a decode-load term (Dynamo's KV router cost);
// - baselines kRandom, kRoundRobin, kLeastRequest (gateway in-flight), kPowerOfTwo.
// Sans-I/O: time and randomness are passed in; one instance per pool per thread.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

#include "routing/pool_state.h"

namespace sluice::routing {

enum class Policy { kRandom, kRoundRobin, kLeastRequest, kPowerOfTwo, kScored, kCost };

std::optional<Policy> ParsePolicy(std::string_view name);
std::string_view PolicyName(Policy policy);

// Defaults from the fleet simulator (docs/routing.md): prefix 3, queue 1, KV 1 was best or tied
// on every workload; GIE's 3/2/2 gave up some affinity under load.
struct ScorerWeights {
  double prefix = 3;
  double queue = 1;
  double kv_cache = 1;
  double lora = 1;
  double session = 1;
  double latency = 0;
};

struct PickerConfig {
  Policy policy = Policy::kScored;
  ScorerWeights weights;
  // Saturation filter (GIE's utilisation detector): endpoints whose fresh scrape shows at least
  // this many waiting requests or this KV usage are skipped, unless that would skip them all.
  bool saturation_filter = true;
  double saturation_waiting = 5;
  double saturation_kv = 0.8;
  // Scrapes older than this are ignored.
  std::chrono::nanoseconds stale_after = std::chrono::seconds(1);
  // Cost policy: cost = prefill_weight * (queued uncached prefill + this request's uncached
  // prefill tokens) + decode_weight * in-flight tokens.
  double cost_prefill_weight = 1.0;
  double cost_decode_weight = 0.01;
};

class EndpointPicker {
 public:
  explicit EndpointPicker(PickerConfig config = {}) : config_(config) {}
  const PickerConfig& config() const { return config_; }

  // Does not change the pool: call pool.OnDispatch with the result when the request is sent.
  PickResult Pick(const PoolState& pool, const PickRequest& request, SteadyTime now,
                  std::mt19937_64& rng);

 private:
  // Fills candidates_ with the endpoints that pass the filters; returns how many.
  size_t Filter(const PoolState& pool, const PickRequest& request, SteadyTime now);
  PickResult PickScored(const PoolState& pool, const PickRequest& request, size_t n, SteadyTime now,
                        std::mt19937_64& rng);
  PickResult PickCost(const PoolState& pool, const PickRequest& request, size_t n,
                      std::mt19937_64& rng);

  PickerConfig config_;
  size_t next_ = 0;  // round-robin cursor
  std::array<uint16_t, PrefixIndex::kMaxEndpoints> candidates_{};
  std::array<uint32_t, PrefixIndex::kMaxEndpoints> matched_{};
  std::array<double, PrefixIndex::kMaxEndpoints> total_{};
  std::array<double, PrefixIndex::kMaxEndpoints> scratch_{};
};

}  // namespace sluice::routing
