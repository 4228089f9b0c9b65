#pragma once
// The data-plane request handler: OpenAI ingress, routing, dispatch to a backend, and the single
// end-of-request accounting (metrics and access log).
#include <boost/asio/awaitable.hpp>

#include "http/server.h"
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

// Backends. Each writes the whole response (or error) and fills ctx.outcome.
boost::asio::awaitable<void> RelayToOpenAi(RequestContext& ctx);
boost::asio::awaitable<void> ServeFromSim(RequestContext& ctx);

}  // namespace sluice::proxy
