// Relay to an OpenAI-compatible upstream (the `openai` provider type): OpenAI itself, vLLM, SGLang,
// llama.cpp and any compatible server. The request body is re-serialised from the parsed DOM with
// the upstream model name and, for streams, include_usage; the response is relayed as it arrives.
#include <boost/json/serialize.hpp>
#include <optional>

#include "core/json_parse.h"
#include "providers/openai/openai_stream.h"
#include "providers/upstream_errors.h"
#include "proxy/attempt.h"
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
                                                 "cookie",
                                                 "traceparent",
                                                 "tracestate"};
  for (auto d : kDenied)
    if (boost::beast::iequals(name, d)) return true;
  return name.size() >= 9 && boost::beast::iequals(name.substr(0, 9), "x-sluice-");
}

// "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>", ids not all zero.
bool IsTraceparent(std::string_view v) {
  if (v.size() != 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return false;
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  for (size_t i = 0; i < v.size(); ++i)
    if (i != 2 && i != 35 && i != 52 && !hex(v[i])) return false;
  return v.substr(0, 2) != "ff" && v.substr(3, 32) != std::string(32, '0') &&
         v.substr(36, 16) != std::string(16, '0');
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
  // W3C trace context passes through unchanged (the gateway exports no spans of its own yet, so
  // the client's span stays the upstream's parent). A malformed traceparent is dropped.
  const auto& request = ctx.exchange.request();
  if (auto tp = request.find("traceparent"); tp != request.end() && IsTraceparent(tp->value())) {
    head.append("traceparent: ").append(tp->value()).append("\r\n");
    if (auto ts = request.find("tracestate"); ts != request.end() && ts->value().size() <= 512)
      head.append("tracestate: ").append(ts->value()).append("\r\n");
  }
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
  json::value& model = body["model"];  // per attempt: each target may want its own name
  if (!model.is_string() || model.get_string() != ctx.upstream_model) model = ctx.upstream_model;
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

// The next piece of the upstream body; the wait counts as upstream time, not gateway overhead.
awaitable<UpstreamFailure> ReadPiece(RequestContext& ctx, http::UpstreamCall& call,
                                     std::string_view& piece, bool& done) {
  UpstreamWaitTimer wait(ctx);
  co_return co_await call.ReadBody(piece, done);
}

// Reads the rest of a body into `out`, up to `limit` bytes.
awaitable<UpstreamFailure> ReadWholeBody(RequestContext& ctx, http::UpstreamCall& call,
                                         std::string& out, size_t limit) {
  for (;;) {
    std::string_view piece;
    bool done = false;
    UpstreamFailure f = co_await ReadPiece(ctx, call, piece, done);
    out.append(piece);
    if (f != UpstreamFailure::kNone) co_return f;
    if (out.size() > limit) co_return UpstreamFailure::kBadResponse;
    if (done) co_return UpstreamFailure::kNone;
  }
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
  co_return r;
}

awaitable<AttemptResult> RelayJson(RequestContext& ctx, http::UpstreamCall& call,
                                   const config::Provider& provider) {
  std::string body;
  UpstreamFailure f = co_await ReadWholeBody(ctx, call, body, kMaxJsonBody);
  if (f != UpstreamFailure::kNone) co_return FailedBeforeCommit(ctx, f, provider);
  boost::system::error_code ec;
  json::value doc =
      core::ParseJson(body, &ctx.arena, ec);  // validated once, in the request's arena
  if (ec || !doc.is_object()) {
    ctx.outcome.error_detail = "upstream body is not a JSON object";
    co_return AttemptResult::Failed(
        FailureClass::kTransient,
        FailureError(UpstreamFailure::kBadResponse, provider.name, false));
  }
  ctx.outcome.has_usage = providers::openai::ExtractUsage(doc, ctx.outcome.usage);
  ctx.outcome.status = 200;
  co_await ctx.exchange.Reply(200, "application/json", body, ctx.response_headers);
  co_return AttemptResult::Committed();
}

// Ends a stream that failed after it was committed to the client: a final error event.
awaitable<AttemptResult> FailCommittedStream(RequestContext& ctx, UpstreamFailure f,
                                             const config::Provider& provider) {
  ctx.outcome.error_detail = std::string(http::UpstreamFailureName(f));
  GatewayError error = FailureError(f, provider.name, true);
  co_await ReplyError(ctx, error);
  co_return AttemptResult::Committed(FailureClass::kTransient);
}

// Usage the provider never reported, estimated from the prompt and the events relayed.
core::TokenUsage EstimatedUsage(const RequestContext& ctx,
                                const providers::openai::StreamInspector& inspector) {
  core::TokenUsage usage;
  usage.input = api::EstimateTokens(ctx.parsed.prompt_chars);
  usage.output = inspector.data_events();
  usage.estimated = true;
  return usage;
}

// Streams are held back until their first content event (bounded): role-only chunks and the like
// are content-free, and an error before content can still fail over to another target.
constexpr size_t kMaxHeldEvents = 16;
constexpr size_t kMaxHeldBytes = 64 * 1024;

awaitable<AttemptResult> RelayStream(RequestContext& ctx, http::UpstreamCall& call,
                                     const config::Provider& provider,
                                     http::UpstreamCall::TimePoint total_deadline) {
  http::Exchange& ex = ctx.exchange;
  http::SseSplitter splitter;
  providers::openai::StreamInspector inspector(/*drop_usage_chunk=*/!ctx.parsed.client_wants_usage);
  ex.BeginStream(200, "text/event-stream", ctx.response_headers);
  bool committed = false;
  size_t held_events = 0, held_bytes = 0;
  bool in_band_error = false;
  std::string out;  // events to write that no longer live in the read buffer (held ones, joins)
  std::vector<std::string_view> forward;  // this read's events to forward, views (no copy yet)
  std::string trailer;
  AttemptResult result = AttemptResult::Committed();
  for (;;) {
    std::string_view piece;
    bool done = false;
    UpstreamFailure f = co_await ReadPiece(ctx, call, piece, done);
    if (!piece.empty()) {
      // With nothing pending, the splitter's events are views into `piece`, which lives until the
      // next read; otherwise they point into its own buffer and must be copied at once.
      bool events_in_piece = splitter.pending_bytes() == 0;
      bool whole_piece = out.empty() && events_in_piece;
      bool dropped = false;
      forward.clear();
      bool ok = splitter.Feed(piece, [&](const http::SseEvent& ev) {
        if (!committed && !in_band_error) {
          if (providers::openai::IsInBandError(ev.data)) {
            in_band_error = true;
            return;
          }
          ++held_events;
          held_bytes += ev.raw.size();
          if (!providers::openai::IsContentFree(ev.data) || held_events > kMaxHeldEvents ||
              held_bytes > kMaxHeldBytes)
            committed = true;
        }
        if (in_band_error) return;
        if (ctx.usage_trailer && ev.data == "[DONE]") {
          // The usage chunk (if any) came before [DONE]: everything the trailer reports is known.
          core::TokenUsage usage =
              inspector.usage_reported() ? inspector.usage() : EstimatedUsage(ctx, inspector);
          trailer = telemetry::RenderUsageTrailer(ctx.outcome, usage);
          for (auto raw : forward) out.append(raw);  // keep the order: earlier events first
          forward.clear();
          out.append(trailer);
          dropped = true;  // the piece is no longer sent as it came
        }
        if (inspector.OnEvent(ev) == providers::openai::StreamInspector::Action::kForward) {
          if (events_in_piece)
            forward.push_back(ev.raw);
          else
            out.append(ev.raw);
        } else {
          dropped = true;
        }
      });
      // Every event of the read is forwarded as it came: send the read buffer itself. Otherwise
      // gather the events (they only live until the next read).
      whole_piece = whole_piece && !dropped && splitter.pending_bytes() == 0;
      if (!whole_piece || !committed)
        for (auto raw : forward) out.append(raw);
      if (in_band_error && !committed) {
        ctx.outcome.error_detail = "upstream sent an error event before any content";
        co_return AttemptResult::Failed(
            FailureClass::kTransient,
            GatewayError(ErrorCode::kProviderServerError,
                         "provider '" + provider.name + "' failed before sending any content"));
      }
      if (!ok) {
        if (!committed) co_return FailedBeforeCommit(ctx, UpstreamFailure::kBadResponse, provider);
        co_return co_await FailCommittedStream(ctx, UpstreamFailure::kBadResponse, provider);
      }
      if (committed) {
        call.set_deadline(total_deadline);  // the TTFT limit is met; only the total remains
        std::string_view send = whole_piece ? piece : std::string_view(out);
        if (!send.empty()) {
          if (ctx.outcome.ttft_ms < 0)
            ctx.outcome.ttft_ms = std::chrono::duration<double, std::milli>(
                                      std::chrono::steady_clock::now() - ex.started_at())
                                      .count();
          ctx.outcome.status = 200;
          bool last = done && f == UpstreamFailure::kNone && splitter.pending_bytes() == 0;
          if (!co_await ex.StreamChunk(send, last)) {
            ctx.outcome.error_code = core::ErrorCodeName(ErrorCode::kCallerCancelled);
            break;  // client gone: dropping the upstream connection cancels the request
          }
          out.clear();
        }
      }
    }
    if (f != UpstreamFailure::kNone) {
      if (!committed) co_return FailedBeforeCommit(ctx, f, provider);
      result = co_await FailCommittedStream(ctx, f, provider);
      break;
    }
    if (done) {
      if (splitter.pending_bytes() > 0) {
        if (!committed) co_return FailedBeforeCommit(ctx, UpstreamFailure::kBadResponse, provider);
        result = co_await FailCommittedStream(ctx, UpstreamFailure::kBadResponse, provider);
      } else {
        // A stream with no content at all (held events only) is complete here.
        ctx.outcome.status = 200;
        if (!out.empty() || !ex.response_started())
          co_await ex.StreamChunk(out, /*last=*/true);
        else
          co_await ex.EndStream();
      }
      break;
    }
  }
  ctx.outcome.has_usage = true;
  ctx.outcome.usage =
      inspector.usage_reported() ? inspector.usage() : EstimatedUsage(ctx, inspector);
  co_return result;
}

}  // namespace

awaitable<AttemptResult> AttemptOpenAi(RequestContext& ctx) {
  const config::Provider& provider = *ctx.target->provider;
  const http::UpstreamOrigin* origin = ctx.snapshot->origin(provider.name);
  if (!origin) {
    co_return AttemptResult::Failed(
        FailureClass::kTransient,
        GatewayError(ErrorCode::kGatewayInternal, "provider has no origin"));
  }
  std::string body = BuildBody(ctx);
  std::string head = BuildHead(ctx, *origin, provider, body.size());

  auto now = std::chrono::steady_clock::now();
  auto total_deadline = provider.total_timeout.count() ? now + provider.total_timeout
                                                       : http::UpstreamCall::TimePoint::max();
  auto first_deadline = provider.ttft_timeout.count()
                            ? std::min(total_deadline, now + provider.ttft_timeout)
                            : total_deadline;

  std::unique_ptr<http::UpstreamConnection> conn;
  std::optional<http::UpstreamCall> call;
  UpstreamFailure failure = UpstreamFailure::kNone;
  for (int tries = 0; tries < 2; ++tries) {
    {
      UpstreamWaitTimer wait(ctx);
      conn = co_await ctx.worker.pool.Acquire(*origin, provider.connect_timeout, failure);
      if (conn) {
        ctx.watch->cancel_wait = [c = conn.get()] { c->tcp().cancel(); };
        call.emplace(*conn, provider.read_timeout);
        call->set_deadline(first_deadline);
        failure = co_await call->Send(head, body);
      }
    }
    // A pooled connection the server closed in the meantime: the request never reached it.
    bool stale = conn && conn->reused && failure == UpstreamFailure::kReset &&
                 !call->got_response_bytes() && !ctx.watch->client_gone;
    if (!stale) break;
    ctx.watch->cancel_wait = nullptr;
    call.reset();
    conn.reset();
  }
  AttemptResult result;
  if (failure != UpstreamFailure::kNone) {
    result = FailedBeforeCommit(ctx, failure, provider);
  } else if (call->status() < 200 || call->status() >= 300) {
    result = co_await UpstreamStatusFailure(ctx, *call, provider);
  } else if (ctx.parsed.stream && call->header("content-type").starts_with("text/event-stream")) {
    result = co_await RelayStream(ctx, *call, provider, total_deadline);
  } else {
    call->set_deadline(total_deadline);
    result = co_await RelayJson(ctx, *call, provider);
  }
  ctx.watch->cancel_wait = nullptr;
  if (call && call->reusable() && !ctx.watch->client_gone)
    ctx.worker.pool.Release(*origin, std::move(conn), provider.max_idle_connections);
  co_return result;
}

}  // namespace sluice::proxy
