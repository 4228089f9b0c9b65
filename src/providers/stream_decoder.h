#pragma once
// A provider's stream, decoded into unified deltas (api/unified.h). Sans-I/O: the relay frames the
// bytes (SSE events, or AWS event-stream messages for Bedrock) and feeds one event at a time; the
// decoder keeps whatever state the provider's protocol needs (open content blocks, tool indices).
#include <functional>
#include <string_view>

#include "api/unified.h"
#include "core/error.h"

namespace sluice::providers {

using DeltaSink = std::function<void(const api::StreamDelta&)>;

// Emits a delta of `kind` carrying `text`; nothing when the text is empty.
inline void EmitText(const DeltaSink& emit, api::StreamDelta::Kind kind, std::string_view text) {
  if (text.empty()) return;
  api::StreamDelta d;
  d.kind = kind;
  d.text = text;
  emit(d);
}

class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  // One upstream event: `name` is the SSE event name (or event-stream :event-type), `data` its
  // payload. Emits zero or more deltas through `emit` (their views live during the call only).
  // Returns false with `error` set when the event is malformed or is an in-band error report.
  // Called on the request's worker thread; the decoder lives as long as one upstream attempt.
  virtual bool OnEvent(std::string_view name, std::string_view data, const DeltaSink& emit,
                       core::GatewayError& error) = 0;
  // The upstream said the answer is complete ([DONE], message_stop, ...).
  virtual bool finished() const = 0;
};

}  // namespace sluice::providers
