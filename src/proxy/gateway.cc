#include "proxy/gateway.h"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cerrno>

#include "api/anthropic_messages.h"
#include "api/openai_errors.h"
#include "api/openai_responses.h"
#include "core/json_parse.h"
#include "policy/pricing.h"
#include "proxy/tracing.h"
#include "proxy/shared_limits.h"

namespace sluice::proxy {

namespace json = boost::json;
using boost::asio::awaitable;
using core::ErrorCode;
using core::GatewayError;

namespace {

double Micros(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

// The one place a request's outcome is accounted: metrics shard and access log.
void Finish(RequestContext& ctx) {
  auto now = std::chrono::steady_clock::now();
  const http::Exchange& ex = ctx.exchange;
  auto& o = ctx.outcome;
  auto total = now - ex.started_at();
  o.duration_ms = Micros(total) / 1000.0;
  o.overhead_us = std::max(0.0, Micros(total - ctx.upstream_wait));
  if (o.ttft_ms < 0 && ex.response_started())
    o.ttft_ms = Micros(ex.first_byte_at() - ex.started_at()) / 1000.0;
  const policy::ModelPrice* price = policy::FindPrice(*ctx.snapshot->config, o.model);
  if (price) o.cost_usd = o.has_usage ? policy::CostUsd(*price, o.usage) : 0;
  // The reservation becomes what the request really used (nothing, if it never got an answer).
  if (!ctx.reservation.held.empty()) {
    uint64_t input = o.has_usage ? o.usage.input : 0, output = o.has_usage ? o.usage.output : 0;
    auto cost_micros = static_cast<uint64_t>(std::max(0.0, o.cost_usd) * 1e6);
    if (ctx.reservation.in_redis)
      ReconcileInSharedStore(ctx, input, output, cost_micros);
    else
      ctx.snapshot->limiter->Reconcile(ctx.reservation, input, output, cost_micros);
  }
  if (ctx.snapshot->ledger && !o.route.empty()) {
    policy::LedgerEntry entry;
    entry.ts_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    entry.request_id = o.request_id;
    entry.consumer = o.consumer;
    entry.team = ctx.consumer ? ctx.consumer->team : std::string();
    entry.model = o.model;
    entry.route = o.route;
    entry.provider = o.provider;
    if (o.has_usage) entry.usage = o.usage;
    entry.cost_usd = std::max(0.0, o.cost_usd);
    entry.status = o.status;
    ctx.snapshot->ledger->Append(std::move(entry));
  }
  ctx.worker.metrics.RecordRequest(o, now);
  EndRequestTrace(ctx);
  if (ctx.worker.access_log && ctx.worker.access_log->enabled())
    ctx.worker.access_log->Append(telemetry::RenderAccessLogLine(o));
}

enum class Endpoint {
  kChat,
  kCompletions,
  kEmbeddings,
  kResponses,
  kModels,
  kMessages,
  kCountTokens,
  kUnknown
};

Endpoint MatchEndpoint(std::string_view path, std::string_view* method_needed) {
  if (path == "/v1/chat/completions") return *method_needed = "POST", Endpoint::kChat;
  if (path == "/v1/completions") return *method_needed = "POST", Endpoint::kCompletions;
  if (path == "/v1/embeddings") return *method_needed = "POST", Endpoint::kEmbeddings;
  if (path == "/v1/responses") return *method_needed = "POST", Endpoint::kResponses;
  if (path == "/v1/models") return *method_needed = "GET", Endpoint::kModels;
  if (path == "/v1/messages") return *method_needed = "POST", Endpoint::kMessages;
  if (path == "/v1/messages/count_tokens") return *method_needed = "POST", Endpoint::kCountTokens;
  return Endpoint::kUnknown;
}

// Who is calling. False with `error` when the request must be refused: a key that matches no
// consumer, or no key where anonymous access is off.
bool Authenticate(RequestContext& ctx, GatewayError& error) {
  const Snapshot& snap = *ctx.snapshot;
  if (snap.config->consumers.empty()) return true;  // no consumers configured: authentication is off
  const auto& req = ctx.exchange.request();
  auto header = [&](std::string_view name) {
    auto it = req.find(name);
    return it == req.end() ? std::string_view() : std::string_view(it->value());
  };
  std::string_view key =
      policy::ApiKeyFrom(header("authorization"), header("x-api-key"), header("api-key"));
  if (key.empty()) {
    if (snap.config->anonymous) return true;
    error = GatewayError(ErrorCode::kCallerUnauthorized,
                         "an API key is required: send Authorization: Bearer <key> (or x-api-key)");
    return false;
  }
  if (snap.jwt && policy::LooksLikeJwt(key)) {
    std::string subject, why;
    if (!snap.jwt->Verify(key, snap.config->jwt, std::chrono::system_clock::now(), subject, why)) {
      error = GatewayError(ErrorCode::kCallerUnauthorized, why);
      return false;
    }
    for (const auto& c : snap.config->consumers)
      if (c.name == subject) ctx.consumer = &c;
    if (!ctx.consumer) {
      error = GatewayError(ErrorCode::kCallerUnauthorized, "the JWT names no known consumer");
      return false;
    }
  } else {
    ctx.consumer = snap.consumers.Find(key);
    if (!ctx.consumer) {
      error = GatewayError(ErrorCode::kCallerUnauthorized, "the API key is not valid");
      return false;
    }
  }
  ctx.outcome.consumer = ctx.consumer->name;
  return true;
}

// The rate-limit buckets this request falls in, with what it may use of each.
std::vector<policy::RateLimiter::Charge> RateLimitCharges(const RequestContext& ctx,
                                                          uint32_t prompt_chars,
                                                          int64_t max_tokens) {
  std::vector<policy::RateLimiter::Charge> charges;
  const auto& o = ctx.outcome;
  for (const auto& rule : ctx.snapshot->config->rate_limits) {
    bool applies = rule.models.empty();
    for (const auto& pattern : rule.models)
      applies = applies || routing::WildcardMatch(pattern, o.model) || pattern == o.route;
    if (!applies) continue;
    std::string bucket = rule.name;
    for (const auto& by : rule.by) {
      bucket += '|';
      if (by == "consumer") {
        bucket += ctx.consumer ? std::string_view(ctx.consumer->name) : "(anonymous)";
      } else if (by == "team") {
        bucket += ctx.consumer && !ctx.consumer->team.empty() ? std::string_view(ctx.consumer->team)
                                                               : "(none)";
      } else if (by == "model") {
        bucket += o.model;
      } else if (by == "route") {
        bucket += o.route;
      } else {  // header:<name>; long values are cut so a client cannot grow the table at will
        auto it = ctx.exchange.request().find(std::string_view(by).substr(7));
        if (it != ctx.exchange.request().end()) bucket += it->value().substr(0, 128);
      }
    }
    uint64_t output = max_tokens > 0 ? static_cast<uint64_t>(max_tokens) : rule.default_output_tokens;
    uint64_t input = api::EstimateTokens(prompt_chars);
    uint64_t cost_micros = 0;
    double per_token = 0;
    if (rule.cost_usd > 0)
      if (const policy::ModelPrice* price = policy::FindPrice(*ctx.snapshot->config, o.model)) {
        core::TokenUsage most;
        most.input = input;
        most.output = output;
        cost_micros = static_cast<uint64_t>(policy::CostUsd(*price, most) * 1e6);
        per_token = price->output_per_mtok;  // USD per million tokens = micro-USD per token
      }
    charges.push_back({&rule, std::move(bucket), input, output, cost_micros, per_token});
  }
  return charges;
}

}  // namespace

awaitable<void> ReplyError(RequestContext& ctx, const GatewayError& error) {
  ctx.outcome.error_code = core::ErrorCodeName(error.code);
  http::Exchange& ex = ctx.exchange;
  bool anthropic = ctx.dialect == api::Dialect::kAnthropic;
  if (ex.response_started()) {
    // Too late for a status code: the stream ends with an error event (no [DONE]).
    std::string event = anthropic ? api::RenderAnthropicStreamError(error)
                        : ctx.dialect == api::Dialect::kOpenAiResponses
                            ? api::RenderResponsesStreamError(error, 0)
                            : api::RenderOpenAiStreamError(error);
    co_await ex.StreamChunk(event, /*last=*/true);
    ex.set_keep_alive(false);
    co_return;
  }
  ctx.outcome.status = error.http_status();
  std::string body = anthropic ? api::RenderAnthropicError(error) : api::RenderOpenAiError(error);
  co_await ex.Reply(error.http_status(), "application/json", body, ctx.response_headers);
}

awaitable<void> GatewayHandler::Handle(http::Exchange& exchange) {
  RequestContext ctx(exchange, worker_);
  ++worker_.metrics.active_requests;
  const auto& req = exchange.request();
  std::string_view target = req.target();
  std::string_view path = target.substr(0, target.find('?'));
  auto& o = ctx.outcome;
  o.request_id = worker_.ids.Next();
  o.method = req.method_string();
  o.path = std::string(path);
  ctx.response_headers.reserve(4);  // request id, backend, attempts: one allocation for all
  ctx.response_headers.push_back({"x-sluice-request-id", o.request_id});
  BeginRequestTrace(ctx);

  std::string_view method_needed;
  Endpoint endpoint = MatchEndpoint(path, &method_needed);
  if (endpoint == Endpoint::kMessages || endpoint == Endpoint::kCountTokens)
    ctx.dialect = api::Dialect::kAnthropic;
  if (endpoint == Endpoint::kResponses) ctx.dialect = api::Dialect::kOpenAiResponses;
  GatewayError auth_error;
  if (endpoint == Endpoint::kUnknown) {
    GatewayError error(ErrorCode::kCallerNotFound, "no such endpoint: " + o.path);
    co_await ReplyError(ctx, error);
  } else if (!Authenticate(ctx, auth_error)) {
    co_await ReplyError(ctx, auth_error);
  } else if (req.method_string() != method_needed) {
    ctx.response_headers.push_back({"allow", std::string(method_needed)});
    GatewayError error(ErrorCode::kCallerMethodNotAllowed,
                       o.path + " accepts " + std::string(method_needed) + " only");
    co_await ReplyError(ctx, error);
  } else if (endpoint == Endpoint::kModels) {
    co_await HandleModels(ctx);
  } else if (endpoint == Endpoint::kMessages || endpoint == Endpoint::kCountTokens ||
             endpoint == Endpoint::kResponses) {
    co_await HandleUnified(ctx, endpoint == Endpoint::kCountTokens);
  } else {
    api::ApiKind kind = endpoint == Endpoint::kChat          ? api::ApiKind::kChatCompletions
                        : endpoint == Endpoint::kCompletions ? api::ApiKind::kCompletions
                                                             : api::ApiKind::kEmbeddings;
    GatewayError error;
    if (StartInference(ctx, kind, error))
      co_await ServeModel(ctx);
    else
      co_await ReplyError(ctx, error);
  }
  Finish(ctx);
  --worker_.metrics.active_requests;
  if (o.stream) --worker_.metrics.active_streams;
}

awaitable<void> GatewayHandler::HandleModels(RequestContext& ctx) {
  json::array data;
  for (const auto& name : ctx.snapshot->routes.listed_models())
    if (!ctx.consumer || policy::ModelAllowed(*ctx.consumer, name))
      data.push_back(json::object{
          {"id", name}, {"object", "model"}, {"created", 0}, {"owned_by", "sluice"}});
  std::string body = json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}});
  ctx.outcome.status = 200;
  co_await ctx.exchange.Reply(200, "application/json", body, ctx.response_headers);
}

bool GatewayHandler::StartInference(RequestContext& ctx, api::ApiKind kind, GatewayError& error) {
  if (!api::ParseOpenAiRequest(kind, ctx.exchange.request().body(), ctx.parsed, error))
    return false;
  auto& o = ctx.outcome;
  o.model = std::string(ctx.parsed.model);
  o.operation = api::ApiKindOperation(kind);
  o.stream = ctx.parsed.stream;
  if (o.stream) ++worker_.metrics.active_streams;
  ctx.usage_trailer = ctx.parsed.stream && ctx.exchange.request()["x-sluice-usage"] == "trailer";
  return true;
}

awaitable<void> GatewayHandler::HandleUnified(RequestContext& ctx, bool count_tokens) {
  boost::system::error_code ec;
  json::value doc = core::ParseJson(ctx.exchange.request().body(), &ctx.arena, ec);
  if (ec || !doc.is_object()) {
    GatewayError error(ErrorCode::kCallerInvalidJson,
                       ec ? "request body is not valid JSON: " + ec.message()
                          : "request body must be a JSON object");
    co_await ReplyError(ctx, error);
    co_return;
  }
  auto request = std::make_unique<api::ChatRequest>();
  GatewayError error;
  const json::object& body = doc.get_object();
  bool ok = ctx.dialect == api::Dialect::kOpenAiResponses
                ? api::DecodeResponsesRequest(body, *request, error)
            : count_tokens ? api::DecodeAnthropicCountTokens(body, *request, error)
                           : api::DecodeAnthropicRequest(body, *request, error);
  if (!ok) {
    co_await ReplyError(ctx, error);
    co_return;
  }
  auto& o = ctx.outcome;
  o.model = request->model;
  o.operation = count_tokens                                      ? "count_tokens"
                : ctx.dialect == api::Dialect::kOpenAiResponses ? "responses"
                                                                : "chat";
  o.stream = request->stream;
  if (o.stream) ++worker_.metrics.active_streams;
  if (count_tokens) {
    // An Anthropic provider counts exactly; for any other, a local estimate (about four
    // characters per token).
    ctx.route = ctx.snapshot->routes.Resolve(o.model);
    const routing::Route* route = ctx.route.route;
    if (route && !route->targets.empty() &&
        route->targets.front().provider->type == config::ProviderType::kAnthropic) {
      ctx.target = &route->targets.front();
      ctx.upstream_model = routing::UpstreamModel(*ctx.target, ctx.route.requested);
      o.route = route->model->name;
      o.provider = ctx.target->provider->name;
      o.provider_type = config::ProviderTypeName(ctx.target->provider->type);
      doc.get_object()["model"] = ctx.upstream_model;
      std::string forwarded = json::serialize(doc);  // named: no temporaries into co_await
      AttemptResult result = co_await CountTokensUpstream(ctx, forwarded);
      if (!result.committed) co_await ReplyError(ctx, result.error);
      co_return;
    }
    uint32_t tokens = api::EstimateTokens(request->prompt_chars);
    std::string count = json::serialize(json::object{{"input_tokens", tokens}});
    o.status = 200;
    co_await ctx.exchange.Reply(200, "application/json", count, ctx.response_headers);
    co_return;
  }
  ctx.parsed.stream = request->stream;
  ctx.parsed.prompt_chars = request->prompt_chars;
  ctx.unified = std::move(request);
  co_await ServeModel(ctx);
}

awaitable<bool> GatewayHandler::AdmitRateLimits(RequestContext& ctx) {
  if (ctx.snapshot->config->rate_limits.empty()) co_return true;
  uint32_t prompt_chars = ctx.unified ? ctx.unified->prompt_chars : ctx.parsed.prompt_chars;
  int64_t max_tokens = ctx.unified ? ctx.unified->max_tokens.value_or(-1) : ctx.parsed.max_tokens;
  auto charges = RateLimitCharges(ctx, prompt_chars, max_tokens);
  if (charges.empty()) co_return true;
  policy::RateLimiter::Decision decision;
  if (const auto& store = ctx.snapshot->config->store; store.redis) {
    std::string why;
    auto shared = co_await AdmitInSharedStore(ctx, charges, why);
    if (!shared) {
      worker_.metrics.RecordStoreFailure(store.fail_open);
      if (store.fail_open) {
        ctx.outcome.limits_unchecked = true;
        co_return true;
      }
      ctx.outcome.error_detail = why;
      ctx.response_headers.push_back({"retry-after", "1"});
      GatewayError down(ErrorCode::kGatewayStoreUnavailable,
                        "rate limits cannot be checked: the gateway's shared store is unavailable; "
                        "retry shortly");
      co_await ReplyError(ctx, down);
      co_return false;
    }
    decision = std::move(*shared);
  } else {
    decision =
        ctx.snapshot->limiter->Admit(charges, std::chrono::system_clock::now(), ctx.reservation);
  }
  auto& headers = ctx.response_headers;
  if (decision.limit_requests >= 0) {
    headers.push_back({"x-ratelimit-limit-requests", std::to_string(decision.limit_requests)});
    headers.push_back(
        {"x-ratelimit-remaining-requests", std::to_string(decision.remaining_requests)});
  }
  if (decision.limit_tokens >= 0) {
    headers.push_back({"x-ratelimit-limit-tokens", std::to_string(decision.limit_tokens)});
    headers.push_back({"x-ratelimit-remaining-tokens", std::to_string(decision.remaining_tokens)});
  }
  if (decision.admitted) {
    ctx.output_allowance = decision.output_allowance;
    ctx.hard_rule = decision.hard_rule;
    co_return true;
  }
  auto seconds = (decision.retry_after.count() + 999) / 1000;
  headers.push_back({"retry-after", std::to_string(std::max<int64_t>(1, seconds))});
  worker_.metrics.RecordRateLimited(decision.rule);
  ctx.outcome.error_detail = "rate limit " + decision.rule + " (" + decision.dimension + ")";
  bool budget = decision.dimension == "cost_usd";  // money spent, not a rate
  GatewayError limited(budget ? ErrorCode::kPolicyBudgetExceeded : ErrorCode::kPolicyRateLimited,
                       (budget ? "budget '" : "rate limit '") + decision.rule + "' reached (" +
                           decision.dimension + "); retry in " +
                           std::to_string(std::max<int64_t>(1, seconds)) + " s");
  co_await ReplyError(ctx, limited);
  co_return false;
}

awaitable<void> GatewayHandler::ServeModel(RequestContext& ctx) {
  auto& o = ctx.outcome;
  std::string_view model = o.model;
  ctx.route = ctx.snapshot->routes.Resolve(model);
  if (!ctx.route.route || ctx.route.route->targets.empty()) {
    GatewayError unknown(ErrorCode::kCallerUnknownModel,
                         "model '" + o.model + "' is not served by this gateway", "model");
    co_await ReplyError(ctx, unknown);
    co_return;
  }
  const auto& route = *ctx.route.route;
  o.route = route.model->name;
  if (ctx.consumer && !policy::ModelAllowed(*ctx.consumer, o.model)) {
    GatewayError blocked(ErrorCode::kPolicyBlocked,
                         "consumer '" + ctx.consumer->name + "' may not use model '" + o.model + "'",
                         "model");
    co_await ReplyError(ctx, blocked);
    co_return;
  }
  // Checked here first: without rate limits there is no coroutine frame to pay for.
  if (!ctx.snapshot->config->rate_limits.empty() && !co_await AdmitRateLimits(ctx)) co_return;

  auto in_flight = worker_.in_flight.insert(worker_.in_flight.end(), &ctx);
  if (!worker_.sweeper_running) {
    worker_.sweeper_running = true;
    boost::asio::co_spawn(worker_.executor, WatchSlowRequests(worker_), boost::asio::detached);
  }
  // With a queue the request may wait here for its turn (it is in `in_flight` already, so a client
  // that hangs up while it waits is noticed).
  // The grant goes back however the request ends, an exception included.
  struct GrantRelease {
    RequestContext& ctx;
    ~GrantRelease() { ReleaseFlowGrant(ctx); }
  } release_grant{ctx};
  FlowPool* flow = ctx.snapshot->flow_pool(route.model->name);
  if (!flow || co_await AwaitFlowGrant(ctx, *flow)) co_await ServeWithFailover(ctx);
  worker_.in_flight.erase(in_flight);
  ctx.watch->finished = true;
  boost::system::error_code ignored;
  if (ctx.watch->waiting_on_socket) ctx.exchange.stream().socket().cancel(ignored);
  if (ctx.watch->client_gone) ctx.exchange.set_keep_alive(false);
}

awaitable<bool> PauseUnlessClientGone(RequestContext& ctx,
                                      std::chrono::steady_clock::duration delay) {
  if (delay.count() <= 0) co_return !ctx.watch->client_gone;
  boost::asio::steady_timer timer(ctx.worker.executor, delay);
  ctx.watch->cancel_wait = [&timer] { timer.cancel(); };
  co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  ctx.watch->cancel_wait = nullptr;
  co_return !ctx.watch->client_gone;
}

awaitable<void> WatchSlowRequests(WorkerContext& worker) {
  constexpr auto kPeriod = std::chrono::milliseconds(20);
  boost::asio::steady_timer timer(worker.executor);
  while (!worker.in_flight.empty()) {
    timer.expires_after(kPeriod);
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    auto started_before = std::chrono::steady_clock::now() - kPeriod;
    for (RequestContext* ctx : worker.in_flight) {
      if (ctx->watch->started || ctx->exchange.started_at() > started_before) continue;
      ctx->watch->started = true;
      boost::asio::co_spawn(worker.executor, WatchClient(ctx->exchange.stream(), ctx->watch),
                            boost::asio::detached);
    }
  }
  worker.sweeper_running = false;
}

awaitable<void> WatchClient(boost::beast::tcp_stream& stream, std::shared_ptr<ClientWatch> watch) {
  if (watch->finished) co_return;
  auto& socket = stream.socket();
  watch->waiting_on_socket = true;
  auto [ec] = co_await socket.async_wait(boost::asio::socket_base::wait_read,
                                         boost::asio::as_tuple(boost::asio::use_awaitable));
  watch->waiting_on_socket = false;
  if (watch->finished || ec) co_return;
  // Readable: either the client hung up (EOF, reset) or it pipelined its next request.
  char c;
  ssize_t n = ::recv(socket.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))) co_return;
  watch->client_gone = true;
  if (watch->cancel_wait) watch->cancel_wait();
}

}  // namespace sluice::proxy
