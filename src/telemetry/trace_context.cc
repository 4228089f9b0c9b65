#include "telemetry/trace_context.h"

namespace sluice::telemetry {

namespace {

bool IsLowerHex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool AllZero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

void AppendHex(std::string& out, uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kDigits[(v >> shift) & 0xf]);
}

uint64_t NonZero(std::mt19937_64& rng) {
  uint64_t v = rng();
  return v ? v : 1;
}

}  // namespace

std::optional<TraceParent> ParseTraceParent(std::string_view v) {
  if (v.size() != 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return std::nullopt;
  std::string_view version = v.substr(0, 2), trace = v.substr(3, 32), span = v.substr(36, 16),
                   flags = v.substr(53, 2);
  if (!IsLowerHex(version) || !IsLowerHex(trace) || !IsLowerHex(span) || !IsLowerHex(flags))
    return std::nullopt;
  if (version == "ff" || AllZero(trace) || AllZero(span)) return std::nullopt;
  int low = flags[1] <= '9' ? flags[1] - '0' : flags[1] - 'a' + 10;
  return TraceParent{std::string(trace), std::string(span), (low & 1) != 0};
}

std::string FormatTraceParent(std::string_view trace_id, std::string_view span_id, bool sampled) {
  std::string out;
  out.reserve(55);
  out.append("00-").append(trace_id).append("-").append(span_id).append(sampled ? "-01" : "-00");
  return out;
}

std::string NewTraceId(std::mt19937_64& rng) {
  std::string id;
  id.reserve(32);
  AppendHex(id, rng());
  AppendHex(id, NonZero(rng));
  return id;
}

std::string NewSpanId(std::mt19937_64& rng) {
  std::string id;
  id.reserve(16);
  AppendHex(id, NonZero(rng));
  return id;
}

}  // namespace sluice::telemetry
