#pragma once
// The fleet simulator with a gateway queue in front (issue 6, docs/fairness.md). Requests carry
// a tenant. The gateway dispatches to the pool — through the same EndpointPicker and PoolState
// as fleet.h — only while the pool is not saturated by src/flow/saturation, fed as the real
// gateway would feed it: each replica's waiting and KV gauges as last scraped (every scrape
// interval) and the gateway's own in-flight requests per replica against max_concurrency.
// Otherwise requests wait in the gateway queue of the policy (sim/gateway_queue.h), which is
// charged output tokens as the replicas' decode steps produce them. Endpoints at their
// concurrency cap are left out of the pick, as the proxy skips targets without a free slot.
// Deterministic for a seed.
#include <string>
#include <vector>

#include "flow/saturation.h"
#include "sim/fleet.h"
#include "sim/gateway_queue.h"
#include "sim/tenants.h"

namespace sluice::sim {

struct FairConfig {
  FleetConfig fleet;
  flow::SaturationThresholds saturation;
  double window = 10;  // seconds per Jain window
  // Slots of the pool (of replicas x max_concurrency) that only a tenant with at most one request
  // waiting at the gateway and fewer in flight than an equal share of the other slots may take:
  // its request goes at once instead of waiting for the next completion; everyone else is held to
  // the rest. For vtc and dlpm, as in the gateway.
  uint32_t reserve = 0;
  // Light tenants' requests arriving before this are left out of their TTFT percentiles (the
  // fleet's cold start: a flood fills every batch at once and prefills for seconds).
  double warmup = 0;
  // After the horizon the run goes on (no new arrivals) until every light tenant's request has
  // its first token, for at most horizon x this; a request still without one counts with the
  // time it had waited by then (a lower bound).
  double max_overrun = 2;
};

// The fleet the fairness suite is sized for: 4 replicas of 4096 blocks (64k tokens of KV),
// 32 sequences each, the picker's defaults, and a concurrency cap of 32 per replica.
FairConfig DefaultFairConfig();

struct TenantResult {
  std::string name;
  bool light = false;
  size_t submitted = 0, rejected = 0, completed = 0;  // completed by the horizon
  size_t censored = 0;  // requests that never got a first token (TTFT is a lower bound)
  double service = 0;   // weighted service over the horizon, divided by the tenant's weight
  double ttft_p50 = 0, ttft_p99 = 0;  // seconds, over its requests that arrived in the horizon
};

struct FairResult {
  std::vector<TenantResult> tenants;
  double jain_mean = 1, jain_min = 1;
  size_t jain_windows = 0;
  double max_gap = 0;              // weighted tokens
  double output_tokens_per_s = 0;  // produced within the horizon
  double requests_per_s = 0;       // completed within the horizon
  double hit_rate = 0;             // cached / prompt tokens over every admitted prompt
  double max_gateway_queue = 0;    // the most requests waiting at the gateway
};

// `requests` sorted by arrival, tenants indexing workload.tenants.
FairResult RunFair(const FairConfig& config, const FairWorkload& workload,
                   const PolicySpec& policy, std::vector<SimRequest> requests);

}  // namespace sluice::sim
