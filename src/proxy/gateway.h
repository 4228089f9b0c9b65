#pragma once
// The data-plane request handler: OpenAI ingress, routing, dispatch to a backend, and the single
// end-of-request accounting (metrics and access log).
#include <boost/asio/awaitable.hpp>

#include "http/server.h"
#include "proxy/attempt.h"
#include "proxy/request_context.h"

namespace sluice::proxy {

class GatewayHandler : public http::RequestHandler {
 public:
  explicit GatewayHandler(WorkerContext& worker) : worker_(worker) {}
  boost::asio::awaitable<void> Handle(http::Exchange& exchange) override;

 private:
  boost::asio::awaitable<void> HandleInference(RequestContext& ctx, api::ApiKind kind);
  boost::asio::awaitable<void> HandleModels(RequestContext& ctx);

  WorkerContext& worker_;
};

// Answers `error` in the OpenAI dialect: a JSON error response, or, once a stream has started, a
// final error event that ends it. Records status and code in ctx.outcome.
// Callers pass a named GatewayError, never a temporary (see the GCC 12 note in http/server.cc).
boost::asio::awaitable<void> ReplyError(RequestContext& ctx, const core::GatewayError& error);

// Waits `delay` on the worker; a client hang-up cuts it short (watch->cancel_wait). False when the
// client is gone.
boost::asio::awaitable<bool> PauseUnlessClientGone(RequestContext& ctx,
                                                   std::chrono::steady_clock::duration delay);

// Attempts, retries and failover over the route's targets (failover.cc); answers the client.
boost::asio::awaitable<void> ServeWithFailover(RequestContext& ctx);

// One attempt on ctx.target. Before anything is committed to the client a failure is returned,
// not answered, so the caller may try elsewhere; after that the attempt writes the answer itself.
boost::asio::awaitable<AttemptResult> AttemptOpenAi(RequestContext& ctx);
boost::asio::awaitable<AttemptResult> AttemptSim(RequestContext& ctx);

// Watches a request's client connection; when the client hangs up it sets watch->client_gone and
// calls watch->cancel_wait. Stopped by setting watch->finished and, if waiting_on_socket,
// cancelling the socket's wait.
boost::asio::awaitable<void> WatchClient(boost::beast::tcp_stream& stream,
                                         std::shared_ptr<ClientWatch> watch);
// Per worker, until it drains: probes the providers that configure health_check (health_check.cc).
boost::asio::awaitable<void> RunHealthChecks(WorkerContext& worker);
// Per worker, while requests are in flight: starts WatchClient for those older than 20 ms.
boost::asio::awaitable<void> WatchSlowRequests(WorkerContext& worker);

}  // namespace sluice::proxy
