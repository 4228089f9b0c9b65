#include "flow/saturation.h"

#include <algorithm>

namespace sluice::flow {

bool EndpointFull(const EndpointSignals& e, const SaturationThresholds& t) {
  return e.quota_exhausted || (t.max_concurrency > 0 && e.in_flight >= t.max_concurrency);
}

double EndpointUtilisation(const EndpointSignals& e, const SaturationThresholds& t,
                           SteadyTime now) {
  if (EndpointFull(e, t)) return 1.0;
  double u = 0;
  if (t.max_concurrency > 0) u = double(e.in_flight) / double(t.max_concurrency);
  if (e.scraped) {
    if (now - e.gauges_at > t.stale) return 1.0;
    if (t.queue_depth > 0) u = std::max(u, e.waiting / t.queue_depth);
    if (t.kv_cache > 0) u = std::max(u, e.kv_usage / t.kv_cache);
  }
  return std::min(u, 1.0);
}

double PoolSaturation(std::span<const EndpointSignals> endpoints, const SaturationThresholds& t,
                      SteadyTime now) {
  double sum = 0;
  size_t n = 0;
  for (const auto& e : endpoints) {
    if (!e.available) continue;
    sum += EndpointUtilisation(e, t, now);
    ++n;
  }
  return n == 0 ? 0 : sum / double(n);
}

}  // namespace sluice::flow
