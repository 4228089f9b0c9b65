#include "proxy/tracing.h"

#include <chrono>
#include <random>

#include "proxy/request_context.h"
#include "telemetry/trace_context.h"

namespace sluice::proxy {

namespace {

int64_t UnixNanos(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

int64_t NowUnixNanos() { return UnixNanos(std::chrono::system_clock::now()); }

std::string_view Header(const RequestContext& ctx, std::string_view name) {
  const auto& req = ctx.exchange.request();
  auto it = req.find(name);
  return it == req.end() ? std::string_view() : std::string_view(it->value());
}

// gen_ai.provider.name: the semantic conventions' well-known values where one exists, else the
// provider type as config and metrics name it.
std::string SemconvProvider(std::string_view type) {
  if (type == "azure-openai") return "azure.ai.openai";
  if (type == "gemini") return "gcp.gemini";
  if (type == "vertex") return "gcp.vertex_ai";
  if (type == "bedrock") return "aws.bedrock";
  if (type == "dashscope" || type == "dashscope-native") return "dashscope";
  return std::string(type);
}

void AddGenAiProvider(telemetry::Span& span, std::string_view type) {
  if (type.empty()) return;
  std::string name = SemconvProvider(type);
  span.Add("gen_ai.provider.name", name);
  span.Add("gen_ai.system", std::move(name));  // the attribute's name before semconv 1.37
}

void AddUsage(telemetry::Span& span, const telemetry::RequestOutcome& o) {
  if (!o.has_usage) return;
  span.Add("gen_ai.usage.input_tokens", static_cast<int64_t>(o.usage.input));
  span.Add("gen_ai.usage.output_tokens", static_cast<int64_t>(o.usage.output));
  if (o.usage.cached_input)
    span.Add("gen_ai.usage.cache_read.input_tokens", static_cast<int64_t>(o.usage.cached_input));
  if (o.usage.cache_creation_input)
    span.Add("gen_ai.usage.cache_creation.input_tokens",
             static_cast<int64_t>(o.usage.cache_creation_input));
  if (o.usage.reasoning)
    span.Add("gen_ai.usage.reasoning.output_tokens", static_cast<int64_t>(o.usage.reasoning));
  if (o.usage.estimated) span.AddBool("sluice.usage.estimated", true);
}

}  // namespace

void BeginRequestTrace(RequestContext& ctx) {
  if (!ctx.snapshot->tracer) return;
  auto& t = ctx.trace;
  auto parent = telemetry::ParseTraceParent(Header(ctx, "traceparent"));
  bool sampled;
  if (parent) {
    sampled = parent->sampled;
  } else {
    double ratio = ctx.snapshot->config->tracing.sample_ratio;
    sampled = ratio >= 1 || std::uniform_real_distribution<double>(0, 1)(ctx.worker.rng) < ratio;
  }
  if (!sampled) return;  // headers pass through as with tracing off
  t.recording = true;
  if (parent) {
    t.trace_id = std::move(parent->trace_id);
    t.parent_span_id = std::move(parent->span_id);
    std::string_view state = Header(ctx, "tracestate");
    if (state.size() <= 512) t.trace_state = std::string(state);
  } else {
    t.trace_id = telemetry::NewTraceId(ctx.worker.rng);
  }
  t.span_id = telemetry::NewSpanId(ctx.worker.rng);
  // The request arrived before its handler ran (headers and body were read first).
  auto since_arrival = std::chrono::steady_clock::now() - ctx.exchange.started_at();
  t.start_unix_ns = UnixNanos(std::chrono::system_clock::now() -
                              std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                  since_arrival));
  ctx.outcome.trace_id = t.trace_id;
}

void BeginAttemptSpan(RequestContext& ctx, int attempt_number) {
  ctx.upstream_status = 0;
  auto& t = ctx.trace;
  if (!t.recording) return;
  const config::Provider& provider = *ctx.target->provider;
  telemetry::Span span;
  span.trace_id = t.trace_id;
  span.span_id = telemetry::NewSpanId(ctx.worker.rng);
  span.parent_span_id = t.span_id;
  span.trace_state = t.trace_state;
  span.kind = telemetry::SpanKind::kClient;
  span.attributes.reserve(16);
  std::string_view operation = ctx.outcome.operation;
  span.name = std::string(operation.empty() ? "upstream" : operation) + " " +
              std::string(ctx.upstream_model);
  span.start_unix_ns = NowUnixNanos();
  if (!operation.empty()) span.Add("gen_ai.operation.name", std::string(operation));
  span.Add("gen_ai.request.model", std::string(ctx.upstream_model));
  AddGenAiProvider(span, config::ProviderTypeName(provider.type));
  if (const http::UpstreamOrigin* origin = ctx.snapshot->origin(provider.name)) {
    span.Add("server.address", origin->host);
    span.Add("server.port", static_cast<int64_t>(origin->port));
  }
  span.Add("sluice.backend", provider.name);
  span.Add("sluice.attempt", static_cast<int64_t>(attempt_number));
  t.spans.push_back(std::move(span));
  t.attempt_open = true;
}

void EndAttemptSpan(RequestContext& ctx, const AttemptResult& result) {
  auto& t = ctx.trace;
  if (!t.recording || !t.attempt_open) return;
  t.attempt_open = false;
  telemetry::Span& span = t.spans.back();
  span.end_unix_ns = NowUnixNanos();
  if (ctx.upstream_status > 0)
    span.Add("http.response.status_code", static_cast<int64_t>(ctx.upstream_status));
  if (!ctx.outcome.key_id.empty()) span.Add("sluice.key_id", std::string(ctx.outcome.key_id));
  if (result.failure != FailureClass::kNone) {
    std::string type(result.committed && result.error.message.empty()
                         ? FailureClassName(result.failure)
                         : core::ErrorCodeName(result.error.code));
    span.Add("error.type", type);
    span.Add("sluice.failure_class", std::string(FailureClassName(result.failure)));
    span.status = telemetry::SpanStatus::kError;
    span.status_message = result.committed ? ctx.outcome.error_detail : result.error.message;
  }
}

void EndRequestTrace(RequestContext& ctx) {
  auto& t = ctx.trace;
  if (!t.recording) return;
  if (t.attempt_open) EndAttemptSpan(ctx, AttemptResult::Committed());  // cut short
  const auto& o = ctx.outcome;
  // The answer's usage belongs to the attempt that produced it: the last one, if it succeeded.
  if (!t.spans.empty() && t.spans.back().status != telemetry::SpanStatus::kError && o.has_usage) {
    AddUsage(t.spans.back(), o);
    if (!o.served_model.empty()) t.spans.back().Add("gen_ai.response.model", o.served_model);
  }
  telemetry::Span span;
  span.trace_id = t.trace_id;
  span.span_id = t.span_id;
  span.parent_span_id = t.parent_span_id;
  span.trace_state = t.trace_state;
  span.kind = telemetry::SpanKind::kServer;
  span.attributes.reserve(24);
  span.name = o.operation.empty() ? std::string(o.method) + " " + o.path
                                  : std::string(o.operation) + " " + o.model;
  span.start_unix_ns = t.start_unix_ns;
  span.end_unix_ns = NowUnixNanos();
  if (!o.operation.empty()) span.Add("gen_ai.operation.name", std::string(o.operation));
  if (!o.model.empty()) span.Add("gen_ai.request.model", o.model);
  if (!o.served_model.empty()) span.Add("gen_ai.response.model", o.served_model);
  AddGenAiProvider(span, o.provider_type);
  AddUsage(span, o);
  span.Add("http.request.method", std::string(o.method));
  span.Add("url.path", o.path);
  span.Add("http.response.status_code", static_cast<int64_t>(o.status));
  if (!o.error_code.empty()) span.Add("error.type", std::string(o.error_code));
  span.Add("sluice.request_id", o.request_id);
  if (!o.route.empty()) span.Add("sluice.route", o.route);
  if (!o.provider.empty()) span.Add("sluice.backend", o.provider);
  if (!o.consumer.empty()) span.Add("sluice.consumer", std::string(o.consumer));
  span.Add("sluice.attempts", static_cast<int64_t>(o.attempts));
  span.AddBool("sluice.stream", o.stream);
  if (o.ttft_ms >= 0) span.Add("sluice.ttft_ms", o.ttft_ms);
  // Server spans are errors for 5xx only; a 4xx is the caller's (OTel HTTP conventions).
  if (o.status >= 500 || o.status == 0) {
    span.status = telemetry::SpanStatus::kError;
    span.status_message = std::string(o.error_code);
  }
  t.spans.push_back(std::move(span));
  ctx.snapshot->tracer->Submit(std::move(t.spans));
  t.spans.clear();
}

void AppendTraceHeaders(const RequestContext& ctx, std::string& head) {
  const auto& t = ctx.trace;
  if (t.recording) {
    // The open attempt's span, or the server span for a call made outside the failover loop.
    std::string_view parent = t.attempt_open ? t.spans.back().span_id : t.span_id;
    head.append("traceparent: ")
        .append(telemetry::FormatTraceParent(t.trace_id, parent, true))
        .append("\r\n");
    if (!t.trace_state.empty()) head.append("tracestate: ").append(t.trace_state).append("\r\n");
    return;
  }
  // Not traced here: a valid client traceparent passes through unchanged; a malformed one is
  // dropped.
  std::string_view tp = Header(ctx, "traceparent");
  if (!telemetry::ParseTraceParent(tp)) return;
  head.append("traceparent: ").append(tp).append("\r\n");
  std::string_view state = Header(ctx, "tracestate");
  if (!state.empty() && state.size() <= 512)
    head.append("tracestate: ").append(state).append("\r\n");
}

}  // namespace sluice::proxy
