#pragma once
// Amazon Bedrock Converse API <-> the unified chat model (api/unified.h), sans-I/O.
//
// Request: EncodeConverseRequest builds the body of POST /model/{modelId}/converse and of
// /converse-stream (the same body; the model id goes in the path, not the body).
//
// What Converse cannot express is rejected with caller_unsupported_feature naming the field:
//   presence_penalty, frequency_penalty, seed       no Converse field
//   response_format json_object / json_schema       no JSON mode (text is the default and passes)
//   reasoning_effort                                 only a token budget (thinking_budget) maps
//   parallel_tool_calls = false                      the model decides; true/unset pass
//   tool_choice none with tool calls in history     Bedrock requires toolConfig when messages
//                                                    carry toolUse/toolResult blocks
//   image URLs other than data: URLs                 Converse takes inline bytes only
//   cache_control ttl other than 5m                  a cache point has no TTL here
// tool_choice none otherwise sends no toolConfig (Converse has no "none"; not offering the tools
// is the honest equivalent). `user` is refused: Converse has no end-user field. top_k and thinking_budget go in additionalModelRequestFields the way Anthropic
// models on Bedrock take them ({"top_k": n}, {"thinking": {"type": "enabled", ...}}). Empty text
// parts are skipped (Bedrock rejects blank text blocks).
//
// Usage convention (response and stream): unified `input` is the whole prompt. Bedrock's
// inputTokens excludes cache reads and writes, so input = inputTokens + cacheReadInputTokens +
// cacheWriteInputTokens; cached_input (reads) and cache_creation_input (writes) are subsets.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/unified.h"
#include "core/error.h"
#include "core/json_parse.h"
#include "providers/stream_decoder.h"

namespace sluice::providers::bedrock {

// False with `error` (caller_*) when the request cannot be expressed in Converse.
bool EncodeConverseRequest(const api::ChatRequest& req, std::string& body,
                           core::GatewayError& error);

// Decodes a Converse response body. Fills content, finish, stop_sequence (when the model reports
// it) and usage; id, model and created are left to the caller. False with provider_bad_response
// when the body is malformed.
bool DecodeConverseResponse(std::string_view body, api::ChatResponse& out,
                            core::GatewayError& error);

// The gateway error for a ConverseStream exception message (:message-type "exception";
// `exception_type` is its :exception-type, `payload` its JSON body with "message"):
//   throttlingException          -> provider_rate_limited
//   serviceUnavailableException  -> provider_overloaded
//   validationException          -> provider_invalid_request
//   anything else (modelStreamErrorException, internalServerException, ...)
//                                -> provider_server_error
core::GatewayError ConverseExceptionError(std::string_view exception_type,
                                          std::string_view payload);

// ConverseStream, one event-stream message at a time. The relay calls OnEvent with name =
// :event-type and data = the JSON payload for event messages, and with name = :exception-type for
// exception messages; a name ending in "Exception" is treated as an exception (OnEvent returns
// false with ConverseExceptionError). Events:
//   messageStart                               -> kStart
//   contentBlockStart {start: {toolUse}}       -> kToolCallStart, index = tool calls so far
//   contentBlockDelta {delta: text}            -> kText
//                     {delta: toolUse.input}   -> kToolCallArgs (the tool of that block)
//                     {delta: reasoningContent.text / .signature}
//                                              -> kThinking / kThinkingSignature
//   contentBlockStop                           -> nothing
//   messageStop {stopReason}                   -> kFinish; finished() from here on
//   metadata {usage}                           -> kUsage (comes after messageStop)
// Unknown event names are ignored (forward compatibility). Streamed redacted reasoning
// (reasoningContent.redactedContent) has no unified delta yet and is skipped.
class ConverseStreamDecoder : public StreamDecoder {
 public:
  bool OnEvent(std::string_view name, std::string_view data, const DeltaSink& emit,
               core::GatewayError& error) override;
  bool finished() const override { return finished_; }

 private:
  int ToolIndexOf(int64_t content_block) const;

  core::JsonArena arena_;  // each event's DOM: no heap allocation per event
  int tool_calls_ = 0;
  std::vector<std::pair<int64_t, int>> tool_blocks_;  // contentBlockIndex -> tool call index
  bool finished_ = false;
};

}  // namespace sluice::providers::bedrock
