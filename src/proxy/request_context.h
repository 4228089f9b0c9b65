#pragma once
// Per-worker and per-request state of the proxy.
#include <boost/json/monotonic_resource.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "api/openai_request.h"
#include "core/access_log.h"
#include "core/error.h"
#include "core/request_id.h"
#include "http/exchange.h"
#include "http/upstream_client.h"
#include "proxy/snapshot.h"
#include "telemetry/metrics.h"
#include "telemetry/request_outcome.h"

namespace sluice::proxy {

// Owned by one worker thread; everything here is touched only from that thread.
struct WorkerContext {
  WorkerContext(boost::asio::any_io_executor ex, std::shared_ptr<const Snapshot> snap,
                core::AccessLogWriter* log, uint64_t seed)
      : executor(ex), snapshot(std::move(snap)), pool(ex), ids(seed), access_log(log) {}

  boost::asio::any_io_executor executor;
  std::shared_ptr<const Snapshot> snapshot;  // replaced by reloads (posted to this thread)
  http::ConnectionPool pool;
  core::RequestIdGenerator ids;
  telemetry::MetricsShard metrics;
  core::AccessLogWriter* access_log;
};

struct RequestContext {
  RequestContext(http::Exchange& ex, WorkerContext& w)
      : exchange(ex),
        worker(w),
        snapshot(w.snapshot),
        arena(buffer, sizeof buffer),
        parsed(&arena) {}

  http::Exchange& exchange;
  WorkerContext& worker;
  std::shared_ptr<const Snapshot> snapshot;

  // The request DOM lives in this arena: one allocation-free parse for typical bodies.
  unsigned char buffer[8192];
  boost::json::monotonic_resource arena;
  api::ParsedRequest parsed;
  routing::ResolvedRoute route;

  std::vector<http::HeaderLine> response_headers;  // x-sluice-* and friends
  telemetry::RequestOutcome outcome;
  // Time spent waiting on the upstream (connect, write, wait for bytes); excluded from overhead.
  std::chrono::steady_clock::duration upstream_wait{};
};

// Adds up time spent awaiting the upstream into RequestContext::upstream_wait.
class UpstreamWaitTimer {
 public:
  explicit UpstreamWaitTimer(RequestContext& ctx)
      : ctx_(ctx), start_(std::chrono::steady_clock::now()) {}
  ~UpstreamWaitTimer() { ctx_.upstream_wait += std::chrono::steady_clock::now() - start_; }

 private:
  RequestContext& ctx_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace sluice::proxy
