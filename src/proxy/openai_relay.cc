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
#include "proxy/upstream_io.h"

namespace sluice::proxy {

namespace json = boost::json;
using boost::asio::awaitable;
using core::ErrorCode;
using core::GatewayError;
using http::UpstreamFailure;

namespace {

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

// The upstream body: the client's request with the served model name and, for streams whose client
// did not ask for usage, stream_options.include_usage so usage is always captured. A scanned
// request is the client's text itself when neither changes, else spliced from it; otherwise the DOM
// is edited and re-serialised. `storage` holds the body when it is not the client's text.
const std::string& BuildBody(RequestContext& ctx, std::string& storage) {
  bool add_usage = ctx.parsed.stream && !ctx.parsed.client_wants_usage;
  if (const auto& raw = ctx.parsed.unparsed) {
    const std::string& client_body = ctx.exchange.request().body();
    if (!add_usage && ctx.parsed.model == ctx.upstream_model &&
        raw->text.data() == client_body.data())
      return client_body;
    if (auto body = api::SpliceUpstreamBody(*raw, ctx.upstream_model, add_usage))
      return storage = std::move(*body);
  }
  json::object& body = ctx.parsed.body();
  api::EditUpstreamBody(body, ctx.upstream_model, add_usage);
  return storage = json::serialize(body);
}

awaitable<AttemptResult> RelayJson(RequestContext& ctx, http::UpstreamCall& call,
                                   const config::Provider& provider) {
  std::string body;
  UpstreamFailure f = UpstreamFailure::kNone;
  if (!TakeWholeBody(call, body, kMaxJsonBody, f))
    f = co_await ReadWholeBody(ctx, call, body, kMaxJsonBody);
  if (f != UpstreamFailure::kNone) co_return FailedBeforeCommit(ctx, f, provider);
  // Validated and its usage read in one SAX pass: the body is relayed as it came, so a DOM of it
  // would only be thrown away.
  bool has_usage = false;
  if (!providers::openai::ScanBodyUsage(body, ctx.outcome.usage, has_usage)) {
    ctx.outcome.error_detail = "upstream body is not a JSON object";
    co_return AttemptResult::Failed(
        FailureClass::kTransient,
        FailureError(UpstreamFailure::kBadResponse, provider.name, false));
  }
  ctx.outcome.has_usage = has_usage;
  ctx.outcome.status = 200;
  co_await ctx.exchange.Reply(200, "application/json", body, ctx.response_headers);
  co_return AttemptResult::Committed();
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
  bool over_budget = false;
  std::string out;  // events to write that no longer live in the read buffer (held ones, joins)
  std::vector<std::string_view> forward;  // this read's events to forward, views (no copy yet)
  forward.reserve(64);  // a burst of events in one read: one allocation, not one per doubling
  std::string trailer;
  AttemptResult result = AttemptResult::Committed();
  for (;;) {
    std::string_view piece;
    bool done = false;
    // Bytes already buffered are taken without a coroutine call (a burst of events is one piece).
    UpstreamFailure f = UpstreamFailure::kNone;
    if (!call.TakeBuffered(piece, done, f)) f = co_await ReadPiece(ctx, call, piece, done);
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
        // A hard limit's allowance spent (about one token per data event): relay nothing more.
        if (over_budget || CountStreamOutput(ctx, inspector.data_events() + 1)) {
          over_budget = true;
          dropped = true;
          return;
        }
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
        // Dropping the upstream connection stops the generation.
        if (over_budget) {
          result = co_await EndStreamOverBudget(ctx);
          break;
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
  AttemptResult no_key;
  if (!PickKey(ctx, no_key)) co_return no_key;
  std::string storage;
  const std::string& body = BuildBody(ctx, storage);
  std::string path, auth;
  OpenAiPathAndAuth(provider, ctx.upstream_model, AttemptKey(ctx), EndpointSuffix(ctx.parsed.kind),
                    path, auth);
  std::string head = BuildHead(ctx, *origin, provider, path, auth, body.size(), ctx.parsed.stream);
  UpstreamExchange ux;
  UpstreamFailure failure = co_await OpenUpstream(ctx, *origin, head, body, ux);
  AttemptResult result;
  if (failure != UpstreamFailure::kNone) {
    result = FailedBeforeCommit(ctx, failure, provider);
  } else if (ux.call->status() < 200 || ux.call->status() >= 300) {
    result = co_await UpstreamStatusFailure(ctx, *ux.call, provider);
  } else {
    NoteKeyResult(ctx, ux.call->status(), std::nullopt);
    if (ctx.parsed.stream && ux.call->header("content-type").starts_with("text/event-stream")) {
      result = co_await RelayStream(ctx, *ux.call, provider, ux.total_deadline);
    } else {
      ux.call->set_deadline(ux.total_deadline);
      result = co_await RelayJson(ctx, *ux.call, provider);
    }
  }
  ReleaseUpstream(ctx, *origin, ux);
  co_return result;
}

}  // namespace sluice::proxy
