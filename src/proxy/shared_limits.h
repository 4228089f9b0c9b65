#pragma once
// Rate limits in the shared store (config `store: {type: redis}`): admission and reconciliation
// through this worker's Redis connection (policy/redis_limits.h has the scripts).
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "policy/rate_limiter.h"
#include "proxy/request_context.h"

namespace sluice::proxy {

// The decision of the shared store, or nullopt with `why` when it could not answer (down, timed
// out, an unexpected reply): the caller applies the configured fail mode.
boost::asio::awaitable<std::optional<policy::RateLimiter::Decision>> AdmitInSharedStore(
    RequestContext& ctx, const std::vector<policy::RateLimiter::Charge>& charges,
    std::string& why);

// Sends the request's real usage for the buckets it reserved in; does not wait for the answer (a
// reconciliation that fails leaves the reservation counted, erring on the safe side).
void ReconcileInSharedStore(RequestContext& ctx, uint64_t input, uint64_t output,
                            uint64_t cost_micros);

// Closes the worker's store connection once idle (a draining worker's loop can then end).
void DrainSharedStore(WorkerContext& worker);

}  // namespace sluice::proxy
