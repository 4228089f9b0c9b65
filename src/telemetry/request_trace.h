#pragma once
// One request's trace state, kept in its RequestContext while it runs (proxy/tracing.h).
#include <cstdint>
#include <string>
#include <vector>

#include "telemetry/span.h"

namespace sluice::telemetry {

struct RequestTrace {
  bool recording = false;      // tracing is on and this trace is sampled: spans are exported
  std::string trace_id;        // the client's, or a new one
  std::string span_id;         // the gateway's server span
  std::string parent_span_id;  // the client's span; empty for a new trace
  std::string trace_state;     // the client's tracestate, passed on
  int64_t start_unix_ns = 0;
  std::vector<Span> spans;  // attempt spans; the last one is open while an attempt runs
  bool attempt_open = false;
};

}  // namespace sluice::telemetry
