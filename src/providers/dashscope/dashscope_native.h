#pragma once
// DashScope's native text-generation API (Alibaba Cloud Model Studio, Qwen models):
// POST /api/v1/services/aigc/text-generation/generation, streamed as SSE when the request carries
// the header "X-DashScope-SSE: enable" (or Accept: text/event-stream). Sans-I/O: bodies and events
// in, unified model out (api/unified.h). Shapes follow the DashScope API reference ("DashScope API
// reference" / "Qwen API via DashScope") and its recorded request/response examples.
//
// Request: {"model", "input": {"messages": [...]}, "parameters": {...}}. Messages are OpenAI-like:
// system first (text parts joined by "\n"), user/assistant "content" strings, assistant
// "tool_calls": [{"id","type":"function","function":{"name","arguments": <JSON text>}}], tool
// results {"role":"tool","content","tool_call_id"} (tool results inside a user message become tool
// messages in place; is_error has no field and the text is sent as is). Parameters:
//   result_format "message" (always), incremental_output true when streaming (the stream decoder
//   relies on it: each event then carries only new text), max_tokens, temperature, top_p, top_k,
//   stop, seed, presence_penalty, tools (OpenAI function shape), tool_choice ("auto", "none", or
//   {"type":"function","function":{"name"}}), parallel_tool_calls (true or false),
//   response_format {"type":"json_object"}.
//   Thinking: thinking_budget -> enable_thinking true + thinking_budget; reasoning_effort (no Qwen
//   field) -> enable_thinking true + a thinking_budget of low/minimal 1024, medium 4096, high
//   16384 (the Anthropic adapter's scale). An explicit budget wins over an effort.
// Rejected with caller_unsupported_feature naming the field:
//   images (any kind)          the text-generation endpoint takes text; Qwen-VL models are served
//                              by multimodal-generation, a different endpoint and body
//   tool_choice required       DashScope has auto, none and a named function only
//   response_format json_schema  the native API documents text and json_object only
//   frequency_penalty          no such parameter (presence_penalty and repetition_penalty only)
//   user                       no end-user field
// Not sent (documented drops): earlier-turn reasoning (thinking, signatures, redacted reasoning:
// Qwen ignores reasoning_content in history) and cache_control markers (DashScope's context cache
// works on matching prefixes by itself).
//
// Response: output.choices[0].message -> reasoning_content (kThinking), content (kText; an array
// of {"text"} objects is joined), tool_calls (kToolCall, id or "call_<n>", arguments as given);
// the legacy result_format "text" shape (output.text) is read too. finish_reason "length" ->
// kLength, "tool_calls" (or "stop" with tool calls) -> kToolCalls, "content_filter" ->
// kContentFilter, else kStop. request_id -> id; DashScope echoes no model, so model stays empty.
// Usage: input = input_tokens (cached tokens included), output = output_tokens (reasoning
// included), cached_input = prompt_tokens_details.cached_tokens (or a top-level cached_tokens),
// reasoning = output_tokens_details.reasoning_tokens.
#include <string>
#include <string_view>
#include <vector>

#include "api/unified.h"
#include "core/error.h"
#include "providers/stream_decoder.h"

namespace sluice::providers::dashscope {

// The request body for `request` with `model` as the upstream model name. False with `error`
// (caller_*; param = the field) when the request cannot be expressed or is inconsistent.
bool EncodeDashScopeRequest(const api::ChatRequest& request, std::string_view model,
                            std::string& body, core::GatewayError& error);

// A non-streamed answer. False with provider_bad_response when malformed, or with
// DashScopeError's code when the body is an error report {"code","message","request_id"}.
bool DecodeDashScopeResponse(std::string_view body, api::ChatResponse& out,
                             core::GatewayError& error);

// A DashScope error code as a gateway error: Throttling* -> provider_rate_limited;
// InvalidParameter*, DataInspectionFailed -> provider_invalid_request (status 400);
// InvalidApiKey, AccessDenied* -> provider_auth_failed; anything else -> provider_server_error.
core::GatewayError DashScopeError(std::string_view code, std::string_view message);

// The SSE stream of a request sent with incremental_output true. Every "result" event's data is a
// whole response object holding only what is new:
//   first event                                -> kStart (id = request_id)
//   message.reasoning_content                  -> kThinking
//   message.content                            -> kText
//   message.tool_calls[k] (k = "index")        -> kToolCallStart the first time k is seen (id, or
//                                                 "call_<n>" when empty; name), kToolCallArgs for
//                                                 each non-empty arguments fragment
//   finish_reason other than "null"/null/""    -> kFinish; finished() from here on
//   usage (cumulative, in every event)         -> kUsage
//   "event:error" (or a body with "code" and no "output")
//                                              -> false with DashScopeError
// A malformed event emits nothing and fails with provider_bad_response.
class DashScopeStreamDecoder : public StreamDecoder {
 public:
  bool OnEvent(std::string_view name, std::string_view data, const DeltaSink& emit,
               core::GatewayError& error) override;
  bool finished() const override { return finished_; }

 private:
  int ToolIndex(int64_t upstream_index, bool& is_new);

  bool started_ = false;
  bool finished_ = false;
  bool saw_tool_call_ = false;
  std::vector<int64_t> tool_indices_;  // upstream index of each tool call, in order of arrival
};

}  // namespace sluice::providers::dashscope
