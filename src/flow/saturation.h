#pragma once
// Is a pool of endpoints saturated, so that new requests should wait in the gateway's fair queue
// instead of piling up on the servers? GIE's utilisation detector (../shared/reference/
// llm-scheduling.md §1.5): each endpoint's utilisation is max(waiting / queue_depth, kv_usage /
// kv_cache) from its scraped gauges, gauges older than `stale` count as fully used, and the pool is
// saturated when the mean over its available endpoints reaches 1. Unlike GIE, each endpoint's
// share is capped at 1, so one overloaded endpoint cannot hide an idle one (work-conserving: the
// pool is saturated only when no endpoint has room). Sluice adds two hard caps per endpoint: the
// gateway's own in-flight requests against `max_concurrency`, and a provider quota that has run
// out (either makes that endpoint count as fully used). Sans-I/O.
#include <chrono>
#include <cstdint>
#include <span>

namespace sluice::flow {

using SteadyTime = std::chrono::steady_clock::time_point;

struct SaturationThresholds {
  double queue_depth = 5;        // waiting requests on one endpoint (GIE queueDepthThreshold)
  double kv_cache = 0.8;         // KV-cache use of one endpoint (GIE kvCacheUtilThreshold)
  uint32_t max_concurrency = 0;  // the gateway's in-flight requests per endpoint; 0: no cap
  std::chrono::milliseconds stale{200};  // older gauges count as saturated
};

struct EndpointSignals {
  bool available = true;  // not ejected (unavailable endpoints are left out of the mean)
  bool scraped = false;   // the endpoint reports gauges (providers[].metrics or a sim replica)
  SteadyTime gauges_at{};
  double waiting = 0;
  double kv_usage = 0;     // 0..1
  uint32_t in_flight = 0;  // the gateway's own requests on it
  bool quota_exhausted = false;
};

// One endpoint's utilisation: 0 idle, 1 full (capped).
double EndpointUtilisation(const EndpointSignals& e, const SaturationThresholds& t, SteadyTime now);
// True when the endpoint may take no request now (concurrency cap or quota), whatever the mean.
bool EndpointFull(const EndpointSignals& e, const SaturationThresholds& t);
// Mean utilisation over the available endpoints; 0 when none is available (requests then go on to
// fail over or probe instead of waiting for an endpoint that may never come back).
double PoolSaturation(std::span<const EndpointSignals> endpoints, const SaturationThresholds& t,
                      SteadyTime now);
inline bool Saturated(std::span<const EndpointSignals> endpoints, const SaturationThresholds& t,
                      SteadyTime now) {
  return PoolSaturation(endpoints, t, now) >= 1.0;
}

}  // namespace sluice::flow
