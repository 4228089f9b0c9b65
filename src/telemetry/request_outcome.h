#pragma once
// What happened to one request, filled in by the proxy as it goes and consumed exactly once at the
// end by the metrics shard and the access log.
#include <string>
#include <string_view>

#include "core/usage.h"

namespace sluice::telemetry {

struct RequestOutcome {
  std::string request_id;
  std::string_view method;
  std::string path;
  std::string model;               // as the client asked
  std::string served_model;        // as sent upstream
  std::string route;               // config model entry that matched; empty if none
  std::string provider;            // provider name; empty if none
  std::string_view operation;      // GenAI operation: chat, text_completion, embeddings
  std::string_view provider_type;  // openai, sim, ...
  std::string_view key_id;         // id of the provider key of the last attempt (never the key)
  std::string_view consumer;       // the authenticated consumer; empty: anonymous
  std::string_view trace_id;       // when the request is traced (proxy/tracing.h)
  int status = 0;
  std::string_view error_code;  // empty on success
  bool limits_unchecked = false;  // the shared store was down and fail_mode is open
  std::string error_detail;     // for the log only, e.g. the upstream failure kind
  bool stream = false;
  bool has_usage = false;
  core::TokenUsage usage;
  double cost_usd = -1;  // priced with config.pricing; -1: the model has no price
  double ttft_ms = -1;  // first response byte to the client; -1: none sent
  double queue_ms = -1;  // time waited in the model's fair queue; -1: did not wait
  double duration_ms = 0;
  double overhead_us = 0;  // duration minus time spent waiting on the upstream
  int attempts = 0;
};

// One JSON object stamped with the current UTC time, no trailing newline.
std::string RenderAccessLogLine(const RequestOutcome& outcome);

// The in-band usage event a client gets before [DONE] when it sends `x-sluice-usage: trailer`:
// `event: sluice.usage` with usage (as far as known), attempts, backend and request id.
std::string RenderUsageTrailer(const RequestOutcome& outcome, const core::TokenUsage& usage);

}  // namespace sluice::telemetry
