#pragma once
// OTLP/HTTP JSON encoding of spans: the body of POST /v1/traces, an ExportTraceServiceRequest
// (opentelemetry-proto, JSON mapping as the OTLP spec defines it: trace and span ids as hex
// strings, enums as integers, 64-bit integers and nanosecond times as decimal strings).
#include <span>
#include <string>
#include <string_view>

#include "telemetry/span.h"

namespace sluice::telemetry {

// One resourceSpans (resource attribute service.name, plus service.version) with one scopeSpans
// (scope "sluice") holding `spans`.
std::string EncodeOtlpTraces(std::span<const Span> spans, std::string_view service_name,
                             std::string_view service_version);

}  // namespace sluice::telemetry
