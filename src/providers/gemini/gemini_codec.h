#pragma once
// Gemini generateContent / streamGenerateContent <-> the unified chat model (api/unified.h). The
// same body serves the Gemini Developer API (v1beta) and Vertex AI (v1); only the path and the
// credentials differ (vertex_auth.h). Sans-I/O.
//
// Mapping decisions (whatever Gemini cannot express is rejected with caller_unsupported_feature
// naming the field; nothing is dropped silently, with the exceptions listed here):
//  - assistant -> "model"; tool results -> a "user" turn of functionResponse parts; consecutive
//    turns of the same Gemini role are merged into one content.
//  - Tool call ids are not sent: Gemini pairs functionResponse with functionCall by name and order
//    (FunctionCall.id exists but is optional and not honoured by every backend). A tool result's
//    name is that of the latest earlier assistant tool call with the same id.
//  - functionResponse.response is {"output": X}, or {"error": X} when is_error, where X is the
//    result parsed as JSON if it is a JSON object, else the text as a string (the documented
//    "output"/"error" keys, so a result object with its own "error" key is not misread).
//  - thoughtSignature is carried on Part::signature of whatever part Gemini put it on (thought,
//    text or functionCall) and sent back on the same kind of part; kThinking -> "thought":true.
//    kRedactedThinking has no Gemini form and is rejected.
//  - Images: data: URLs and media_type + data -> inlineData; http(s) and gs:// URLs -> fileData
//    with the caller's media_type, else the type of the path's extension (png, jpg/jpeg, webp,
//    gif, heic, heif); without either the URL is rejected rather than sent with a guessed type.
//  - Tools use "parametersJsonSchema" (full JSON Schema, incl. additionalProperties and $ref)
//    rather than "parameters" (an OpenAPI subset that rejects such keys); json_schema responses
//    use "responseJsonSchema" for the same reason. Gemini always enforces the schema, so
//    strict=false is honoured by being stricter; the schema's name is a label with no Gemini field.
//  - thinking_budget -> thinkingConfig.thinkingBudget; reasoning_effort minimal/low/medium/high ->
//    thinkingConfig.thinkingLevel MINIMAL/LOW/MEDIUM/HIGH (Gemini 3; mutually exclusive with a
//    budget, so both together are rejected). Both ask for includeThoughts.
//  - cache_control markers are dropped: Gemini caches through cachedContents resources and implicit
//    caching, and a cache hint that cannot be honoured changes no answer. The one silent drop.
//  - Rejected: parallel_tool_calls=false (Gemini has no switch), user (no such field),
//    unknown reasoning_effort values.
// Responses: usage output = candidatesTokenCount + thoughtsTokenCount (unified output counts
// reasoning too; reasoning is the subset); input = promptTokenCount (includes cached tokens, as in
// OpenAI's prompt_tokens). Tool calls without an id get "call_<n>" (n = index in the answer).
// STOP with function calls -> kToolCalls; MAX_TOKENS -> kLength; SAFETY, RECITATION, BLOCKLIST,
// PROHIBITED_CONTENT, SPII, IMAGE_SAFETY... -> kContentFilter; other reasons -> kStop. Response
// parts other than text, thought, functionCall and inlineData (e.g. executableCode, only produced
// by tools the encoder never enables) are skipped.
#include <string>
#include <string_view>

#include "api/unified.h"
#include "core/error.h"
#include "core/json_parse.h"
#include "providers/stream_decoder.h"

namespace sluice::providers::gemini {

// Encodes `req` as a GenerateContentRequest JSON body. False with `error` (param = the field) if
// the request cannot be expressed or is inconsistent.
bool EncodeGeminiRequest(const api::ChatRequest& req, std::string& body, core::GatewayError& error);

// Decodes a GenerateContentResponse body. False with provider_bad_response if malformed, or with
// the mapped code if the body is an {"error": {...}} report.
bool DecodeGeminiResponse(std::string_view body, api::ChatResponse& out,
                          core::GatewayError& error);

// Maps a Google error object ({"code":429,"status":"RESOURCE_EXHAUSTED","message":...}).
core::GatewayError GeminiErrorFromObject(const boost::json::object& error_object);

// streamGenerateContent?alt=sse: every SSE data payload is one whole GenerateContentResponse.
class GeminiStreamDecoder : public StreamDecoder {
 public:
  bool OnEvent(std::string_view name, std::string_view data, const DeltaSink& emit,
               core::GatewayError& error) override;
  bool finished() const override { return finished_; }

 private:
  core::JsonArena arena_;  // each event's DOM: no heap allocation per event
  bool started_ = false;
  bool finished_ = false;
  bool saw_tool_call_ = false;
  int tool_calls_ = 0;
};

}  // namespace sluice::providers::gemini
