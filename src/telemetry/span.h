#pragma once
// A finished span, as the exporter ships it (OTLP trace data model, the subset the gateway uses).
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sluice::telemetry {

enum class SpanKind { kServer = 2, kClient = 3 };  // OTLP Span.SpanKind values
enum class SpanStatus { kUnset = 0, kOk = 1, kError = 2 };

struct SpanAttribute {
  std::string_view key;  // a string literal: attribute names are fixed, so spans never copy them
  using Value = std::variant<std::string, int64_t, double, bool>;
  Value value;
};

struct Span {
  std::string trace_id;        // 32 lowercase hex digits
  std::string span_id;         // 16 lowercase hex digits
  std::string parent_span_id;  // empty: a root span
  std::string trace_state;     // W3C tracestate received with the parent, passed on as is
  std::string name;
  SpanKind kind = SpanKind::kServer;
  int64_t start_unix_ns = 0;
  int64_t end_unix_ns = 0;
  std::vector<SpanAttribute> attributes;
  SpanStatus status = SpanStatus::kUnset;
  std::string status_message;

  void Add(std::string_view k, std::string v) { attributes.push_back({k, std::move(v)}); }
  void Add(std::string_view k, int64_t v) { attributes.push_back({k, v}); }
  void Add(std::string_view k, double v) { attributes.push_back({k, v}); }
  void AddBool(std::string_view k, bool v) { attributes.push_back({k, v}); }
};

}  // namespace sluice::telemetry
