#pragma once
// Ollama's native chat API (POST /api/chat) <-> the unified chat model (api/unified.h), sans-I/O.
// Reference: docs/api.md "Generate a chat completion" and api/types.go (ChatRequest, Message,
// ToolCall, ChatResponse, Metrics, Options) of github.com/ollama/ollama.
//
// Request mapping (whatever /api/chat cannot express is rejected with caller_unsupported_feature
// naming the field; the silent drops are listed):
//  - system parts -> one {"role":"system"} message first (text parts joined by "\n"); user and
//    assistant text parts are joined the same way into the string "content".
//  - Images -> the message's "images" array of base64 strings (media_type + data, or a base64
//    data: URL). An http(s) URL cannot be expressed (Ollama takes the bytes only): rejected.
//  - Assistant tool calls -> "tool_calls": [{"id", "function": {"name", "arguments": <object>}}]
//    (arguments must be the JSON text of an object; id only when known). Tool results ->
//    {"role":"tool","content","tool_name","tool_call_id"}: tool_name is the name of the latest
//    earlier assistant tool call with that id (omitted if none matches). Tool results inside a
//    user message become tool messages in place. is_error has no field: the text is sent as is.
//  - Earlier-turn reasoning (kThinking) -> the assistant message's "thinking" field; signatures
//    and redacted reasoning have no Ollama form and are not sent (they only mean something to the
//    provider that signed them).
//  - tools -> [{"type":"function","function":{"name","description","parameters"}}].
//  - tool_choice: /api/chat has none. auto/unset pass (auto is the behaviour); none sends no
//    tools (the honest equivalent); required and named are rejected. parallel_tool_calls=false is
//    rejected (no switch); true passes.
//  - "options": temperature, top_p, top_k, num_predict (max_tokens), stop, seed,
//    presence_penalty, frequency_penalty.
//  - response_format json_object -> "format":"json"; json_schema -> "format": <the schema>
//    (name and strict have no field; Ollama constrains the output to the schema).
//  - "think": reasoning_effort low/medium/high -> that level ("minimal" -> "low", the least
//    Ollama has); a thinking_budget alone -> true (Ollama takes no token budget); other effort
//    values are rejected. Both set: the level wins.
//  - "stream" is always sent (Ollama streams unless told false).
//  - Rejected: user (no field). cache_control markers are not sent: Ollama reuses the KV cache of
//    a matching prompt prefix by itself, and a hint it cannot honour changes no answer.
//
// Response mapping: message.thinking -> kThinking, message.content -> kText, message.tool_calls ->
// kToolCall (id as given, else "call_<n>", n = index among the answer's calls; arguments
// serialized). done_reason "length" -> kLength; "stop" (and anything else) -> kStop, or
// kToolCalls when the answer holds tool calls. Usage: input = prompt_eval_count, output =
// eval_count (Ollama reports no cache or reasoning split). Ollama gives no answer id: id stays
// empty for the caller to fill.
#include <string>
#include <string_view>

#include "api/unified.h"
#include "core/error.h"
#include "providers/stream_decoder.h"

namespace sluice::providers::ollama {

// The /api/chat body for `request`, with `model` as the upstream model name. False with `error`
// (caller_*; param = the field) when the request cannot be expressed or is inconsistent.
bool EncodeOllamaChatRequest(const api::ChatRequest& request, std::string_view model,
                             std::string& body, core::GatewayError& error);

// A non-streamed /api/chat answer. False with provider_bad_response when malformed, or with the
// mapped code when the body is an {"error": "..."} report.
bool DecodeOllamaChatResponse(std::string_view body, api::ChatResponse& out,
                              core::GatewayError& error);

// An Ollama error report ({"error": message}, in a stream possibly with "status": the HTTP status
// of the failed upstream). By status when known (429 rate limited, 401/403 auth, 400/404 invalid
// request, 503 overloaded, 504 timeout), else by the text ("not found" -> invalid request,
// "unauthorized" -> auth, "too many requests"/"rate limit" -> rate limited, "server busy" ->
// overloaded); otherwise provider_server_error.
core::GatewayError OllamaError(std::string_view message, int status = 0);

// /api/chat with "stream": true answers newline-delimited JSON (application/x-ndjson), not SSE:
// the relay frames it with http::NdjsonSplitter and calls OnEvent with name "" and data = one
// line. Each line is a ChatResponse:
//   first line                       -> kStart (model; no id)
//   message.thinking                 -> kThinking
//   message.content                  -> kText
//   message.tool_calls (whole calls) -> kToolCallStart + kToolCallArgs (all arguments) per call
//   "done": true                     -> kFinish + kUsage; finished() from here on
//   {"error": "..."}                 -> false with OllamaError
// A malformed line emits nothing and fails with provider_bad_response. Lines after the final one
// are ignored.
class OllamaChatStreamDecoder : public StreamDecoder {
 public:
  bool OnEvent(std::string_view name, std::string_view data, const DeltaSink& emit,
               core::GatewayError& error) override;
  bool finished() const override { return finished_; }

 private:
  bool started_ = false;
  bool finished_ = false;
  int tool_calls_ = 0;
};

}  // namespace sluice::providers::ollama
