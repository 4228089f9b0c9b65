#pragma once
// The data-plane request handler: OpenAI and Anthropic ingress, routing, dispatch to a backend, and
// the single end-of-request accounting (metrics and access log).
#include <boost/asio/awaitable.hpp>

#include "api/stream_encoder.h"
#include "http/server.h"
#include "proxy/attempt.h"
#include "proxy/request_context.h"

namespace sluice::proxy {

class GatewayHandler : public http::RequestHandler {
 public:
  explicit GatewayHandler(WorkerContext& worker) : worker_(worker) {}
  boost::asio::awaitable<void> Handle(http::Exchange& exchange) override;

 private:
  // OpenAI chat, completions and embeddings: parses the request for ServeModel. False with
  // `error` when it cannot be served. A plain function: the common path has a coroutine frame less.
  bool StartInference(RequestContext& ctx, api::ApiKind kind, core::GatewayError& error);
  boost::asio::awaitable<void> HandleModels(RequestContext& ctx);
  // Ingress served through the unified model: Anthropic /v1/messages (and count_tokens) and
  // OpenAI /v1/responses.
  boost::asio::awaitable<void> HandleUnified(RequestContext& ctx, bool count_tokens);
  // Consumer rate limits: reserves the request's budget, or answers 429 and returns false.
  boost::asio::awaitable<bool> AdmitRateLimits(RequestContext& ctx);
  // Routes the parsed request (ctx.outcome.model) and serves it with failover.
  boost::asio::awaitable<void> ServeModel(RequestContext& ctx);

  WorkerContext& worker_;
};

// Answers `error` in the client's dialect: a JSON error response, or, once a stream has started, a
// final error event that ends it. Records status and code in ctx.outcome.
// Callers pass a named GatewayError, never a temporary (see the GCC 12 note in http/server.cc).
boost::asio::awaitable<void> ReplyError(RequestContext& ctx, const core::GatewayError& error);

// Waits `delay` on the worker; a client hang-up cuts it short (watch->cancel_wait). False when the
// client is gone.
boost::asio::awaitable<bool> PauseUnlessClientGone(RequestContext& ctx,
                                                   std::chrono::steady_clock::duration delay);

// Fair queueing (flow_wait.cc): waits until the model's FlowPool grants the request (at once when
// it has room). False when the request was answered instead (429 policy_queue_full or
// policy_queue_timeout, 400 for a bad x-sluice-priority) or its client left.
boost::asio::awaitable<bool> AwaitFlowGrant(RequestContext& ctx, FlowPool& pool);
// The request ended: charges the output not charged yet and gives its grant back (no-op without).
void ReleaseFlowGrant(RequestContext& ctx);

// The prompt's block hashes for the prefix index (ctx.prefix_hashes), computed once per request.
void HashPrompt(RequestContext& ctx, const config::Model& model);

// Attempts, retries and failover over the route's targets (failover.cc); answers the client.
boost::asio::awaitable<void> ServeWithFailover(RequestContext& ctx);

// One attempt on ctx.target. Before anything is committed to the client a failure is returned,
// not answered, so the caller may try elsewhere; after that the attempt writes the answer itself.
boost::asio::awaitable<AttemptResult> AttemptOpenAi(RequestContext& ctx);
boost::asio::awaitable<AttemptResult> AttemptSim(RequestContext& ctx);
// Through the unified model: the client's dialect differs from the provider's (translated_relay.cc,
// sim_backend.cc).
boost::asio::awaitable<AttemptResult> AttemptTranslated(RequestContext& ctx);
boost::asio::awaitable<AttemptResult> AttemptSimTranslated(RequestContext& ctx);
// OpenAI embeddings served by a gemini (batchEmbedContents), vertex (predict) or bedrock
// (InvokeModel: Titan, Cohere) provider.
boost::asio::awaitable<AttemptResult> AttemptEmbeddingsTranslated(RequestContext& ctx);
// POST /v1/messages/count_tokens relayed to ctx.target (an Anthropic provider) with `body`.
boost::asio::awaitable<AttemptResult> CountTokensUpstream(RequestContext& ctx, std::string body);
// A Vertex AI access token for ctx.target's service account (cached per worker; fetched from the
// account's token_uri when missing or near expiry). False with `error` (provider_auth_failed).
boost::asio::awaitable<bool> VertexAccessToken(RequestContext& ctx, std::string& token,
                                               core::GatewayError& error);
// The unified form of the request (decoded from the OpenAI DOM on first use). Null after a failed
// decode, with `error` set.
api::ChatRequest* UnifiedRequest(RequestContext& ctx, core::GatewayError& error);
// How the answer is named in the client's dialect (id prefix, model).
api::ResponseIds ClientResponseIds(const RequestContext& ctx);
// A whole unified answer as a body in the client's dialect.
std::string EncodeClientResponse(const RequestContext& ctx, const api::ChatResponse& response);
// Renders unified deltas in the client's dialect; needs ctx.unified.
std::unique_ptr<api::StreamEncoder> NewClientStreamEncoder(const RequestContext& ctx);

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
