// Golden tests of the Anthropic Messages dialect on the ingress side. Request fixtures follow the
// Messages API reference (POST /v1/messages: system text blocks with cache_control, image blocks
// with base64 and url sources, tool_use / tool_result, thinking and redacted_thinking, tool_choice,
// metadata.user_id); answers follow the Message object and the streaming event reference.
#include "api/anthropic_messages.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/golden_test_util.h"
#include "providers/anthropic/anthropic_adapter.h"
#include "providers/openai/openai_chat_adapter.h"

namespace sluice::api {
namespace {

namespace json = boost::json;
using core::ErrorCode;
using core::GatewayError;

ChatRequest Decode(std::string_view body) {
  ChatRequest req;
  GatewayError error;
  EXPECT_TRUE(DecodeAnthropicRequest(json::parse(body).as_object(), req, error))
      << error.message;
  return req;
}

std::string ToOpenAi(const ChatRequest& req, std::string_view model) {
  std::string body;
  GatewayError error;
  EXPECT_TRUE(providers::openai::EncodeChatRequest(req, model, body, error)) << error.message;
  return body;
}

std::string ToAnthropic(const ChatRequest& req, std::string_view model) {
  std::string body;
  GatewayError error;
  EXPECT_TRUE(providers::anthropic::EncodeMessagesRequest(req, model, body, error))
      << error.message;
  return body;
}

void ExpectJson(std::string_view actual, std::string_view expected) {
  EXPECT_EQ(json::parse(actual), json::parse(expected)) << actual;
}

void ExpectRejected(std::string_view body, ErrorCode code, std::string_view param) {
  ChatRequest req;
  GatewayError error;
  EXPECT_FALSE(DecodeAnthropicRequest(json::parse(body).as_object(), req, error)) << body;
  EXPECT_EQ(error.code, code) << error.message;
  EXPECT_EQ(error.param, param) << error.message;
  EXPECT_NE(error.message.find(std::string(param)), std::string::npos) << error.message;
}

// A multi-turn conversation with everything a Claude client sends: two system blocks (the second
// cached), a base64 and a url image, extended thinking with a signed and a redacted block, two tool
// rounds (a cached tool_use whose result is alone in its user turn; a failed result given as two
// text blocks, followed by text with a 1h cache marker), stop_sequences, metadata and streaming.
constexpr std::string_view kConversation = R"({
  "model": "claude-sonnet-4-5",
  "max_tokens": 8192,
  "system": [
    {"type": "text", "text": "You are a travel assistant. Answer in one short paragraph."},
    {"type": "text", "text": "Reference: the user's home city is Lyon.",
     "cache_control": {"type": "ephemeral"}}
  ],
  "messages": [
    {"role": "user", "content": [
      {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg",
                                   "data": "/9j/4AAQSkZJRgABAQ=="}},
      {"type": "image", "source": {"type": "url",
                                   "url": "https://upload.wikimedia.org/wikipedia/commons/a/a7/Eiffel.jpg"}},
      {"type": "text", "text": "Where were these taken, and what is the weather there now?"}
    ]},
    {"role": "assistant", "content": [
      {"type": "thinking",
       "thinking": "The first photo shows the Eiffel Tower, so Paris. I should call get_weather.",
       "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"},
      {"type": "text", "text": "The first photo is from Paris. Let me check the weather."},
      {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather",
       "input": {"location": "Paris, France", "unit": "celsius"},
       "cache_control": {"type": "ephemeral"}}
    ]},
    {"role": "user", "content": [
      {"type": "tool_result", "tool_use_id": "toolu_01A09q90qw90lq917835lq9",
       "content": "15 degrees, light rain"}
    ]},
    {"role": "assistant", "content": "It is 15 °C with light rain in Paris."},
    {"role": "user", "content": "And tomorrow?"},
    {"role": "assistant", "content": [
      {"type": "redacted_thinking",
       "data": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"},
      {"type": "tool_use", "id": "toolu_01CswdEQBMshySk6Y9DFKrfq", "name": "get_forecast",
       "input": {"location": "Paris, France", "days": 1}}
    ]},
    {"role": "user", "content": [
      {"type": "tool_result", "tool_use_id": "toolu_01CswdEQBMshySk6Y9DFKrfq", "is_error": true,
       "content": [{"type": "text", "text": "Forecast service unavailable."},
                   {"type": "text", "text": "Retry after 60 s."}]},
      {"type": "text", "text": "Never mind, thanks.",
       "cache_control": {"type": "ephemeral", "ttl": "1h"}}
    ]}
  ],
  "tools": [
    {"name": "get_weather", "description": "Get the current weather in a given location",
     "input_schema": {"type": "object",
                      "properties": {
                        "location": {"type": "string",
                                     "description": "The city and state, e.g. San Francisco, CA"},
                        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                      "required": ["location"]}},
    {"name": "get_forecast", "description": "Get tomorrow's forecast",
     "input_schema": {"type": "object",
                      "properties": {"location": {"type": "string"},
                                     "days": {"type": "integer"}},
                      "required": ["location"]},
     "cache_control": {"type": "ephemeral"}}
  ],
  "tool_choice": {"type": "auto", "disable_parallel_tool_use": true},
  "thinking": {"type": "enabled", "budget_tokens": 4096},
  "stop_sequences": ["END_OF_ANSWER"],
  "metadata": {"user_id": "13803d75-b4b5-4c3e-b2a2-6f21399b021b"},
  "stream": true
})";

constexpr std::string_view kWeatherTool =
    R"({"type": "function", "function": {"name": "get_weather",
        "description": "Get the current weather in a given location",
        "parameters": {"type": "object",
                       "properties": {
                         "location": {"type": "string",
                                      "description": "The city and state, e.g. San Francisco, CA"},
                         "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                       "required": ["location"]}}})";

TEST(AnthropicRequest, ConversationToOpenAiBody) {
  ChatRequest req = Decode(kConversation);
  EXPECT_TRUE(req.include_usage);  // Anthropic streams always carry usage
  ExpectJson(ToOpenAi(req, "gpt-4o"), std::string(R"({
    "model": "gpt-4o",
    "messages": [
      {"role": "system", "content":
         "You are a travel assistant. Answer in one short paragraph.\nReference: the user's home city is Lyon."},
      {"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ=="}},
        {"type": "image_url", "image_url": {
           "url": "https://upload.wikimedia.org/wikipedia/commons/a/a7/Eiffel.jpg"}},
        {"type": "text", "text": "Where were these taken, and what is the weather there now?"}]},
      {"role": "assistant", "content": "The first photo is from Paris. Let me check the weather.",
       "tool_calls": [{"id": "toolu_01A09q90qw90lq917835lq9", "type": "function",
                       "function": {"name": "get_weather",
                                    "arguments": "{\"location\":\"Paris, France\",\"unit\":\"celsius\"}"}}]},
      {"role": "tool", "tool_call_id": "toolu_01A09q90qw90lq917835lq9",
       "content": "15 degrees, light rain"},
      {"role": "assistant", "content": "It is 15 °C with light rain in Paris."},
      {"role": "user", "content": "And tomorrow?"},
      {"role": "assistant", "content": null,
       "tool_calls": [{"id": "toolu_01CswdEQBMshySk6Y9DFKrfq", "type": "function",
                       "function": {"name": "get_forecast",
                                    "arguments": "{\"location\":\"Paris, France\",\"days\":1}"}}]},
      {"role": "tool", "tool_call_id": "toolu_01CswdEQBMshySk6Y9DFKrfq",
       "content": "Forecast service unavailable.\nRetry after 60 s."},
      {"role": "user", "content": "Never mind, thanks."}
    ],
    "tools": [)") + std::string(kWeatherTool) + R"(,
      {"type": "function", "function": {"name": "get_forecast",
        "description": "Get tomorrow's forecast",
        "parameters": {"type": "object",
                       "properties": {"location": {"type": "string"}, "days": {"type": "integer"}},
                       "required": ["location"]}}}],
    "tool_choice": "auto",
    "parallel_tool_calls": false,
    "max_tokens": 8192,
    "stop": ["END_OF_ANSWER"],
    "reasoning_effort": "medium",
    "user": "13803d75-b4b5-4c3e-b2a2-6f21399b021b",
    "stream": true,
    "stream_options": {"include_usage": true}
  })");
}

// Anthropic in, Anthropic out: everything the unified model carries comes back as sent (string
// content becomes a text block, a tool_result's text blocks one string).
TEST(AnthropicRequest, ConversationRoundTrip) {
  ChatRequest req = Decode(kConversation);
  ExpectJson(ToAnthropic(req, "claude-sonnet-4-5-20250929"), R"({
    "model": "claude-sonnet-4-5-20250929",
    "max_tokens": 8192,
    "system": [
      {"type": "text", "text": "You are a travel assistant. Answer in one short paragraph."},
      {"type": "text", "text": "Reference: the user's home city is Lyon.",
       "cache_control": {"type": "ephemeral"}}],
    "messages": [
      {"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg",
                                     "data": "/9j/4AAQSkZJRgABAQ=="}},
        {"type": "image", "source": {"type": "url",
           "url": "https://upload.wikimedia.org/wikipedia/commons/a/a7/Eiffel.jpg"}},
        {"type": "text", "text": "Where were these taken, and what is the weather there now?"}]},
      {"role": "assistant", "content": [
        {"type": "thinking",
         "thinking": "The first photo shows the Eiffel Tower, so Paris. I should call get_weather.",
         "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"},
        {"type": "text", "text": "The first photo is from Paris. Let me check the weather."},
        {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather",
         "input": {"location": "Paris, France", "unit": "celsius"},
         "cache_control": {"type": "ephemeral"}}]},
      {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_01A09q90qw90lq917835lq9",
         "content": "15 degrees, light rain"}]},
      {"role": "assistant", "content": [
        {"type": "text", "text": "It is 15 °C with light rain in Paris."}]},
      {"role": "user", "content": [{"type": "text", "text": "And tomorrow?"}]},
      {"role": "assistant", "content": [
        {"type": "redacted_thinking",
         "data": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"},
        {"type": "tool_use", "id": "toolu_01CswdEQBMshySk6Y9DFKrfq", "name": "get_forecast",
         "input": {"location": "Paris, France", "days": 1}}]},
      {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_01CswdEQBMshySk6Y9DFKrfq",
         "content": "Forecast service unavailable.\nRetry after 60 s.", "is_error": true},
        {"type": "text", "text": "Never mind, thanks.",
         "cache_control": {"type": "ephemeral", "ttl": "1h"}}]}
    ],
    "tools": [
      {"name": "get_weather", "description": "Get the current weather in a given location",
       "input_schema": {"type": "object",
                        "properties": {
                          "location": {"type": "string",
                                       "description": "The city and state, e.g. San Francisco, CA"},
                          "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                        "required": ["location"]}},
      {"name": "get_forecast", "description": "Get tomorrow's forecast",
       "input_schema": {"type": "object",
                        "properties": {"location": {"type": "string"},
                                       "days": {"type": "integer"}},
                        "required": ["location"]},
       "cache_control": {"type": "ephemeral"}}],
    "tool_choice": {"type": "auto", "disable_parallel_tool_use": true},
    "stop_sequences": ["END_OF_ANSWER"],
    "thinking": {"type": "enabled", "budget_tokens": 4096},
    "metadata": {"user_id": "13803d75-b4b5-4c3e-b2a2-6f21399b021b"},
    "stream": true
  })");
}

TEST(AnthropicRequest, UnifiedModelOfTheConversation) {
  ChatRequest req = Decode(kConversation);
  EXPECT_EQ(req.model, "claude-sonnet-4-5");
  ASSERT_EQ(req.system.size(), 2u);
  EXPECT_FALSE(req.system[0].cache_control.set);
  EXPECT_TRUE(req.system[1].cache_control.set);
  EXPECT_EQ(req.system[1].cache_control.ttl, "");
  // A user turn of tool results only is one tool message, not a tool message and an empty user one.
  std::vector<Role> roles;
  for (const auto& m : req.messages) roles.push_back(m.role);
  EXPECT_EQ(roles, (std::vector<Role>{Role::kUser, Role::kAssistant, Role::kTool, Role::kAssistant,
                                      Role::kUser, Role::kAssistant, Role::kTool, Role::kUser}));
  for (const auto& m : req.messages) EXPECT_FALSE(m.parts.empty());
  const Part& failed = req.messages[6].parts.at(0);
  EXPECT_EQ(failed.kind, Part::Kind::kToolResult);
  EXPECT_TRUE(failed.is_error);
  EXPECT_EQ(failed.text, "Forecast service unavailable.\nRetry after 60 s.");
  EXPECT_EQ(req.messages[7].parts.at(0).cache_control.ttl, "1h");
  EXPECT_EQ(req.thinking_budget, 4096);
  EXPECT_EQ(req.parallel_tool_calls, false);
  EXPECT_EQ(req.tool_choice.kind, ToolChoice::Kind::kAuto);
  EXPECT_EQ(req.stop, std::vector<std::string>{"END_OF_ANSWER"});
  EXPECT_EQ(req.user, "13803d75-b4b5-4c3e-b2a2-6f21399b021b");
  EXPECT_TRUE(req.stream);
  EXPECT_GT(req.prompt_chars, 100u);
}

TEST(AnthropicRequest, ToolChoiceAnyWithoutParallelUseAndSampling) {
  ChatRequest req = Decode(R"({
    "model": "claude-haiku-4-5", "max_tokens": 256, "temperature": 0.2, "top_p": 0.9, "top_k": 40,
    "messages": [{"role": "user", "content": "What's the weather in Oslo?"}],
    "tools": [{"name": "get_weather", "input_schema": {"type": "object",
               "properties": {"location": {"type": "string"}}, "required": ["location"]}}],
    "tool_choice": {"type": "any", "disable_parallel_tool_use": true}
  })");
  ExpectJson(ToOpenAi(req, "gpt-4o-mini"), R"({
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "What's the weather in Oslo?"}],
    "tools": [{"type": "function", "function": {"name": "get_weather",
               "parameters": {"type": "object", "properties": {"location": {"type": "string"}},
                              "required": ["location"]}}}],
    "tool_choice": "required",
    "parallel_tool_calls": false,
    "max_tokens": 256, "temperature": 0.2, "top_p": 0.9, "top_k": 40
  })");
}

TEST(AnthropicRequest, ToolChoiceToolAndNone) {
  constexpr std::string_view kHead = R"({"model": "claude-haiku-4-5", "max_tokens": 64,
    "messages": [{"role": "user", "content": "Hi"}],
    "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}], "tool_choice": )";
  auto openai_choice = [&](std::string_view choice) {
    ChatRequest req = Decode(std::string(kHead) + std::string(choice) + "}");
    return json::parse(ToOpenAi(req, "m")).as_object()["tool_choice"];
  };
  EXPECT_EQ(openai_choice(R"({"type": "tool", "name": "get_weather"})"),
            json::parse(R"({"type": "function", "function": {"name": "get_weather"}})"));
  EXPECT_EQ(openai_choice(R"({"type": "none"})"), json::value("none"));
  EXPECT_EQ(openai_choice(R"({"type": "auto"})"), json::value("auto"));
}

TEST(AnthropicRequest, StringSystemAndCountTokens) {
  constexpr std::string_view kBody = R"({
    "model": "claude-opus-4-1", "system": "Be brief.",
    "messages": [{"role": "user", "content": "Hello, Claude"}]})";
  ChatRequest req;
  GatewayError error;
  ASSERT_TRUE(DecodeAnthropicCountTokens(json::parse(kBody).as_object(), req, error))
      << error.message;
  ASSERT_EQ(req.system.size(), 1u);
  EXPECT_EQ(req.system[0].text, "Be brief.");
  EXPECT_EQ(req.prompt_chars, 9u + 13u);
  // The same body is not a valid Messages request: max_tokens is required there.
  ExpectRejected(kBody, ErrorCode::kCallerInvalidRequest, "max_tokens");
  // ...and count_tokens takes no max_tokens.
  ChatRequest again;
  EXPECT_FALSE(DecodeAnthropicCountTokens(
      json::parse(R"({"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]})")
          .as_object(),
      again, error));
  EXPECT_EQ(error.param, "max_tokens");
}

TEST(AnthropicRequest, Rejections) {
  constexpr std::string_view kUser = R"("messages": [{"role": "user", "content": "Hi"}])";
  auto body = [&](std::string_view extra) {
    return std::string(R"({"model": "claude-sonnet-4-5", "max_tokens": 64, )") +
           std::string(kUser) + std::string(extra) + "}";
  };
  // Unknown and untranslatable top-level fields name themselves.
  ExpectRejected(body(R"(, "frobnicate": 1)"), ErrorCode::kCallerUnsupportedFeature, "frobnicate");
  ExpectRejected(body(R"(, "mcp_servers": [{"type": "url", "url": "https://x", "name": "x"}])"),
                 ErrorCode::kCallerUnsupportedFeature, "mcp_servers");
  ExpectRejected(body(R"(, "metadata": {"user_id": "u", "tenant": "t"})"),
                 ErrorCode::kCallerUnsupportedFeature, "metadata.tenant");
  // Server tools have no unified form.
  ExpectRejected(
      body(R"(, "tools": [{"type": "web_search_20250305", "name": "web_search", "max_uses": 5}])"),
      ErrorCode::kCallerUnsupportedFeature, "tools[0].type");
  ExpectRejected(body(R"(, "tools": [{"name": "t"}])"), ErrorCode::kCallerInvalidRequest,
                 "tools[0].input_schema");
  // Thinking.
  ExpectRejected(body(R"(, "thinking": {"type": "on", "budget_tokens": 1024})"),
                 ErrorCode::kCallerInvalidRequest, "thinking.type");
  ExpectRejected(body(R"(, "thinking": {"type": "enabled"})"), ErrorCode::kCallerInvalidRequest,
                 "thinking.budget_tokens");
  ExpectRejected(body(R"(, "tool_choice": {"type": "function"})"),
                 ErrorCode::kCallerInvalidRequest, "tool_choice.type");
  ExpectRejected(body(R"(, "tool_choice": {"type": "tool"})"), ErrorCode::kCallerInvalidRequest,
                 "tool_choice.name");
  ExpectRejected(body(R"(, "stop_sequences": "END")"), ErrorCode::kCallerInvalidRequest,
                 "stop_sequences");
  ExpectRejected(R"({"model": "m", "max_tokens": 0, "messages": [{"role": "user", "content": "x"}]})",
                 ErrorCode::kCallerInvalidRequest, "max_tokens");
  ExpectRejected(R"({"max_tokens": 10, "messages": [{"role": "user", "content": "x"}]})",
                 ErrorCode::kCallerInvalidRequest, "model");
  ExpectRejected(R"({"model": "m", "max_tokens": 10, "messages": []})",
                 ErrorCode::kCallerInvalidRequest, "messages");
  // Content blocks.
  auto message = [](std::string_view role, std::string_view content) {
    return R"({"model": "m", "max_tokens": 10, "messages": [{"role": ")" + std::string(role) +
           R"(", "content": )" + std::string(content) + "}]}";
  };
  ExpectRejected(message("user", R"([{"type": "text", "text": "Summarise"},
      {"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                      "data": "JVBERi0xLjQ="}}])"),
                 ErrorCode::kCallerUnsupportedFeature, "messages[0].content[1].type");
  ExpectRejected(message("assistant", R"([{"type": "image", "source": {"type": "url",
      "url": "https://x/y.png"}}])"),
                 ErrorCode::kCallerUnsupportedFeature, "messages[0].content[0].type");
  ExpectRejected(message("user", R"([{"type": "tool_use", "id": "t", "name": "n", "input": {}}])"),
                 ErrorCode::kCallerUnsupportedFeature, "messages[0].content[0].type");
  ExpectRejected(message("user", R"([{"type": "image", "source": {"type": "file",
      "file_id": "file_011CNha8iCJcU1wXNR6q4V8w"}}])"),
                 ErrorCode::kCallerUnsupportedFeature, "messages[0].content[0].source.type");
  ExpectRejected(message("user", R"([{"type": "tool_result", "tool_use_id": "t",
      "content": [{"type": "image", "source": {"type": "url", "url": "https://x/y.png"}}]}])"),
                 ErrorCode::kCallerUnsupportedFeature, "messages[0].content[0].content[0]");
  ExpectRejected(message("user", R"([{"type": "text", "text": "x", "cache_control": {"type": "persistent"}}])"),
                 ErrorCode::kCallerInvalidRequest, "messages[0].content[0].cache_control");
  ExpectRejected(message("system", R"("Be brief.")"), ErrorCode::kCallerInvalidRequest,
                 "messages[0].role");
  ExpectRejected(message("assistant", R"([{"type": "tool_use", "id": "t", "name": "n", "input": [1]}])"),
                 ErrorCode::kCallerInvalidRequest, "messages[0].content[0].input");
  ExpectRejected(R"({"model": "m", "max_tokens": 10, "system": [{"type": "image"}],
                     "messages": [{"role": "user", "content": "x"}]})",
                 ErrorCode::kCallerInvalidRequest, "system[0]");
}

const ResponseIds kIds{"msg_01XFDUDYJgAACzvnptvVoYEL", "claude-sonnet-4-5", 1736900000};

Part TextPart(std::string text) {
  Part p;
  p.text = std::move(text);
  return p;
}

TEST(AnthropicResponse, ThinkingTextToolUseAndCacheUsage) {
  ChatResponse r;
  Part thinking;
  thinking.kind = Part::Kind::kThinking;
  thinking.text = "The user wants the weather in Paris.";
  thinking.signature = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds";
  Part redacted;
  redacted.kind = Part::Kind::kRedactedThinking;
  redacted.text = "EmwKAhgBEgy3va3pzix";
  Part call;
  call.kind = Part::Kind::kToolCall;
  call.id = "toolu_01A09q90qw90lq917835lq9";
  call.name = "get_weather";
  call.arguments = R"({"location": "Paris, France"})";
  r.content = {thinking, redacted, TextPart("I'll check the current weather."), call};
  r.finish = FinishReason::kToolCalls;
  // Unified input counts the cache: 100 fresh + 1800 read + 200 written.
  r.usage = {.input = 2100, .output = 57, .cached_input = 1800, .cache_creation_input = 200};
  r.has_usage = true;
  ExpectJson(EncodeAnthropicResponse(r, kIds), R"({
    "id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant",
    "model": "claude-sonnet-4-5",
    "content": [
      {"type": "thinking", "thinking": "The user wants the weather in Paris.",
       "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"},
      {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix"},
      {"type": "text", "text": "I'll check the current weather."},
      {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather",
       "input": {"location": "Paris, France"}}],
    "stop_reason": "tool_use", "stop_sequence": null,
    "usage": {"input_tokens": 100, "output_tokens": 57, "cache_creation_input_tokens": 200,
              "cache_read_input_tokens": 1800}
  })");
}

TEST(AnthropicResponse, StopReasons) {
  auto encode = [](FinishReason f, std::string stop_sequence = {}) {
    ChatResponse r;
    r.content = {TextPart("Hi")};
    r.finish = f;
    r.stop_sequence = std::move(stop_sequence);
    r.usage = {.input = 10, .output = 1};
    return json::parse(EncodeAnthropicResponse(r, kIds)).as_object();
  };
  EXPECT_EQ(encode(FinishReason::kUnset)["stop_reason"], "end_turn");
  EXPECT_EQ(encode(FinishReason::kStop)["stop_reason"], "end_turn");
  EXPECT_EQ(encode(FinishReason::kLength)["stop_reason"], "max_tokens");
  EXPECT_EQ(encode(FinishReason::kToolCalls)["stop_reason"], "tool_use");
  EXPECT_EQ(encode(FinishReason::kContentFilter)["stop_reason"], "refusal");
  json::object seq = encode(FinishReason::kStopSequence, "END_OF_ANSWER");
  EXPECT_EQ(seq["stop_reason"], "stop_sequence");
  EXPECT_EQ(seq["stop_sequence"], "END_OF_ANSWER");
  EXPECT_EQ(encode(FinishReason::kStop)["usage"],
            json::parse(R"({"input_tokens": 10, "output_tokens": 1,
                            "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0})"));
}

TEST(AnthropicResponse, BrokenToolArgumentsBecomeEmptyInput) {
  ChatResponse r;
  Part call;
  call.kind = Part::Kind::kToolCall;
  call.id = "call_1";
  call.name = "f";
  call.arguments = R"({"city": "Par)";  // a model cut off mid-arguments
  r.content = {call};
  json::object body = json::parse(EncodeAnthropicResponse(r, kIds)).as_object();
  EXPECT_EQ(body["content"], json::parse(
      R"([{"type": "tool_use", "id": "call_1", "name": "f", "input": {}}])"));
}

StreamDelta D(StreamDelta::Kind kind, std::string_view text = {}) {
  StreamDelta d;
  d.kind = kind;
  d.text = text;
  return d;
}

StreamDelta ToolStart(int index, std::string_view id, std::string_view name) {
  StreamDelta d = D(StreamDelta::Kind::kToolCallStart);
  d.index = index;
  d.id = id;
  d.name = name;
  return d;
}

StreamDelta ToolArgs(int index, std::string_view text) {
  StreamDelta d = D(StreamDelta::Kind::kToolCallArgs, text);
  d.index = index;
  return d;
}

StreamDelta Usage(core::TokenUsage u) {
  StreamDelta d = D(StreamDelta::Kind::kUsage);
  d.usage = u;
  return d;
}

StreamDelta Finish(FinishReason f, std::string_view stop_sequence = {}) {
  StreamDelta d = D(StreamDelta::Kind::kFinish, stop_sequence);
  d.finish = f;
  return d;
}

// The unified deltas of a thinking, text and two-tool answer, rendered as the documented
// message_start ... message_stop sequence (blocks numbered in order, one open at a time).
TEST(AnthropicStream, ThinkingTextAndTwoToolCalls) {
  auto enc = NewAnthropicStreamEncoder(kIds);
  std::string out;
  StreamDelta start = D(StreamDelta::Kind::kStart);
  start.id = "chatcmpl-upstream";
  start.model = "gpt-4o";
  for (const StreamDelta& d :
       {start, Usage({.input = 2100, .output = 1, .cached_input = 1800, .cache_creation_input = 200}),
        D(StreamDelta::Kind::kThinking, "Let me check"), D(StreamDelta::Kind::kThinking, " both."),
        D(StreamDelta::Kind::kThinkingSignature, "EqQBCgIYAhIM"),
        D(StreamDelta::Kind::kText, "Checking "), D(StreamDelta::Kind::kText, "now."),
        ToolStart(0, "toolu_01", "get_weather"), ToolArgs(0, "{\"location\":"),
        ToolArgs(0, " \"Paris\"}"), ToolStart(1, "toolu_02", "get_time"), ToolArgs(1, "{}"),
        Finish(FinishReason::kToolCalls),
        Usage({.input = 2100, .output = 89, .cached_input = 1800, .cache_creation_input = 200})})
    enc->OnDelta(d, out);
  enc->End(out);
  golden::ExpectSameEvents(out, R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":100,"output_tokens":1,"cache_creation_input_tokens":200,"cache_read_input_tokens":1800}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me check"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":" both."}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Checking "}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"now."}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: content_block_start
data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"location\":"}}

event: content_block_delta
data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":" \"Paris\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":2}

event: content_block_start
data: {"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"toolu_02","name":"get_time","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"{}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":3}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":100,"output_tokens":89,"cache_creation_input_tokens":200,"cache_read_input_tokens":1800}}

event: message_stop
data: {"type":"message_stop"}

)");
  EXPECT_TRUE(enc->usage_reported());
  EXPECT_EQ(enc->usage().output, 89u);
}

TEST(AnthropicStream, StopSequenceAndEmptyAnswer) {
  auto enc = NewAnthropicStreamEncoder(kIds);
  std::string out;
  enc->OnDelta(D(StreamDelta::Kind::kText, "1, 2, 3"), out);
  enc->OnDelta(Finish(FinishReason::kStopSequence, "4"), out);
  enc->End(out);
  std::vector<golden::SseEv> events = golden::ParseSse(out);
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[4].name, "message_delta");
  EXPECT_EQ(events[4].data.as_object().at("delta"),
            json::parse(R"({"stop_reason": "stop_sequence", "stop_sequence": "4"})"));

  // Nothing but the end: still a well-formed message (no usage known: zeros).
  auto empty = NewAnthropicStreamEncoder(kIds);
  std::string none;
  empty->End(none);
  golden::ExpectSameEvents(none, R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}

event: message_stop
data: {"type":"message_stop"}

)");
  EXPECT_FALSE(empty->usage_reported());
}

TEST(AnthropicStream, FailRendersErrorEvent) {
  auto enc = NewAnthropicStreamEncoder(kIds);
  std::string out;
  enc->OnDelta(D(StreamDelta::Kind::kText, "Hel"), out);
  out.clear();
  enc->Fail(GatewayError{ErrorCode::kProviderOverloaded, "upstream reported overloaded_error: Overloaded"},
            out);
  golden::ExpectSameEvents(out, R"(event: error
data: {"type":"error","error":{"type":"overloaded_error","message":"upstream reported overloaded_error: Overloaded","details":{"error_code":"provider_overloaded"}}}

)");
}

TEST(AnthropicErrors, BodyTypesAndParam) {
  ExpectJson(RenderAnthropicError(GatewayError{ErrorCode::kCallerUnsupportedFeature,
                                               "'tools[0].type' server tools cannot be translated",
                                               "tools[0].type"}),
             R"({"type": "error", "error": {"type": "invalid_request_error",
                 "message": "'tools[0].type' server tools cannot be translated",
                 "details": {"error_code": "caller_unsupported_feature", "param": "tools[0].type"}}})");
  EXPECT_EQ(AnthropicErrorType(ErrorCode::kCallerUnauthorized), "authentication_error");
  EXPECT_EQ(AnthropicErrorType(ErrorCode::kCallerUnknownModel), "not_found_error");
  EXPECT_EQ(AnthropicErrorType(ErrorCode::kCallerBodyTooLarge), "request_too_large");
  EXPECT_EQ(AnthropicErrorType(ErrorCode::kProviderRateLimited), "rate_limit_error");
  EXPECT_EQ(AnthropicErrorType(ErrorCode::kPolicyBlocked), "permission_error");
  EXPECT_EQ(AnthropicErrorType(ErrorCode::kProviderOverloaded), "overloaded_error");
  EXPECT_EQ(AnthropicErrorType(ErrorCode::kProviderTimeout), "timeout_error");
  EXPECT_EQ(AnthropicErrorType(ErrorCode::kProviderServerError), "api_error");
}

}  // namespace
}  // namespace sluice::api
