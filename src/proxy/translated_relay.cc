// Attempts that translate (DESIGN.md §2 "Providers"): the client speaks one API, the provider
// another. The request goes out through the unified model in the provider's API; the answer comes
// back decoded into unified deltas and is rendered in the client's dialect, event by event. As in
// the pass-through relay, nothing is committed to the client before the first content delta, so
// a failure or an in-band error before content can still fail over.
#include <ctime>

#include "api/anthropic_messages.h"
#include "api/openai_chat_codec.h"
#include "api/openai_embeddings.h"
#include "api/openai_responses.h"
#include "http/ndjson.h"
#include "http/sse.h"
#include "providers/anthropic/anthropic_adapter.h"
#include "providers/bedrock/bedrock_embeddings.h"
#include "providers/bedrock/converse_codec.h"
#include "providers/bedrock/event_stream.h"
#include "providers/bedrock/sigv4.h"
#include "providers/dashscope/dashscope_native.h"
#include "providers/ollama/ollama_chat.h"
#include "providers/gemini/gemini_codec.h"
#include "providers/gemini/gemini_embeddings.h"
#include "providers/gemini/vertex_auth.h"
#include "providers/openai/openai_chat_adapter.h"
#include "proxy/gateway.h"
#include "proxy/upstream_io.h"

namespace sluice::proxy {

using boost::asio::awaitable;
using core::ErrorCode;
using core::GatewayError;
using http::UpstreamFailure;

namespace {

// The provider's side of one attempt: where it goes, how it authenticates, what it carries.
struct EgressRequest {
  std::string path;
  std::string auth;  // header lines
  std::string body;
};

// SigV4 (service "bedrock") header lines for a POST of `body` to `path` under the origin.
std::string SignBedrock(const config::Provider& provider, const http::UpstreamOrigin& origin,
                        const std::string& path, std::string_view body) {
  namespace bedrock = providers::bedrock;
  bedrock::SigV4Request signed_request;
  signed_request.method = "POST";
  signed_request.host = origin.host_header;
  signed_request.path = origin.base_path + path;
  signed_request.headers = {{"content-type", "application/json"}};
  signed_request.body = body;
  bedrock::SigV4Credentials credentials{provider.aws.access_key_id, provider.aws.secret_access_key,
                                        provider.aws.session_token};
  std::string auth;
  for (const auto& [name, value] :
       bedrock::SignV4(signed_request, credentials, provider.aws.region, "bedrock",
                       std::chrono::system_clock::now()))
    auth += name + ": " + value + "\r\n";
  return auth;
}

// Bedrock: Converse at /model/<id>/converse(-stream).
bool BuildBedrock(const RequestContext& ctx, const api::ChatRequest& request,
                  const config::Provider& provider, const http::UpstreamOrigin& origin,
                  EgressRequest& out, GatewayError& error) {
  out.path = "/model/" + providers::bedrock::UriEncode(ctx.upstream_model, /*encode_slash=*/true) +
             (request.stream ? "/converse-stream" : "/converse");
  if (!providers::bedrock::EncodeConverseRequest(request, out.body, error)) return false;
  out.auth = SignBedrock(provider, origin, out.path, out.body);
  return true;
}

// The header lines carrying the attempt's API key, as each key-authenticated API wants them
// (OpenAI-API types: OpenAiPathAndAuth; vertex and bedrock authenticate otherwise).
std::string KeyAuth(const RequestContext& ctx) {
  std::string_view key = AttemptKey(ctx);
  std::string auth;
  switch (ctx.target->provider->type) {
    case config::ProviderType::kAnthropic:
      if (!key.empty()) auth = "x-api-key: " + std::string(key) + "\r\n";
      auth += "anthropic-version: " + std::string(providers::anthropic::kApiVersion) + "\r\n";
      break;
    case config::ProviderType::kGemini:
      if (!key.empty()) auth = "x-goog-api-key: " + std::string(key) + "\r\n";
      break;
    default:
      if (!key.empty()) auth = "authorization: Bearer " + std::string(key) + "\r\n";
  }
  return auth;
}

bool BuildEgress(const RequestContext& ctx, const api::ChatRequest& request,
                 const config::Provider& provider, const http::UpstreamOrigin& origin,
                 EgressRequest& out, GatewayError& error) {
  switch (provider.type) {
    case config::ProviderType::kBedrock:
      return BuildBedrock(ctx, request, provider, origin, out, error);
    case config::ProviderType::kOllama:
      out.path = "/api/chat";
      out.auth = KeyAuth(ctx);
      return providers::ollama::EncodeOllamaChatRequest(request, ctx.upstream_model, out.body,
                                                        error);
    case config::ProviderType::kDashScopeNative:
      out.path = "/api/v1/services/aigc/text-generation/generation";
      out.auth = KeyAuth(ctx);
      if (request.stream) out.auth += "x-dashscope-sse: enable\r\n";
      return providers::dashscope::EncodeDashScopeRequest(request, ctx.upstream_model, out.body,
                                                          error);
    case config::ProviderType::kAnthropic:
      out.path = "/messages";
      out.auth = KeyAuth(ctx);
      return providers::anthropic::EncodeMessagesRequest(request, ctx.upstream_model, out.body,
                                                         error);
    case config::ProviderType::kVertex:  // the Gemini body; `out.auth` holds the access token
      out.path = providers::gemini::VertexPath(provider.vertex.project, provider.vertex.location,
                                               ctx.upstream_model, request.stream);
      return providers::gemini::EncodeGeminiRequest(request, out.body, error);
    case config::ProviderType::kGemini:
      // GeminiPath starts with the API version, which is the base path (default /v1beta).
      out.path = providers::gemini::GeminiPath(ctx.upstream_model, request.stream).substr(7);
      out.auth = KeyAuth(ctx);
      return providers::gemini::EncodeGeminiRequest(request, out.body, error);
    default:
      break;
  }
  OpenAiPathAndAuth(provider, ctx.upstream_model, AttemptKey(ctx), "/chat/completions", out.path,
                    out.auth);
  return providers::openai::EncodeChatRequest(request, ctx.upstream_model, out.body, error);
}

bool DecodeEgressResponse(const config::Provider& provider, std::string_view body,
                          api::ChatResponse& out, GatewayError& error) {
  if (provider.type == config::ProviderType::kAnthropic)
    return providers::anthropic::DecodeMessagesResponse(body, out, error);
  if (provider.type == config::ProviderType::kGemini ||
      provider.type == config::ProviderType::kVertex)
    return providers::gemini::DecodeGeminiResponse(body, out, error);
  if (provider.type == config::ProviderType::kBedrock)
    return providers::bedrock::DecodeConverseResponse(body, out, error);
  if (provider.type == config::ProviderType::kOllama)
    return providers::ollama::DecodeOllamaChatResponse(body, out, error);
  if (provider.type == config::ProviderType::kDashScopeNative)
    return providers::dashscope::DecodeDashScopeResponse(body, out, error);
  return providers::openai::DecodeChatResponse(body, out, error);
}

std::unique_ptr<providers::StreamDecoder> NewEgressStreamDecoder(const config::Provider& provider) {
  if (provider.type == config::ProviderType::kAnthropic)
    return providers::anthropic::NewMessagesStreamDecoder();
  if (provider.type == config::ProviderType::kGemini ||
      provider.type == config::ProviderType::kVertex)
    return std::make_unique<providers::gemini::GeminiStreamDecoder>();
  if (provider.type == config::ProviderType::kBedrock)
    return std::make_unique<providers::bedrock::ConverseStreamDecoder>();
  if (provider.type == config::ProviderType::kOllama)
    return std::make_unique<providers::ollama::OllamaChatStreamDecoder>();
  if (provider.type == config::ProviderType::kDashScopeNative)
    return std::make_unique<providers::dashscope::DashScopeStreamDecoder>();
  return providers::openai::NewChatStreamDecoder();
}

// How an error the upstream reported in its body (or stream) is treated by failover.
FailureClass ClassOf(const GatewayError& error) {
  switch (error.code) {
    case ErrorCode::kProviderRateLimited:
    case ErrorCode::kProviderOverloaded:
      return FailureClass::kOverloaded;
    case ErrorCode::kProviderInvalidRequest:
      return FailureClass::kCaller;
    case ErrorCode::kProviderAuthFailed:
      return FailureClass::kCredential;
    default:
      return FailureClass::kTransient;
  }
}

core::TokenUsage EstimatedUsage(const api::ChatRequest& request, uint64_t output_pieces) {
  core::TokenUsage usage;
  usage.input = api::EstimateTokens(request.prompt_chars);
  usage.output = output_pieces;
  usage.estimated = true;
  return usage;
}

awaitable<AttemptResult> RelayTranslatedJson(RequestContext& ctx, http::UpstreamCall& call,
                                             const config::Provider& provider) {
  std::string body;
  UpstreamFailure f = co_await ReadWholeBody(ctx, call, body, kMaxJsonBody);
  if (f != UpstreamFailure::kNone) co_return FailedBeforeCommit(ctx, f, provider);
  api::ChatResponse response;
  GatewayError error;
  if (!DecodeEgressResponse(provider, body, response, error)) {
    ctx.outcome.error_detail = error.message;
    error.message = "provider '" + provider.name + "' sent a malformed response";
    co_return AttemptResult::Failed(FailureClass::kTransient, error);
  }
  if (!response.has_usage) response.usage = EstimatedUsage(*ctx.unified, 0);
  ctx.outcome.has_usage = true;
  ctx.outcome.usage = response.usage;
  std::string out = EncodeClientResponse(ctx, response);
  ctx.outcome.status = 200;
  co_await ctx.exchange.Reply(200, "application/json", out, ctx.response_headers);
  co_return AttemptResult::Committed();
}

constexpr size_t kMaxHeldBytes = 64 * 1024;

// x-sluice-usage: trailer on a translated OpenAI stream: the usage event goes just before [DONE].
void InsertUsageTrailer(const RequestContext& ctx, const api::StreamEncoder& encoder,
                        const api::ChatRequest& request, uint64_t content_deltas,
                        std::string& out) {
  constexpr std::string_view kDone = "data: [DONE]\n\n";
  if (!out.ends_with(kDone)) return;
  core::TokenUsage usage =
      encoder.usage_reported() ? encoder.usage() : EstimatedUsage(request, content_deltas);
  out.insert(out.size() - kDone.size(), telemetry::RenderUsageTrailer(ctx.outcome, usage));
}

bool IsStreamBody(const config::Provider& provider, std::string_view content_type) {
  if (provider.type == config::ProviderType::kBedrock)
    return content_type.starts_with("application/vnd.amazon.eventstream");
  if (provider.type == config::ProviderType::kOllama)
    return content_type.starts_with("application/x-ndjson");
  return content_type.starts_with("text/event-stream");
}

awaitable<AttemptResult> RelayTranslatedStream(RequestContext& ctx, http::UpstreamCall& call,
                                               const config::Provider& provider,
                                               http::UpstreamCall::TimePoint total_deadline) {
  http::Exchange& ex = ctx.exchange;
  // Bedrock streams are AWS event-stream messages, Ollama's are JSON lines; the others are SSE.
  bool aws_framing = provider.type == config::ProviderType::kBedrock;
  bool ndjson_framing = provider.type == config::ProviderType::kOllama;
  http::SseSplitter splitter;
  providers::bedrock::EventStreamDecoder aws_frames;
  http::NdjsonSplitter lines;
  auto decoder = NewEgressStreamDecoder(provider);
  std::unique_ptr<api::StreamEncoder> encoder = NewClientStreamEncoder(ctx);
  ex.BeginStream(200, "text/event-stream", ctx.response_headers);
  bool committed = false, failed = false;
  uint64_t content_deltas = 0;
  GatewayError error;
  std::string out;
  bool over_budget = false;  // a hard limit's allowance is spent: nothing more is relayed
  providers::DeltaSink sink = [&](const api::StreamDelta& d) {
    if (over_budget) return;
    if (d.is_content()) {
      if (CountStreamOutput(ctx, content_deltas + 1)) {
        over_budget = true;
        return;
      }
      committed = true;
      ++content_deltas;
    }
    encoder->OnDelta(d, out);
  };
  AttemptResult result = AttemptResult::Committed();
  bool client_gone = false;
  for (;;) {
    std::string_view piece;
    bool done = false;
    UpstreamFailure f = co_await ReadPiece(ctx, call, piece, done);
    auto feed = [&](std::string_view name, std::string_view data) {
      if (!failed && !decoder->OnEvent(name, data, sink, error)) failed = true;
    };
    bool framed;
    if (aws_framing) {
      framed = aws_frames.Feed(piece, [&](const providers::bedrock::EventStreamMessage& m) {
        if (m.message_type == "error") {  // a service error outside the event vocabulary
          failed = true;
          error = providers::bedrock::ConverseExceptionError(m.error_code, m.error_message);
          return;
        }
        feed(m.message_type == "exception" ? m.exception_type : m.event_type, m.payload);
      });
    } else if (ndjson_framing) {
      framed = lines.Feed(piece, [&](std::string_view line) { feed({}, line); });
      if (done && f == UpstreamFailure::kNone)  // a last line without its newline
        lines.Flush([&](std::string_view line) { feed({}, line); });
    } else {
      framed = splitter.Feed(piece, [&](const http::SseEvent& ev) { feed(ev.name, ev.data); });
    }
    size_t pending = aws_framing      ? aws_frames.pending_bytes()
                     : ndjson_framing ? lines.pending_bytes()
                                      : splitter.pending_bytes();
    if (!framed && !failed) {
      failed = true;
      error = FailureError(UpstreamFailure::kBadResponse, provider.name, committed);
    }
    if (failed && !committed) {
      ctx.outcome.error_detail = error.message;
      co_return AttemptResult::Failed(ClassOf(error), error);
    }
    if (!committed && out.size() > kMaxHeldBytes) committed = true;
    if (failed) {
      ctx.outcome.error_detail = error.message;
      encoder->Fail(error, out);
      ex.set_keep_alive(false);
      ctx.outcome.error_code = core::ErrorCodeName(error.code);
      result = AttemptResult::Committed(FailureClass::kTransient);
      done = true;
    } else if (f != UpstreamFailure::kNone || (done && pending > 0)) {
      if (!committed) {
        co_return FailedBeforeCommit(
            ctx, f == UpstreamFailure::kNone ? UpstreamFailure::kBadResponse : f, provider);
      }
      GatewayError cut = FailureError(
          f == UpstreamFailure::kNone ? UpstreamFailure::kBadResponse : f, provider.name, true);
      ctx.outcome.error_detail = cut.message;
      ctx.outcome.error_code = core::ErrorCodeName(cut.code);
      encoder->Fail(cut, out);
      ex.set_keep_alive(false);
      result = AttemptResult::Committed(FailureClass::kTransient);
      done = true;
    } else if (over_budget) {
      GatewayError spent = BudgetSpent(ctx);
      committed = true;
      encoder->Fail(spent, out);
      ex.set_keep_alive(false);
      done = true;
    } else if (done) {
      encoder->End(out);  // also when the upstream ended without its terminator event
      committed = true;
      if (ctx.usage_trailer) InsertUsageTrailer(ctx, *encoder, *ctx.unified, content_deltas, out);
    }
    if (committed && !out.empty()) {
      call.set_deadline(total_deadline);
      if (ctx.outcome.ttft_ms < 0)
        ctx.outcome.ttft_ms = std::chrono::duration<double, std::milli>(
                                  std::chrono::steady_clock::now() - ex.started_at())
                                  .count();
      ctx.outcome.status = 200;
      if (!co_await ex.StreamChunk(out, done)) {
        ctx.outcome.error_code = core::ErrorCodeName(ErrorCode::kCallerCancelled);
        client_gone = true;
      }
      out.clear();
    }
    if (done || client_gone) break;
  }
  ctx.outcome.has_usage = true;
  ctx.outcome.usage = encoder->usage_reported() ? encoder->usage()
                                                : EstimatedUsage(*ctx.unified, content_deltas);
  co_return result;
}

}  // namespace

api::ChatRequest* UnifiedRequest(RequestContext& ctx, GatewayError& error) {
  if (ctx.unified) return ctx.unified.get();
  if (ctx.parsed.kind != api::ApiKind::kChatCompletions) {
    error = GatewayError(ErrorCode::kCallerUnsupportedFeature,
                         "this endpoint cannot be served by provider type '" +
                             std::string(config::ProviderTypeName(ctx.target->provider->type)) +
                             "': only chat completions are translated");
    return nullptr;
  }
  auto request = std::make_unique<api::ChatRequest>();
  if (!api::DecodeOpenAiChatRequest(ctx.parsed.body(), *request, error)) return nullptr;
  ctx.unified = std::move(request);
  return ctx.unified.get();
}

api::ResponseIds ClientResponseIds(const RequestContext& ctx) {
  api::ResponseIds ids;
  std::string_view prefix = ctx.dialect == api::Dialect::kAnthropic          ? "msg_"
                            : ctx.dialect == api::Dialect::kOpenAiResponses ? "resp_"
                                                                            : "chatcmpl-";
  ids.id = std::string(prefix) + ctx.outcome.request_id;
  ids.model = ctx.outcome.model;
  ids.created = static_cast<int64_t>(std::time(nullptr));
  return ids;
}

std::string EncodeClientResponse(const RequestContext& ctx, const api::ChatResponse& response) {
  api::ResponseIds ids = ClientResponseIds(ctx);
  switch (ctx.dialect) {
    case api::Dialect::kAnthropic:
      return api::EncodeAnthropicResponse(response, ids);
    case api::Dialect::kOpenAiResponses:
      return api::EncodeResponsesResponse(response, ids);
    case api::Dialect::kOpenAi:
      break;
  }
  return api::EncodeOpenAiChatResponse(response, ids);
}

std::unique_ptr<api::StreamEncoder> NewClientStreamEncoder(const RequestContext& ctx) {
  if (ctx.dialect == api::Dialect::kAnthropic)
    return api::NewAnthropicStreamEncoder(ClientResponseIds(ctx));
  if (ctx.dialect == api::Dialect::kOpenAiResponses)
    return api::NewResponsesStreamEncoder(ClientResponseIds(ctx));
  return api::NewOpenAiChatStreamEncoder(ClientResponseIds(ctx), ctx.unified->include_usage);
}

awaitable<AttemptResult> AttemptTranslated(RequestContext& ctx) {
  const config::Provider& provider = *ctx.target->provider;
  GatewayError error;
  api::ChatRequest* request = UnifiedRequest(ctx, error);
  const http::UpstreamOrigin* origin = ctx.snapshot->origin(provider.name);
  if (!origin) {
    co_return AttemptResult::Failed(
        FailureClass::kTransient,
        GatewayError(ErrorCode::kGatewayInternal, "provider has no origin"));
  }
  AttemptResult no_key;
  if (request && !PickKey(ctx, no_key)) co_return no_key;
  EgressRequest egress;
  if (request && provider.type == config::ProviderType::kVertex) {
    std::string token;
    if (!co_await VertexAccessToken(ctx, token, error))
      co_return AttemptResult::Failed(FailureClass::kCredential, error);
    egress.auth = "authorization: Bearer " + token + "\r\n";
  }
  if (!request || !BuildEgress(ctx, *request, provider, *origin, egress, error))
    co_return AttemptResult::Failed(FailureClass::kCaller, error);
  std::string head = BuildHead(ctx, *origin, provider, egress.path, egress.auth,
                               egress.body.size(), request->stream);
  UpstreamExchange ux;
  UpstreamFailure failure = co_await OpenUpstream(ctx, *origin, head, egress.body, ux);
  AttemptResult result;
  if (failure != UpstreamFailure::kNone) {
    result = FailedBeforeCommit(ctx, failure, provider);
  } else if (ux.call->status() < 200 || ux.call->status() >= 300) {
    result = co_await UpstreamStatusFailure(ctx, *ux.call, provider);
  } else {
    NoteKeyResult(ctx, ux.call->status(), std::nullopt);
    if (request->stream && IsStreamBody(provider, ux.call->header("content-type"))) {
      result = co_await RelayTranslatedStream(ctx, *ux.call, provider, ux.total_deadline);
    } else {
      ux.call->set_deadline(ux.total_deadline);
      result = co_await RelayTranslatedJson(ctx, *ux.call, provider);
    }
  }
  ReleaseUpstream(ctx, *origin, ux);
  co_return result;
}

awaitable<AttemptResult> AttemptEmbeddingsTranslated(RequestContext& ctx) {
  namespace gemini = providers::gemini;
  namespace bedrock = providers::bedrock;
  const config::Provider& provider = *ctx.target->provider;
  const http::UpstreamOrigin* origin = ctx.snapshot->origin(provider.name);
  AttemptResult result;
  if (!origin) {
    result.error = GatewayError(ErrorCode::kGatewayInternal, "provider has no origin");
    co_return result;
  }
  const boost::json::object& request = ctx.parsed.body();
  std::string model = bedrock::UriEncode(ctx.upstream_model, /*encode_slash=*/true);
  std::string body, path, auth;
  size_t count = 0;
  GatewayError error;
  bool ok = false;
  switch (provider.type) {
    case config::ProviderType::kGemini:
      ok = gemini::EncodeGeminiEmbeddings(request, ctx.upstream_model, body, &count, error);
      path = "/models/" + model + ":batchEmbedContents";
      break;
    case config::ProviderType::kVertex:
      ok = gemini::EncodeVertexEmbeddings(request, body, &count, error);
      path = "/v1/projects/" + provider.vertex.project + "/locations/" + provider.vertex.location +
             "/publishers/google/models/" + model + ":predict";
      break;
    case config::ProviderType::kBedrock:
      ok = bedrock::EncodeBedrockEmbeddings(request, ctx.upstream_model, body, &count, error);
      path = "/model/" + model + "/invoke";
      break;
    default:
      error = GatewayError(ErrorCode::kCallerUnsupportedFeature,
                           "embeddings cannot be served by provider type '" +
                               std::string(config::ProviderTypeName(provider.type)) + "'");
  }
  if (!ok) co_return AttemptResult::Failed(FailureClass::kCaller, error);
  if (provider.type == config::ProviderType::kVertex) {
    std::string token;
    if (!co_await VertexAccessToken(ctx, token, error))
      co_return AttemptResult::Failed(FailureClass::kCredential, error);
    auth = "authorization: Bearer " + token + "\r\n";
  } else if (provider.type == config::ProviderType::kBedrock) {
    auth = SignBedrock(provider, *origin, path, body);
  } else {
    if (!PickKey(ctx, result)) co_return result;
    auth = KeyAuth(ctx);
  }
  std::string head = BuildHead(ctx, *origin, provider, path, auth, body.size(), false);
  UpstreamExchange ux;
  UpstreamFailure failure = co_await OpenUpstream(ctx, *origin, head, body, ux);
  if (failure != UpstreamFailure::kNone) {
    result = FailedBeforeCommit(ctx, failure, provider);
  } else if (ux.call->status() < 200 || ux.call->status() >= 300) {
    result = co_await UpstreamStatusFailure(ctx, *ux.call, provider);
  } else {
    NoteKeyResult(ctx, ux.call->status(), std::nullopt);
    ux.call->set_deadline(ux.total_deadline);
    std::string answer;
    failure = co_await ReadWholeBody(ctx, *ux.call, answer, kMaxJsonBody);
    std::vector<std::vector<double>> vectors;
    uint64_t tokens = 0;
    bool decoded =
        failure == UpstreamFailure::kNone &&
        (provider.type == config::ProviderType::kGemini
             ? gemini::DecodeGeminiEmbeddings(answer, vectors, error)
         : provider.type == config::ProviderType::kVertex
             ? gemini::DecodeVertexEmbeddings(answer, vectors, &tokens, error)
             : bedrock::DecodeBedrockEmbeddings(ctx.upstream_model, answer, vectors, &tokens,
                                                error));
    if (failure != UpstreamFailure::kNone) {
      result = FailedBeforeCommit(ctx, failure, provider);
    } else if (!decoded || vectors.size() != count) {
      ctx.outcome.error_detail = "upstream embeddings answer is malformed or incomplete";
      result = AttemptResult::Failed(
          FailureClass::kTransient, FailureError(UpstreamFailure::kBadResponse, provider.name, false));
    } else {
      auto& o = ctx.outcome;
      o.has_usage = true;
      o.usage.input = tokens;
      if (!tokens) {  // not reported: estimated from the text
        o.usage.input = api::EstimateTokens(ctx.parsed.prompt_chars);
        o.usage.estimated = true;
      }
      const boost::json::value* format = request.if_contains("encoding_format");
      bool base64 = format && format->is_string() && format->get_string() == "base64";
      std::string out = api::RenderOpenAiEmbeddings(vectors, base64, o.model, o.usage.input);
      o.status = 200;
      co_await ctx.exchange.Reply(200, "application/json", out, ctx.response_headers);
      result = AttemptResult::Committed();
    }
  }
  ReleaseUpstream(ctx, *origin, ux);
  co_return result;
}

awaitable<AttemptResult> CountTokensUpstream(RequestContext& ctx, std::string body) {
  const config::Provider& provider = *ctx.target->provider;
  const http::UpstreamOrigin* origin = ctx.snapshot->origin(provider.name);
  AttemptResult result;
  if (!origin) {
    result.error = GatewayError(ErrorCode::kGatewayInternal, "provider has no origin");
    co_return result;
  }
  if (!PickKey(ctx, result)) co_return result;
  std::string auth = KeyAuth(ctx);
  std::string head =
      BuildHead(ctx, *origin, provider, "/messages/count_tokens", auth, body.size(), false);
  UpstreamExchange ux;
  UpstreamFailure failure = co_await OpenUpstream(ctx, *origin, head, body, ux);
  if (failure != UpstreamFailure::kNone) {
    result = FailedBeforeCommit(ctx, failure, provider);
  } else if (ux.call->status() != 200) {
    result = co_await UpstreamStatusFailure(ctx, *ux.call, provider);
  } else {
    NoteKeyResult(ctx, 200, std::nullopt);
    std::string answer;
    failure = co_await ReadWholeBody(ctx, *ux.call, answer, kMaxErrorBody);
    if (failure != UpstreamFailure::kNone) {
      result = FailedBeforeCommit(ctx, failure, provider);
    } else {
      ctx.outcome.status = 200;
      co_await ctx.exchange.Reply(200, "application/json", answer, ctx.response_headers);
      result = AttemptResult::Committed();
    }
  }
  ReleaseUpstream(ctx, *origin, ux);
  co_return result;
}

}  // namespace sluice::proxy
