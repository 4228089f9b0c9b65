#pragma once
// Per-worker and per-request state of the proxy.
#include <boost/asio/steady_timer.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/openai_request.h"
#include "api/unified.h"
#include "core/access_log.h"
#include "core/error.h"
#include "core/request_id.h"
#include "http/exchange.h"
#include "http/upstream_client.h"
#include "proxy/retry_policy.h"
#include "providers/gemini/vertex_auth.h"
#include "proxy/snapshot.h"
#include "routing/endpoint_health.h"
#include "telemetry/metrics.h"
#include "telemetry/request_outcome.h"
#include "telemetry/request_trace.h"

namespace sluice::store {
class RedisClient;
}

namespace sluice::proxy {

struct RequestContext;
class FlowPool;

// Owned by one worker thread; everything here is touched only from that thread.
struct WorkerContext {
  WorkerContext(boost::asio::any_io_executor ex, std::shared_ptr<const Snapshot> snap,
                core::AccessLogWriter* log, uint64_t seed)
      : executor(ex), snapshot(std::move(snap)), pool(ex), ids(seed), access_log(log), rng(seed) {}

  boost::asio::any_io_executor executor;
  std::shared_ptr<const Snapshot> snapshot;  // replaced by reloads (posted to this thread)
  http::ConnectionPool pool;
  core::RequestIdGenerator ids;
  telemetry::MetricsShard metrics;
  core::AccessLogWriter* access_log;
  std::mt19937_64 rng;          // target choice and backoff jitter
  routing::HealthTable health;  // passive outlier detection, per endpoint
  std::map<std::string, RetryBudget, std::less<>> retry_budgets;  // by route (model entry) name
  // Requests waiting on a backend. A sweep every 20 ms starts a client watcher for those that have
  // waited that long (a fast request needs none, and arming one costs a syscall); the sweeper runs
  // only while this list is non-empty.
  std::list<RequestContext*> in_flight;
  bool sweeper_running = false;
  // Requests waiting for a slot of a provider whose circuit is open (max_pending), by provider.
  struct SlotWaiter {
    boost::asio::steady_timer* timer;
    bool woken = false;
  };
  std::unordered_map<std::string, std::list<SlotWaiter>> slot_waiters;
  // Vertex AI access tokens, by provider and service account (vertex_token.cc).
  std::unordered_map<std::string, providers::gemini::TokenCache> vertex_tokens;
  // Active health checks (health_check.cc); a drain sets `stopping` and cancels the timer.
  bool stopping = false;
  boost::asio::steady_timer* health_check_timer = nullptr;
  // This worker's connection to the shared store, made on first use (shared_limits.cc).
  std::shared_ptr<store::RedisClient> redis;
  // The one worker that scrapes model-server gauges (providers[].metrics) for everyone.
  bool scrapes_metrics = false;
};

// Shared by a request and the coroutine watching its client connection: lets a client that goes
// away cancel whatever the request is waiting on, at once.
struct ClientWatch {
  bool finished = false;  // the request is done; the watcher must not touch the socket any more
  bool client_gone = false;
  bool started = false;  // a watcher coroutine was spawned for this request
  bool waiting_on_socket = false;
  std::function<void()> cancel_wait;  // set by whoever is awaiting the upstream (or the sim)
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
  api::Dialect dialect = api::Dialect::kOpenAi;
  // The request in the unified model, for attempts on a provider with another API than the
  // client's: decoded at ingress (Anthropic clients) or on the first such attempt (OpenAI ones).
  std::unique_ptr<api::ChatRequest> unified;
  routing::ResolvedRoute route;
  const routing::RouteTarget* target = nullptr;  // the current attempt's target
  std::string_view upstream_model;               // the model name sent to `target`
  int key_index = -1;  // the provider key of the current attempt (upstream_io.h PickKey)
  const config::Consumer* consumer = nullptr;     // who is calling; null: anonymous
  policy::RateLimiter::Reservation reservation;   // rate-limit budget held until Finish
  // Output tokens a stream may relay before a hard limit (`hard_rule`) ends it; -1: no limit.
  int64_t output_allowance = -1;
  std::string hard_rule;
  bool usage_trailer = false;                    // client sent x-sluice-usage: trailer
  std::shared_ptr<ClientWatch> watch = std::make_shared<ClientWatch>();

  std::vector<http::HeaderLine> response_headers;  // x-sluice-* and friends
  telemetry::RequestOutcome outcome;
  telemetry::RequestTrace trace;  // proxy/tracing.h
  int upstream_status = 0;        // HTTP status of the current attempt's upstream answer; 0: none
  // The prompt's block hashes for LLM-aware routing, computed on the first pick.
  std::vector<uint64_t> prefix_hashes;
  bool prefix_hashed = false;
  // Time spent waiting on the upstream (connect, write, wait for bytes); excluded from overhead.
  std::chrono::steady_clock::duration upstream_wait{};
  // Fair queueing (flow_wait.cc): the grant this request holds in its model's FlowPool.
  struct FlowGrant {
    FlowPool* pool = nullptr;  // null: the model has no queue, or no grant is held
    std::string tenant;
    double weight = 1;
    uint64_t expected_tokens = 0;  // charged to a provider quota per attempt
    uint64_t charged_output = 0;   // output tokens charged to the tenant's counter so far
    bool started = false;          // an attempt reached an endpoint
  } flow;
};

// Charges a stream's output so far to its tenant in the fair queue, every 16 tokens.
void ChargeStreamOutput(RequestContext& ctx, uint64_t output_tokens);

// A stream has relayed `output_tokens` so far: true once that is more than a hard limit left it
// (RequestContext::output_allowance; the relay then ends it with the error of BudgetSpent). Fair
// queueing learns the stream's progress here too.
inline bool CountStreamOutput(RequestContext& ctx, uint64_t output_tokens) {
  if (ctx.flow.pool && output_tokens >= ctx.flow.charged_output + 16)
    ChargeStreamOutput(ctx, output_tokens);
  return ctx.output_allowance >= 0 && output_tokens > static_cast<uint64_t>(ctx.output_allowance);
}
// The policy_budget_exceeded error that ends such a stream, also noted in the request's outcome.
core::GatewayError BudgetSpent(RequestContext& ctx);

// Adds up time spent awaiting the upstream into RequestContext::upstream_wait.
class UpstreamWaitTimer {
 public:
  // `start`: a clock reading the caller just took, if any.
  explicit UpstreamWaitTimer(RequestContext& ctx, std::chrono::steady_clock::time_point start =
                                                      std::chrono::steady_clock::now())
      : ctx_(ctx), start_(start) {}
  ~UpstreamWaitTimer() { ctx_.upstream_wait += std::chrono::steady_clock::now() - start_; }

 private:
  RequestContext& ctx_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace sluice::proxy
