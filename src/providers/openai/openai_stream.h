#pragma once
// Sans-I/O inspection of OpenAI-format responses: usage extraction from a whole body or from the
// events of a stream, and the decision to drop the usage-only chunk the gateway asked for on its
// own behalf. Per event this costs one key search; only a chunk that carries usage is parsed.
#include <boost/json/fwd.hpp>
#include <cstdint>
#include <string_view>

#include "core/usage.h"
#include "http/sse.h"

namespace sluice::providers::openai {

// Reads `usage` of a chat/completions/embeddings response object. False if there is none.
bool ExtractUsage(const boost::json::value& body, core::TokenUsage& usage);

// The same for a whole response body, without building a DOM (the pass-through relay only needs
// to validate the body and read its usage). False if `body` is not one valid JSON object (what the
// DOM parse with core::JsonParseOptions rejects, this rejects); otherwise `has_usage` and `usage`
// are what ExtractUsage would give for the parsed body (duplicate keys: the last one counts).
// `no_choices`, if given, tells whether the object's "choices" is absent or an empty array (a
// usage-only stream chunk).
bool ScanBodyUsage(std::string_view body, core::TokenUsage& usage, bool& has_usage,
                   bool* no_choices = nullptr);

// An event that reports a failure in band: {"error": {...}}.
bool IsInBandError(std::string_view data);
// An event that carries nothing the client would see as output: a role-only delta, an empty
// text, no finish_reason. Streams are held back over such events so they can still fail over.
bool IsContentFree(std::string_view data);

class StreamInspector {
 public:
  // `drop_usage_chunk`: the client did not ask for usage, the gateway added include_usage upstream.
  explicit StreamInspector(bool drop_usage_chunk) : drop_usage_chunk_(drop_usage_chunk) {}

  enum class Action { kForward, kDrop };
  Action OnEvent(const http::SseEvent& event);

  bool usage_reported() const { return usage_reported_; }
  const core::TokenUsage& usage() const { return usage_; }
  uint32_t data_events() const { return data_events_; }  // chunks other than [DONE]
  bool saw_done() const { return saw_done_; }

 private:
  bool drop_usage_chunk_;
  bool usage_reported_ = false;
  bool saw_done_ = false;
  uint32_t data_events_ = 0;
  core::TokenUsage usage_;
};

}  // namespace sluice::providers::openai
