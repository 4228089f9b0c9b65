#pragma once
// Renders a unified stream (api/unified.h) in the client's dialect, sans-I/O: deltas in, SSE bytes
// out. One encoder per response; it owns whatever framing state the dialect needs (open content
// blocks, the pending finish reason, usage to report last).
#include <string>

#include "api/unified.h"
#include "core/error.h"

namespace sluice::api {

// What the answer is called in the client's dialect.
struct ResponseIds {
  std::string id;     // e.g. "chatcmpl-<request id>", "msg_<request id>"
  std::string model;  // the model name reported back (the client's name for it)
  int64_t created = 0;
};

class StreamEncoder {
 public:
  virtual ~StreamEncoder() = default;
  // Appends the events for one delta to `out` (possibly none).
  virtual void OnDelta(const StreamDelta& delta, std::string& out) = 0;
  // The upstream completed: appends the closing events (finish, usage, terminator).
  virtual void End(std::string& out) = 0;
  // The stream fails after it was committed: appends the dialect's final error event.
  virtual void Fail(const core::GatewayError& error, std::string& out) = 0;
  // Usage as last reported by the upstream (deltas of kind kUsage).
  const core::TokenUsage& usage() const { return usage_; }
  bool usage_reported() const { return usage_reported_; }

 protected:
  core::TokenUsage usage_;
  bool usage_reported_ = false;
};

}  // namespace sluice::api
