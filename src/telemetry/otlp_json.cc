// Hand-written like the access log: the exporter thread encodes every span, and the shape is
// small and fixed.
#include "telemetry/otlp_json.h"

#include <charconv>
#include <cmath>

#include "telemetry/json_text.h"

namespace sluice::telemetry {

namespace {

void AppendKeyValue(std::string& out, std::string_view key, const SpanAttribute::Value& value);

void AppendDouble(std::string& out, double v) {
  if (!std::isfinite(v)) v = 0;  // JSON has no NaN or Infinity
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(end - buf));
}

void AppendAnyValue(std::string& out, const SpanAttribute::Value& value) {
  out.push_back('{');
  if (const auto* s = std::get_if<std::string>(&value)) {
    out.append("\"stringValue\":");
    AppendJsonString(out, *s);
  } else if (const auto* i = std::get_if<int64_t>(&value)) {
    out.append("\"intValue\":\"");
    AppendJsonInt(out, *i);
    out.push_back('"');
  } else if (const auto* d = std::get_if<double>(&value)) {
    out.append("\"doubleValue\":");
    AppendDouble(out, *d);
  } else {
    out.append("\"boolValue\":").append(std::get<bool>(value) ? "true" : "false");
  }
  out.push_back('}');
}

void AppendKeyValue(std::string& out, std::string_view key, const SpanAttribute::Value& value) {
  out.append("{\"key\":");
  AppendJsonString(out, key);
  out.append(",\"value\":");
  AppendAnyValue(out, value);
  out.push_back('}');
}

void AppendNanos(std::string& out, std::string_view key, int64_t ns) {
  out.append(",\"").append(key).append("\":\"");
  AppendJsonInt(out, ns);
  out.push_back('"');
}

void AppendSpan(std::string& out, const Span& s) {
  out.append("{\"traceId\":");
  AppendJsonString(out, s.trace_id);
  out.append(",\"spanId\":");
  AppendJsonString(out, s.span_id);
  if (!s.trace_state.empty()) {
    out.append(",\"traceState\":");
    AppendJsonString(out, s.trace_state);
  }
  if (!s.parent_span_id.empty()) {
    out.append(",\"parentSpanId\":");
    AppendJsonString(out, s.parent_span_id);
  }
  out.append(",\"name\":");
  AppendJsonString(out, s.name);
  out.append(",\"kind\":");
  AppendJsonInt(out, static_cast<int64_t>(s.kind));
  AppendNanos(out, "startTimeUnixNano", s.start_unix_ns);
  AppendNanos(out, "endTimeUnixNano", s.end_unix_ns);
  out.append(",\"attributes\":[");
  for (size_t i = 0; i < s.attributes.size(); ++i) {
    if (i) out.push_back(',');
    AppendKeyValue(out, s.attributes[i].key, s.attributes[i].value);
  }
  out.append("],\"status\":{");
  if (s.status != SpanStatus::kUnset) {
    out.append("\"code\":");
    AppendJsonInt(out, static_cast<int64_t>(s.status));
    if (!s.status_message.empty()) {
      out.append(",\"message\":");
      AppendJsonString(out, s.status_message);
    }
  }
  out.append("}}");
}

}  // namespace

std::string EncodeOtlpTraces(std::span<const Span> spans, std::string_view service_name,
                             std::string_view service_version) {
  std::string out;
  out.reserve(256 + spans.size() * 768);
  out.append("{\"resourceSpans\":[{\"resource\":{\"attributes\":[");
  AppendKeyValue(out, "service.name", std::string(service_name));
  out.push_back(',');
  AppendKeyValue(out, "service.version", std::string(service_version));
  out.append("]},\"scopeSpans\":[{\"scope\":{\"name\":\"sluice\",\"version\":");
  AppendJsonString(out, service_version);
  out.append("},\"spans\":[");
  for (size_t i = 0; i < spans.size(); ++i) {
    if (i) out.push_back(',');
    AppendSpan(out, spans[i]);
  }
  out.append("]}]}]}");
  return out;
}

}  // namespace sluice::telemetry
