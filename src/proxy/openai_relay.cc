// Relay to an OpenAI-compatible upstream (the `openai` provider type): OpenAI itself, vLLM, SGLang,
// llama.cpp and any compatible server. The request body is re-serialised from the parsed DOM with
// the upstream model name and, for streams, include_usage; the response is relayed as it arrives.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <optional>

#include "providers/openai/openai_stream.h"
#include "providers/upstream_errors.h"
#include "proxy/gateway.h"
#include "routing/route_table.h"

namespace sluice::proxy {

namespace json = boost::json;
using boost::asio::awaitable;
using core::ErrorCode;
using core::GatewayError;
using http::UpstreamFailure;

namespace {

constexpr size_t kMaxErrorBody = 1 << 20;
constexpr size_t kMaxJsonBody = 64 << 20;

std::string_view EndpointSuffix(api::ApiKind kind) {
  switch (kind) {
    case api::ApiKind::kChatCompletions:
      return "/chat/completions";
    case api::ApiKind::kCompletions:
      return "/completions";
    case api::ApiKind::kEmbeddings:
      return "/embeddings";
  }
  return "/chat/completions";
}

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
                                                 "cookie"};
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

std::string BuildHead(const RequestContext& ctx, const http::UpstreamOrigin& origin,
                      const config::Provider& provider, size_t body_size) {
  std::string head;
  head.reserve(320);
  head.append("POST ").append(origin.base_path).append(EndpointSuffix(ctx.parsed.kind));
  head.append(" HTTP/1.1\r\nhost: ").append(origin.host_header);
  head.append("\r\ncontent-type: application/json\r\ncontent-length: ");
  head.append(std::to_string(body_size));
  head.append(ctx.parsed.stream ? "\r\naccept: text/event-stream" : "\r\naccept: application/json");
  if (!provider.api_key.empty()) head.append("\r\nauthorization: Bearer ").append(provider.api_key);
  head.append("\r\nx-request-id: ").append(ctx.outcome.request_id).append("\r\n");
  if (!provider.forward_headers.empty()) {
    for (const auto& field : ctx.exchange.request()) {
      if (!ShouldForward(field.name_string(), provider.forward_headers)) continue;
      head.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
    }
  }
  head.append("\r\n");
  return head;
}

// The upstream body: the client's DOM with the served model name and, for streams whose client
// did not ask for usage, stream_options.include_usage so usage is always captured.
std::string BuildBody(RequestContext& ctx) {
  json::object& body = ctx.parsed.body();
  if (ctx.route.upstream_model != ctx.parsed.model) body["model"] = ctx.route.upstream_model;
  if (ctx.parsed.stream && !ctx.parsed.client_wants_usage) {
    json::value& options = body["stream_options"];
    if (!options.is_object()) options = json::object(body.storage());
    options.get_object()["include_usage"] = true;
  }
  return json::serialize(body);
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

// Reads the rest of a body into `out`, up to `limit` bytes.
awaitable<UpstreamFailure> ReadWholeBody(RequestContext& ctx, http::UpstreamCall& call,
                                         std::string& out, size_t limit) {
  for (;;) {
    std::string_view piece;
    bool done = false;
    UpstreamFailure f;
    {
      UpstreamWaitTimer wait(ctx);
      f = co_await call.ReadBody(piece, done);
    }
    out.append(piece);
    if (f != UpstreamFailure::kNone) co_return f;
    if (out.size() > limit) co_return UpstreamFailure::kBadResponse;
    if (done) co_return UpstreamFailure::kNone;
  }
}

awaitable<void> RelayError(RequestContext& ctx, http::UpstreamCall& call,
                           const config::Provider& provider) {
  std::string body;
  co_await ReadWholeBody(ctx, call, body, kMaxErrorBody);
  for (std::string_view name : {"retry-after", "retry-after-ms"})
    if (auto v = call.header(name); !v.empty())
      ctx.response_headers.push_back({name, std::string(v)});
  ctx.outcome.error_detail = "upstream status " + std::to_string(call.status());
  GatewayError error = providers::ClassifyUpstreamStatus(call.status(), provider.name, body);
  co_await ReplyError(ctx, error);
}

awaitable<void> RelayJson(RequestContext& ctx, http::UpstreamCall& call,
                          const config::Provider& provider) {
  std::string body;
  UpstreamFailure f = co_await ReadWholeBody(ctx, call, body, kMaxJsonBody);
  if (f != UpstreamFailure::kNone) {
    ctx.outcome.error_detail = std::string(http::UpstreamFailureName(f));
    GatewayError error = FailureError(f, provider.name, false);
    co_await ReplyError(ctx, error);
    co_return;
  }
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec, &ctx.arena);  // validated once, in the request's arena
  if (ec || !doc.is_object()) {
    ctx.outcome.error_detail = "upstream body is not a JSON object";
    GatewayError error = FailureError(UpstreamFailure::kBadResponse, provider.name, false);
    co_await ReplyError(ctx, error);
    co_return;
  }
  ctx.outcome.has_usage = providers::openai::ExtractUsage(doc, ctx.outcome.usage);
  ctx.outcome.status = 200;
  co_await ctx.exchange.Reply(200, "application/json", body, ctx.response_headers);
}

awaitable<void> RelayStream(RequestContext& ctx, http::UpstreamCall& call,
                            const config::Provider& provider) {
  http::Exchange& ex = ctx.exchange;
  http::SseSplitter splitter;
  providers::openai::StreamInspector inspector(/*drop_usage_chunk=*/!ctx.parsed.client_wants_usage);
  ctx.outcome.status = 200;
  ex.BeginStream(200, "text/event-stream", ctx.response_headers);
  std::string out;
  for (;;) {
    std::string_view piece;
    bool done = false;
    UpstreamFailure f;
    {
      UpstreamWaitTimer wait(ctx);
      f = co_await call.ReadBody(piece, done);
    }
    if (!piece.empty()) {
      bool whole_piece = splitter.pending_bytes() == 0;  // forward `piece` itself when we can
      bool dropped = false;
      bool ok = splitter.Feed(piece, [&](const http::SseEvent& ev) {
        if (inspector.OnEvent(ev) == providers::openai::StreamInspector::Action::kForward) {
          out.append(ev.raw);
        } else {
          dropped = true;
        }
      });
      if (!ok) {
        ctx.outcome.error_detail = "upstream SSE event too large";
        GatewayError error = FailureError(UpstreamFailure::kBadResponse, provider.name, true);
        co_await ReplyError(ctx, error);
        co_return;
      }
      std::string_view send = out;
      if (whole_piece && !dropped && splitter.pending_bytes() == 0) send = piece;
      if (!send.empty()) {
        if (ctx.outcome.ttft_ms < 0)
          ctx.outcome.ttft_ms = std::chrono::duration<double, std::milli>(
                                    std::chrono::steady_clock::now() - ex.started_at())
                                    .count();
        bool last = done && f == UpstreamFailure::kNone && splitter.pending_bytes() == 0;
        if (!co_await ex.StreamChunk(send, last)) {
          ctx.outcome.error_code = core::ErrorCodeName(ErrorCode::kCallerCancelled);
          break;  // client gone: dropping the upstream connection cancels the request
        }
        out.clear();
      }
    }
    if (f != UpstreamFailure::kNone) {
      ctx.outcome.error_detail = std::string(http::UpstreamFailureName(f));
      GatewayError error = FailureError(f, provider.name, true);
      co_await ReplyError(ctx, error);
      break;
    }
    if (done) {
      if (splitter.pending_bytes() > 0) {
        ctx.outcome.error_detail = "upstream stream ended inside an event";
        GatewayError error = FailureError(UpstreamFailure::kBadResponse, provider.name, true);
        co_await ReplyError(ctx, error);
      } else {
        co_await ex.EndStream();
      }
      break;
    }
  }
  ctx.outcome.has_usage = true;
  if (inspector.usage_reported()) {
    ctx.outcome.usage = inspector.usage();
  } else {
    ctx.outcome.usage.input = api::EstimateTokens(ctx.parsed.prompt_chars);
    ctx.outcome.usage.output = inspector.data_events();
    ctx.outcome.usage.estimated = true;
  }
}

}  // namespace

awaitable<void> RelayToOpenAi(RequestContext& ctx) {
  const config::Provider& provider = *ctx.route.route->provider;
  const http::UpstreamOrigin* origin = ctx.snapshot->origin(provider.name);
  if (!origin) {
    GatewayError error(ErrorCode::kGatewayInternal, "provider has no origin");
    co_await ReplyError(ctx, error);
    co_return;
  }
  std::string body = BuildBody(ctx);
  std::string head = BuildHead(ctx, *origin, provider, body.size());

  std::unique_ptr<http::UpstreamConnection> conn;
  std::optional<http::UpstreamCall> call;
  UpstreamFailure failure = UpstreamFailure::kNone;
  for (int tries = 0; tries < 2; ++tries) {
    {
      UpstreamWaitTimer wait(ctx);
      conn = co_await ctx.worker.pool.Acquire(*origin, provider.connect_timeout, failure);
      if (conn) {
        call.emplace(*conn, provider.read_timeout);
        failure = co_await call->Send(head, body);
      }
    }
    // A pooled connection the server closed in the meantime: the request never reached it.
    bool stale =
        conn && conn->reused && failure == UpstreamFailure::kReset && !call->got_response_bytes();
    if (!stale) break;
    call.reset();
    conn.reset();
  }
  if (failure != UpstreamFailure::kNone) {
    ctx.outcome.error_detail = std::string(http::UpstreamFailureName(failure));
    GatewayError error = FailureError(failure, provider.name, false);
    co_await ReplyError(ctx, error);
    co_return;
  }

  int status = call->status();
  if (status != 200) {
    co_await RelayError(ctx, *call, provider);
  } else if (ctx.parsed.stream && call->header("content-type").starts_with("text/event-stream")) {
    co_await RelayStream(ctx, *call, provider);
  } else {
    co_await RelayJson(ctx, *call, provider);
  }
  if (call->reusable())
    ctx.worker.pool.Release(*origin, std::move(conn), provider.max_idle_connections);
}

}  // namespace sluice::proxy
