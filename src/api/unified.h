#pragma once
// The unified chat model: the hub every dialect translates through (DESIGN.md §2 "Providers").
// An ingress dialect decodes a client request into a ChatRequest; a provider adapter encodes it into
// its own API, decodes the answer into a ChatResponse (or a stream into StreamDeltas), and the
// ingress dialect renders that back. N dialects need 2N translations, not N².
//
// Plain structs, no I/O. Fields a dialect cannot express are rejected by its encoder with
// caller_unsupported_feature naming the field (nothing is dropped silently).
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/usage.h"

namespace sluice::api {

// The API a client speaks to the gateway; errors and answers are rendered in it.
enum class Dialect { kOpenAi, kOpenAiResponses, kAnthropic };

// Anthropic-style prompt-cache marker ("ephemeral", optional ttl); carried, not interpreted.
struct CacheControl {
  bool set = false;
  std::string ttl;  // "5m", "1h" or empty
};

struct Part {
  enum class Kind {
    kText,
    kImage,             // url, or media_type + data (base64)
    kToolCall,          // assistant asks for a tool: id, name, arguments (JSON text)
    kToolResult,        // the caller answers a tool call: tool_call_id, text, is_error
    kThinking,          // reasoning text; signature when the provider signs it
    kRedactedThinking,  // opaque reasoning (text holds the provider's data)
  };
  Kind kind = Kind::kText;
  std::string text;
  // kImage
  std::string url;  // http(s) URL or a data: URL; empty when media_type + data are set
  std::string media_type;
  std::string data;  // base64
  // kToolCall
  std::string id;
  std::string name;
  std::string arguments;  // JSON text of an object ("{}" when none)
  // kToolResult
  std::string tool_call_id;
  bool is_error = false;
  // kThinking
  std::string signature;
  CacheControl cache_control;
};

enum class Role { kUser, kAssistant, kTool };

struct Message {
  Role role = Role::kUser;
  std::vector<Part> parts;
};

struct Tool {
  std::string name;
  std::string description;
  boost::json::value parameters;  // JSON Schema object (may be null: no parameters)
  CacheControl cache_control;
};

struct ToolChoice {
  enum class Kind { kUnset, kAuto, kNone, kRequired, kNamed };
  Kind kind = Kind::kUnset;
  std::string name;  // kNamed
};

struct ResponseFormat {
  enum class Kind { kUnset, kText, kJsonObject, kJsonSchema };
  Kind kind = Kind::kUnset;
  std::string name;           // json_schema
  boost::json::value schema;  // json_schema
  bool strict = false;
};

struct ChatRequest {
  std::string model;          // as the client named it
  std::vector<Part> system;   // system / developer instructions, text parts
  std::vector<Message> messages;
  std::vector<Tool> tools;
  ToolChoice tool_choice;
  std::optional<bool> parallel_tool_calls;
  std::optional<int64_t> max_tokens;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int64_t> top_k;
  std::vector<std::string> stop;
  ResponseFormat response_format;
  // Reasoning: an explicit token budget (Anthropic thinking, Gemini thinkingBudget) or an effort
  // level (OpenAI reasoning_effort: "minimal", "low", "medium", "high").
  std::optional<int64_t> thinking_budget;
  std::string reasoning_effort;
  std::string user;  // end-user id for the provider's abuse tracking
  // Sampling options only some providers take; an encoder that cannot express one rejects it.
  std::optional<double> presence_penalty;
  std::optional<double> frequency_penalty;
  std::optional<int64_t> seed;
  bool stream = false;
  bool include_usage = false;  // the client asked for usage in the stream (OpenAI include_usage)
  uint32_t prompt_chars = 0;   // characters of prompt text, for local token estimates
};

enum class FinishReason { kUnset, kStop, kLength, kToolCalls, kContentFilter, kStopSequence };

struct ChatResponse {
  std::string id;
  std::string model;
  int64_t created = 0;             // unix seconds
  std::vector<Part> content;       // kText, kThinking, kRedactedThinking, kToolCall
  FinishReason finish = FinishReason::kUnset;
  std::string stop_sequence;       // the stop sequence that ended it, when known
  core::TokenUsage usage;
  bool has_usage = false;
};

// One step of a streamed answer, as decoded from an upstream event. Views point into the decoder's
// current event and are valid only during the call that hands the delta over.
struct StreamDelta {
  enum class Kind {
    kStart,           // id, model: the answer begins (no content yet)
    kText,            // text
    kThinking,        // text (reasoning)
    kThinkingSignature,  // text: the signature of the reasoning so far
    kToolCallStart,   // index (0-based among tool calls), id, name
    kToolCallArgs,    // index, text: a fragment of the arguments' JSON
    kFinish,          // finish (and stop_sequence in text, if known)
    kUsage,           // usage: cumulative counts reported so far (later ones replace earlier)
  };
  Kind kind = Kind::kText;
  std::string_view text;
  std::string_view id;
  std::string_view name;
  std::string_view model;
  int index = 0;
  FinishReason finish = FinishReason::kUnset;
  core::TokenUsage usage;

  // Content reached the client: from here on the answer cannot fail over.
  bool is_content() const {
    return kind == Kind::kText || kind == Kind::kThinking || kind == Kind::kToolCallStart ||
           kind == Kind::kToolCallArgs;
  }
};

std::string_view FinishReasonOpenAi(FinishReason reason);     // "stop", "length", "tool_calls"...
std::string_view FinishReasonAnthropic(FinishReason reason);  // "end_turn", "max_tokens"...

}  // namespace sluice::api
