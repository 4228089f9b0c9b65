// Shared upstream I/O of the HTTP provider attempts (see upstream_io.h).
#include "proxy/upstream_io.h"

#include "providers/bedrock/sigv4.h"
#include "providers/upstream_errors.h"
#include "proxy/gateway.h"
#include "proxy/tracing.h"
#include "routing/route_table.h"

namespace sluice::proxy {

using boost::asio::awaitable;
using core::ErrorCode;
using core::GatewayError;
using http::UpstreamFailure;

namespace {

// Headers that describe the client connection or carry the client's own credentials: never
// forwarded, whatever forward_headers says.
bool NeverForwarded(std::string_view name) {
  static constexpr std::string_view kDenied[] = {"host",
                                                 "content-length",
                                                 "transfer-encoding",
                                                 "connection",
                                                 "keep-alive",
                                                 "upgrade",
                                                 "expect",
                                                 "te",
                                                 "trailer",
                                                 "authorization",
                                                 "proxy-authorization",
                                                 "api-key",
                                                 "x-api-key",
                                                 "cookie",
                                                 "traceparent",
                                                 "tracestate"};
  for (auto d : kDenied)
    if (boost::beast::iequals(name, d)) return true;
  return name.size() >= 9 && boost::beast::iequals(name.substr(0, 9), "x-sluice-");
}

bool ShouldForward(std::string_view name, const std::vector<std::string>& patterns) {
  if (NeverForwarded(name)) return false;
  std::string lower(name);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& p : patterns)
    if (routing::WildcardMatch(p, lower)) return true;
  return false;
}

}  // namespace

std::string BuildHead(const RequestContext& ctx, const http::UpstreamOrigin& origin,
                      const config::Provider& provider, std::string_view path,
                      std::string_view auth, size_t body_size, bool stream) {
  std::string head;
  head.reserve(320);
  head.append("POST ").append(origin.base_path).append(path);
  head.append(" HTTP/1.1\r\nhost: ").append(origin.host_header);
  head.append("\r\ncontent-type: application/json\r\ncontent-length: ");
  head.append(std::to_string(body_size));
  head.append(stream ? "\r\naccept: text/event-stream" : "\r\naccept: application/json");
  head.append("\r\nx-request-id: ").append(ctx.outcome.request_id).append("\r\n");
  head.append(auth);
  AppendTraceHeaders(ctx, head);
  if (!provider.forward_headers.empty()) {
    for (const auto& field : ctx.exchange.request()) {
      if (!ShouldForward(field.name_string(), provider.forward_headers)) continue;
      head.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
    }
  }
  head.append("\r\n");
  return head;
}

void OpenAiPathAndAuth(const config::Provider& provider, std::string_view upstream_model,
                       std::string_view key, std::string_view suffix, std::string& path,
                       std::string& auth) {
  if (provider.type == config::ProviderType::kAzureOpenAi) {
    path = "/openai/deployments/" +
           providers::bedrock::UriEncode(upstream_model, /*encode_slash=*/true) +
           std::string(suffix) + "?api-version=" + provider.api_version;
    if (!key.empty()) auth = "api-key: " + std::string(key) + "\r\n";
    return;
  }
  path = suffix;
  if (!key.empty()) auth = "authorization: Bearer " + std::string(key) + "\r\n";
}

bool PickKey(RequestContext& ctx, AttemptResult& failed) {
  ctx.key_index = -1;
  ctx.outcome.key_id = {};
  const config::Provider& provider = *ctx.target->provider;
  const routing::KeyPool* pool = ctx.snapshot->key_pool(provider.name);
  if (!pool) return true;
  auto now = std::chrono::steady_clock::now();
  routing::KeyPool::State why{};
  routing::KeyPool::Time back{};
  if (auto i = pool->Pick(now, ctx.worker.rng, &why, &back)) {
    ctx.key_index = static_cast<int>(*i);
    ctx.outcome.key_id = pool->key(*i).id;
    return true;
  }
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(back - now);
  if (why == routing::KeyPool::State::kResting) {
    failed = AttemptResult::Failed(
        FailureClass::kOverloaded,
        GatewayError(ErrorCode::kProviderRateLimited,
                     "every API key of provider '" + provider.name + "' is resting after a 429"));
    failed.retry_after = wait;
  } else {
    failed = AttemptResult::Failed(
        FailureClass::kCredential,
        GatewayError(ErrorCode::kProviderAuthFailed,
                     "every API key of provider '" + provider.name +
                         "' was refused (401/403); the first is retried in " +
                         std::to_string(wait.count() / 1000) + " s"));
  }
  ctx.outcome.error_detail = "no usable key";
  return false;
}

std::string_view AttemptKey(const RequestContext& ctx) {
  if (ctx.key_index < 0) return {};
  return ctx.target->provider->api_keys[static_cast<size_t>(ctx.key_index)].key;
}

void NoteKeyResult(const RequestContext& ctx, int status,
                   std::optional<std::chrono::milliseconds> retry_after) {
  if (ctx.key_index < 0) return;
  const routing::KeyPool* pool = ctx.snapshot->key_pool(ctx.target->provider->name);
  // A lone key is never set aside: there is nothing to rotate to, and the endpoint's own health
  // (outlier detection, retry-after) already governs how hard it is tried.
  if (!pool || pool->size() < 2) return;
  auto i = static_cast<size_t>(ctx.key_index);
  if (status == 401 || status == 403)
    pool->OnAuthFailure(i, std::chrono::steady_clock::now());
  else if (status == 429)
    pool->OnRateLimited(i, std::chrono::steady_clock::now(), retry_after);
  else if (status >= 200 && status < 300)
    pool->OnSuccess(i);
}

GatewayError FailureError(UpstreamFailure f, const std::string& provider, bool mid_stream) {
  std::string where = "provider '" + provider + "' ";
  std::string when = mid_stream ? " during the stream" : "";
  switch (f) {
    case UpstreamFailure::kConnectRefused:
      return {ErrorCode::kProviderConnectionFailed, where + "could not be reached", ""};
    case UpstreamFailure::kConnectTimeout:
      return {ErrorCode::kProviderTimeout, where + "did not accept a connection in time", ""};
    case UpstreamFailure::kTlsFailed:
      return {ErrorCode::kProviderConnectionFailed,
              where + "failed the TLS handshake (certificate or host name not verified)", ""};
    case UpstreamFailure::kTimeout:
      return {ErrorCode::kProviderTimeout, where + "sent nothing within its read timeout" + when,
              ""};
    case UpstreamFailure::kReset:
      return {ErrorCode::kProviderConnectionFailed, where + "closed the connection" + when, ""};
    case UpstreamFailure::kBadResponse:
    case UpstreamFailure::kNone:
      break;
  }
  return {ErrorCode::kProviderBadResponse, where + "sent a malformed response" + when, ""};
}

// The next piece of the upstream body; the wait counts as upstream time, not gateway overhead.
awaitable<UpstreamFailure> ReadPiece(RequestContext& ctx, http::UpstreamCall& call,
                                     std::string_view& piece, bool& done) {
  // Bytes that came with an earlier read (a JSON answer with its head, a burst of events) are
  // taken without a wait to time or a coroutine call.
  UpstreamFailure failure = UpstreamFailure::kNone;
  if (call.TakeBuffered(piece, done, failure)) co_return failure;
  UpstreamWaitTimer wait(ctx);
  co_return co_await call.ReadBody(piece, done);
}

namespace {

// Takes a piece of the body into `out`: true when that ends the body (`failure` says how).
bool AppendPiece(std::string_view piece, bool done, std::string& out, size_t limit,
                 UpstreamFailure& failure) {
  out.append(piece);
  if (failure == UpstreamFailure::kNone && out.size() > limit)
    failure = UpstreamFailure::kBadResponse;
  return failure != UpstreamFailure::kNone || done;
}

}  // namespace

bool TakeWholeBody(http::UpstreamCall& call, std::string& out, size_t limit,
                   UpstreamFailure& failure) {
  for (;;) {
    std::string_view piece;
    bool done = false;
    if (!call.TakeBuffered(piece, done, failure)) return false;
    if (AppendPiece(piece, done, out, limit, failure)) return true;
  }
}

// Reads the rest of a body into `out`, up to `limit` bytes.
awaitable<UpstreamFailure> ReadWholeBody(RequestContext& ctx, http::UpstreamCall& call,
                                         std::string& out, size_t limit) {
  UpstreamFailure f = UpstreamFailure::kNone;
  while (!TakeWholeBody(call, out, limit, f)) {
    std::string_view piece;
    bool done = false;
    f = co_await ReadPiece(ctx, call, piece, done);
    if (AppendPiece(piece, done, out, limit, f)) break;
  }
  co_return f;
}

AttemptResult FailedBeforeCommit(RequestContext& ctx, UpstreamFailure f,
                                 const config::Provider& provider) {
  ctx.outcome.error_detail = std::string(http::UpstreamFailureName(f));
  return AttemptResult::Failed(FailureClass::kTransient, FailureError(f, provider.name, false));
}

// A non-2xx upstream answer: nothing was sent to the client yet, so it may still fail over.
awaitable<AttemptResult> UpstreamStatusFailure(RequestContext& ctx, http::UpstreamCall& call,
                                               const config::Provider& provider) {
  std::string body;
  co_await ReadWholeBody(ctx, call, body, kMaxErrorBody);
  AttemptResult r =
      AttemptResult::Failed(ClassifyStatus(call.status()),
                            providers::ClassifyUpstreamStatus(call.status(), provider.name, body));
  r.retry_after = ParseRetryAfter(call.header("retry-after"), call.header("retry-after-ms"));
  r.retry_after_header = std::string(call.header("retry-after"));
  ctx.outcome.error_detail = "upstream status " + std::to_string(call.status());
  NoteKeyResult(ctx, call.status(), r.retry_after);
  int status = call.status();
  const routing::KeyPool* pool = ctx.snapshot->key_pool(provider.name);
  r.key_set_aside = ctx.key_index >= 0 && pool && pool->size() > 1 &&
                    (status == 401 || status == 403 || status == 429);
  // A provider may quote the key it refused; the client and the log never see it.
  if (std::string_view key = AttemptKey(ctx); key.size() >= 4)
    for (size_t at; (at = r.error.message.find(key)) != std::string::npos;)
      r.error.message.replace(at, key.size(), "[redacted]");
  co_return r;
}

// Ends a stream that failed after it was committed to the client: a final error event.
awaitable<AttemptResult> FailCommittedStream(RequestContext& ctx, UpstreamFailure f,
                                             const config::Provider& provider) {
  ctx.outcome.error_detail = std::string(http::UpstreamFailureName(f));
  GatewayError error = FailureError(f, provider.name, true);
  co_await ReplyError(ctx, error);
  co_return AttemptResult::Committed(FailureClass::kTransient);
}

GatewayError BudgetSpent(RequestContext& ctx) {
  GatewayError error(ErrorCode::kPolicyBudgetExceeded,
                     "budget '" + ctx.hard_rule + "' spent: the answer was cut after " +
                         std::to_string(ctx.output_allowance) + " output tokens");
  ctx.outcome.error_detail = "hard limit " + ctx.hard_rule + " reached mid-stream";
  ctx.outcome.error_code = core::ErrorCodeName(error.code);
  return error;
}

awaitable<AttemptResult> EndStreamOverBudget(RequestContext& ctx) {
  GatewayError error = BudgetSpent(ctx);
  co_await ReplyError(ctx, error);
  co_return AttemptResult::Committed();
}

awaitable<UpstreamFailure> OpenUpstream(RequestContext& ctx, const http::UpstreamOrigin& origin,
                                        const std::string& head, const std::string& body,
                                        UpstreamExchange& ux) {
  const config::Provider& provider = *ctx.target->provider;
  auto now = std::chrono::steady_clock::now();
  ux.total_deadline = provider.total_timeout.count() ? now + provider.total_timeout
                                                     : http::UpstreamCall::TimePoint::max();
  ux.first_deadline = provider.ttft_timeout.count()
                          ? std::min(ux.total_deadline, now + provider.ttft_timeout)
                          : ux.total_deadline;
  UpstreamFailure failure = UpstreamFailure::kNone;
  for (int tries = 0; tries < 2; ++tries) {
    auto start = tries == 0 ? now : std::chrono::steady_clock::now();  // one clock read per try
    {
      UpstreamWaitTimer wait(ctx, start);
      ux.conn = ctx.worker.pool.TakeIdle(origin, start);
      if (!ux.conn)
        ux.conn = co_await ctx.worker.pool.Acquire(origin, provider.connect_timeout, failure);
      if (ux.conn) {
        ctx.watch->cancel_wait = [c = ux.conn.get()] { c->tcp().cancel(); };
        ux.call.emplace(*ux.conn, provider.read_timeout);
        ux.call->set_deadline(ux.first_deadline);
        failure = co_await ux.call->Send(head, body);
        if (failure == UpstreamFailure::kNone) ctx.upstream_status = ux.call->status();
      }
    }
    // A pooled connection the server closed in the meantime: the request never reached it.
    bool stale = ux.conn && ux.conn->reused && failure == UpstreamFailure::kReset &&
                 !ux.call->got_response_bytes() && !ctx.watch->client_gone;
    if (!stale) break;
    ctx.watch->cancel_wait = nullptr;
    ux.call.reset();
    ux.conn.reset();
  }
  // Every answer's head, success or not, tells a queued model's quota what the provider has left.
  if (failure == UpstreamFailure::kNone) NoteQuotaHeaders(ctx, *ux.call);
  co_return failure;
}

void ReleaseUpstream(RequestContext& ctx, const http::UpstreamOrigin& origin,
                     UpstreamExchange& ux) {
  ctx.watch->cancel_wait = nullptr;
  // A draining worker keeps no idle connections: each one's watchdog timer would hold the loop
  // open until read_timeout.
  if (ux.call && ux.call->reusable() && !ctx.watch->client_gone && !ctx.worker.stopping)
    ctx.worker.pool.Release(origin, std::move(ux.conn), ctx.target->provider->max_idle_connections);
}

}  // namespace sluice::proxy
