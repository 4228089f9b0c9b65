#pragma once
// Request tracing (config `tracing`): one server span per request, parented by the client's
// traceparent when it sent a valid one, and one client span per upstream attempt, so retries and
// failover show as sibling children. The traceparent sent upstream names the attempt's span, so
// the provider's own spans nest under it. All calls are on the request's worker; with tracing
// off (or the trace not sampled) each is a check and a return.
#include <string>

#include "proxy/attempt.h"

namespace sluice::proxy {

struct RequestContext;

// At the start of a request: adopts the client's trace or starts one; decides sampling
// (parent-based: the client's sampled flag; new traces by tracing.sample_ratio).
void BeginRequestTrace(RequestContext& ctx);
// Around each upstream attempt (ctx.target set).
void BeginAttemptSpan(RequestContext& ctx, int attempt_number);
void EndAttemptSpan(RequestContext& ctx, const AttemptResult& result);
// Once, when the request's outcome is final: builds the server span and hands every span to the
// exporter.
void EndRequestTrace(RequestContext& ctx);

// The trace-context header lines of an upstream request: the attempt's span as parent when
// recording; otherwise the client's valid traceparent (and tracestate) unchanged.
void AppendTraceHeaders(const RequestContext& ctx, std::string& head);

}  // namespace sluice::proxy
