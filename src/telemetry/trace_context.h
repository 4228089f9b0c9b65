#pragma once
// W3C Trace Context (traceparent) parsing and formatting, and random trace and span ids.
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace sluice::telemetry {

struct TraceParent {
  std::string trace_id;  // 32 lowercase hex
  std::string span_id;   // 16 lowercase hex: the caller's span
  bool sampled = false;  // trace-flags bit 0
};

// "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>", lowercase, ids not all zero, version
// not ff. nullopt for anything else (a malformed header starts a new trace).
std::optional<TraceParent> ParseTraceParent(std::string_view header);
// "00-<trace id>-<span id>-01" (or -00 when not sampled).
std::string FormatTraceParent(std::string_view trace_id, std::string_view span_id, bool sampled);

// Random non-zero ids in lowercase hex, from the worker's generator.
std::string NewTraceId(std::mt19937_64& rng);
std::string NewSpanId(std::mt19937_64& rng);

}  // namespace sluice::telemetry
