// Golden tests of the OpenAI chat dialect on the ingress side (a client speaking Chat Completions
// to a model served by another API). Request fixtures follow the Chat Completions API reference
// (system/developer, content parts text and image_url, assistant tool_calls, tool messages,
// tool_choice, response_format, stop as a string, stream_options); answers follow the
// chat.completion object and the chat.completion.chunk stream (role chunk first, finish_reason
// chunk, usage chunk with "choices": [] when include_usage, then [DONE]).
#include "api/openai_chat_codec.h"

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
  EXPECT_TRUE(DecodeOpenAiChatRequest(json::parse(body).as_object(), req, error))
      << error.message;
  return req;
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
  EXPECT_FALSE(DecodeOpenAiChatRequest(json::parse(body).as_object(), req, error)) << body;
  EXPECT_EQ(error.code, code) << error.message;
  EXPECT_EQ(error.param, param) << error.message;
  EXPECT_NE(error.message.find(std::string(param)), std::string::npos) << error.message;
}

// Decodes (must succeed), then the Anthropic encoder must refuse naming `param`.
void ExpectAnthropicRefuses(std::string_view body, std::string_view param) {
  ChatRequest req = Decode(body);
  std::string out;
  GatewayError error;
  EXPECT_FALSE(providers::anthropic::EncodeMessagesRequest(req, "claude-sonnet-4-5", out, error))
      << out;
  EXPECT_EQ(error.code, ErrorCode::kCallerUnsupportedFeature) << error.message;
  EXPECT_EQ(error.param, param) << error.message;
}

// Everything an OpenAI SDK sends in a tool round: system and developer messages (string and text
// parts), an image as a data: URL, two user turns in a row, two parallel tool calls, their results
// (one as two text parts), a follow-up user turn, and the usual options.
constexpr std::string_view kConversation = R"({
  "model": "gpt-4o",
  "messages": [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "developer", "content": [{"type": "text", "text": "Answer in French."}]},
    {"role": "user", "content": [
      {"type": "text", "text": "What's in this image?"},
      {"type": "image_url", "image_url": {
         "url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
         "detail": "high"}}
    ]},
    {"role": "user", "content": "And what's the weather like in Boston and Paris?"},
    {"role": "assistant", "content": null, "tool_calls": [
      {"id": "call_abc123", "type": "function",
       "function": {"name": "get_current_weather", "arguments": "{\"location\": \"Boston, MA\"}"}},
      {"id": "call_def456", "type": "function",
       "function": {"name": "get_current_weather",
                    "arguments": "{\"location\": \"Paris, France\", \"unit\": \"celsius\"}"}}
    ]},
    {"role": "tool", "tool_call_id": "call_abc123",
     "content": "{\"temperature\": 22, \"unit\": \"celsius\", \"description\": \"Sunny\"}"},
    {"role": "tool", "tool_call_id": "call_def456",
     "content": [{"type": "text", "text": "{\"temperature\": 15, \"unit\": \"celsius\"}"},
                 {"type": "text", "text": "cached 5 minutes ago"}]},
    {"role": "user", "content": "Summarise both in one sentence."}
  ],
  "tools": [{
    "type": "function",
    "function": {
      "name": "get_current_weather",
      "description": "Get the current weather in a given location",
      "parameters": {
        "type": "object",
        "properties": {
          "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
          "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
        "required": ["location"]}}}],
  "tool_choice": "auto",
  "parallel_tool_calls": false,
  "response_format": {"type": "text"},
  "stop": "END",
  "temperature": 0.7,
  "top_p": 0.9,
  "n": 1,
  "user": "user-1234",
  "stream": true,
  "stream_options": {"include_usage": true}
})";

TEST(OpenAiChatRequest, ConversationToAnthropicBody) {
  ChatRequest req = Decode(kConversation);
  EXPECT_TRUE(req.include_usage);
  // Roles alternate (the two user turns and the tool results with the next user turn merge), the
  // system messages become the system string, max_tokens gets Anthropic's required default.
  ExpectJson(ToAnthropic(req, "claude-sonnet-4-5"), R"({
    "model": "claude-sonnet-4-5",
    "messages": [
      {"role": "user", "content": [
        {"type": "text", "text": "What's in this image?"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png",
           "data": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="}},
        {"type": "text", "text": "And what's the weather like in Boston and Paris?"}]},
      {"role": "assistant", "content": [
        {"type": "tool_use", "id": "call_abc123", "name": "get_current_weather",
         "input": {"location": "Boston, MA"}},
        {"type": "tool_use", "id": "call_def456", "name": "get_current_weather",
         "input": {"location": "Paris, France", "unit": "celsius"}}]},
      {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "call_abc123",
         "content": "{\"temperature\": 22, \"unit\": \"celsius\", \"description\": \"Sunny\"}"},
        {"type": "tool_result", "tool_use_id": "call_def456",
         "content": "{\"temperature\": 15, \"unit\": \"celsius\"}\ncached 5 minutes ago"},
        {"type": "text", "text": "Summarise both in one sentence."}]}
    ],
    "max_tokens": 4096,
    "system": "You are a helpful assistant.\nAnswer in French.",
    "tools": [{
      "name": "get_current_weather",
      "description": "Get the current weather in a given location",
      "input_schema": {
        "type": "object",
        "properties": {
          "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
          "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
        "required": ["location"]}}],
    "tool_choice": {"type": "auto", "disable_parallel_tool_use": true},
    "temperature": 0.7,
    "top_p": 0.9,
    "stop_sequences": ["END"],
    "metadata": {"user_id": "user-1234"},
    "stream": true
  })");
}

TEST(OpenAiChatRequest, ConversationToOpenAiBody) {
  // The decode keeps what an OpenAI-compatible upstream needs (the pass-through relay normally
  // serves this pair; the translation must still be faithful).
  ChatRequest req = Decode(kConversation);
  std::string body;
  GatewayError error;
  ASSERT_TRUE(providers::openai::EncodeChatRequest(req, "gpt-4o-2024-08-06", body, error));
  json::object o = json::parse(body).as_object();
  EXPECT_EQ(o["messages"].as_array().size(), 7u);  // system + developer become one system message
  EXPECT_EQ(o["messages"].as_array()[0],
            json::parse(R"({"role": "system",
                            "content": "You are a helpful assistant.\nAnswer in French."})"));
  EXPECT_EQ(o["messages"].as_array()[1].as_object()["content"].as_array()[1],
            json::parse(R"({"type": "image_url", "image_url": {"url":
              "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="}})"));
  EXPECT_EQ(o["stop"], json::parse(R"(["END"])"));
  EXPECT_EQ(o["response_format"], json::parse(R"({"type": "text"})"));
  EXPECT_EQ(o["stream_options"], json::parse(R"({"include_usage": true})"));
}

TEST(OpenAiChatRequest, UnifiedModel) {
  ChatRequest req = Decode(kConversation);
  ASSERT_EQ(req.system.size(), 2u);
  ASSERT_EQ(req.messages.size(), 6u);
  EXPECT_EQ(req.messages[2].role, Role::kAssistant);
  ASSERT_EQ(req.messages[2].parts.size(), 2u);
  EXPECT_EQ(req.messages[2].parts[1].arguments,
            "{\"location\": \"Paris, France\", \"unit\": \"celsius\"}");
  EXPECT_EQ(req.messages[4].parts.at(0).tool_call_id, "call_def456");
  EXPECT_EQ(req.messages[4].parts.at(0).text,
            "{\"temperature\": 15, \"unit\": \"celsius\"}\ncached 5 minutes ago");
  const Part& image = req.messages[0].parts.at(1);
  EXPECT_EQ(image.kind, Part::Kind::kImage);
  EXPECT_EQ(image.media_type, "image/png");
  EXPECT_TRUE(image.url.empty());
  EXPECT_EQ(req.response_format.kind, ResponseFormat::Kind::kText);
  EXPECT_EQ(req.parallel_tool_calls, false);
  EXPECT_FALSE(req.max_tokens.has_value());
}

TEST(OpenAiChatRequest, ReasoningContentNamedToolAndImageUrl) {
  ChatRequest req = Decode(R"({
    "model": "o4-mini",
    "messages": [
      {"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]},
      {"role": "assistant", "content": "", "reasoning_content": "A cat, clearly.",
       "tool_calls": [{"id": "call_1", "type": "function",
                       "function": {"name": "lookup", "arguments": ""}}]},
      {"role": "tool", "tool_call_id": "call_1", "content": "tabby"}
    ],
    "tools": [{"type": "function", "function": {"name": "lookup"}}],
    "tool_choice": {"type": "function", "function": {"name": "lookup"}},
    "max_completion_tokens": 2000,
    "stream": false
  })");
  EXPECT_EQ(req.max_tokens, 2000);
  // Unsigned reasoning is not sent back as thinking; empty assistant text is no text block (the
  // Messages API refuses empty text blocks); absent arguments are "{}"; a schema-less tool gets an
  // empty object schema.
  ExpectJson(ToAnthropic(req, "claude-sonnet-4-5"), R"({
    "model": "claude-sonnet-4-5",
    "messages": [
      {"role": "user", "content": [
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}}]},
      {"role": "assistant", "content": [
        {"type": "tool_use", "id": "call_1", "name": "lookup", "input": {}}]},
      {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "call_1", "content": "tabby"}]}
    ],
    "max_tokens": 2000,
    "tools": [{"name": "lookup", "input_schema": {"type": "object", "properties": {}}}],
    "tool_choice": {"type": "tool", "name": "lookup"}
  })");
}

TEST(OpenAiChatRequest, Rejections) {
  auto with = [](std::string_view extra) {
    return R"({"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}])" +
           std::string(extra) + "}";
  };
  ExpectRejected(with(R"(, "logit_bias": {"50256": -100})"), ErrorCode::kCallerUnsupportedFeature,
                 "logit_bias");
  ExpectRejected(with(R"(, "logprobs": true)"), ErrorCode::kCallerUnsupportedFeature, "logprobs");
  ExpectRejected(with(R"(, "n": 2)"), ErrorCode::kCallerUnsupportedFeature, "n");
  ExpectRejected(with(R"(, "tools": [{"type": "custom", "custom": {"name": "grammar"}}])"),
                 ErrorCode::kCallerUnsupportedFeature, "tools[0].type");
  ExpectRejected(with(R"(, "tools": [{"type": "function", "function": {"description": "x"}}])"),
                 ErrorCode::kCallerInvalidRequest, "tools[0].function.name");
  ExpectRejected(with(R"(, "tool_choice": "any")"), ErrorCode::kCallerInvalidRequest, "tool_choice");
  ExpectRejected(with(R"(, "response_format": {"type": "xml"})"), ErrorCode::kCallerInvalidRequest,
                 "response_format.type");
  ExpectRejected(with(R"(, "stop": 5)"), ErrorCode::kCallerInvalidRequest, "stop");
  ExpectRejected(with(R"(, "temperature": "hot")"), ErrorCode::kCallerInvalidRequest,
                 "temperature");
  ExpectRejected(with(R"(, "max_completion_tokens": 1.5)"), ErrorCode::kCallerInvalidRequest,
                 "max_completion_tokens");
  auto messages = [](std::string_view list) {
    return R"({"model": "gpt-4o", "messages": )" + std::string(list) + "}";
  };
  ExpectRejected(messages(R"([{"role": "user", "content": [
      {"type": "text", "text": "What is in this recording?"},
      {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}]}])"),
                 ErrorCode::kCallerUnsupportedFeature, "messages[0].content[1].type");
  ExpectRejected(messages(R"([{"role": "user", "content": [
      {"type": "file", "file": {"file_id": "file-abc"}}]}])"),
                 ErrorCode::kCallerUnsupportedFeature, "messages[0].content[0].type");
  ExpectRejected(messages(R"([{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}])"),
                 ErrorCode::kCallerInvalidRequest, "messages[0].content[0].image_url.url");
  ExpectRejected(messages(R"([{"role": "system", "content": [
      {"type": "image_url", "image_url": {"url": "https://x/y.png"}}]},
      {"role": "user", "content": "Hi"}])"),
                 ErrorCode::kCallerUnsupportedFeature, "messages[0].content[0].type");
  ExpectRejected(messages(R"([{"role": "user", "name": "alice", "content": "Hi"}])"),
                 ErrorCode::kCallerUnsupportedFeature, "messages[0].name");
  ExpectRejected(messages(R"([{"role": "function", "name": "f", "content": "x"}])"),
                 ErrorCode::kCallerUnsupportedFeature, "messages[0].name");
  ExpectRejected(messages(R"([{"role": "function", "content": "x"}])"),
                 ErrorCode::kCallerUnsupportedFeature, "messages[0].role");
  ExpectRejected(messages(R"([{"role": "tool", "content": "x"}])"),
                 ErrorCode::kCallerInvalidRequest, "messages[0].tool_call_id");
  ExpectRejected(messages(R"([{"role": "user", "content": "Hi"}, {"role": "assistant",
      "tool_calls": [{"id": "c", "type": "function", "function": {"arguments": "{}"}}]}])"),
                 ErrorCode::kCallerInvalidRequest, "messages[1].tool_calls[0].function.name");
  ExpectRejected(messages(R"([{"role": "system", "content": "Only instructions."}])"),
                 ErrorCode::kCallerInvalidRequest, "messages");
  ExpectRejected(messages(R"("Hi")"), ErrorCode::kCallerInvalidRequest, "messages");
}

TEST(OpenAiChatRequest, FieldsTheMessagesApiCannotTake) {
  auto with = [](std::string_view extra) {
    return R"({"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}])" +
           std::string(extra) + "}";
  };
  ExpectAnthropicRefuses(with(R"(, "response_format": {"type": "json_object"})"),
                         "response_format");
  ExpectAnthropicRefuses(with(R"(, "response_format": {"type": "json_schema", "json_schema":
      {"name": "weather", "strict": true, "schema": {"type": "object"}}})"),
                         "response_format");
  ExpectAnthropicRefuses(with(R"(, "presence_penalty": 0.5)"), "presence_penalty");
  ExpectAnthropicRefuses(with(R"(, "frequency_penalty": 0.5)"), "frequency_penalty");
  ExpectAnthropicRefuses(with(R"(, "seed": 42)"), "seed");
}

const ResponseIds kIds{"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", "gpt-4o", 1741569952};

Part TextPart(std::string text) {
  Part p;
  p.text = std::move(text);
  return p;
}

Part Call(std::string id, std::string name, std::string args) {
  Part p;
  p.kind = Part::Kind::kToolCall;
  p.id = std::move(id);
  p.name = std::move(name);
  p.arguments = std::move(args);
  return p;
}

TEST(OpenAiChatResponse, TextReasoningToolCallsAndUsage) {
  ChatResponse r;
  Part thinking;
  thinking.kind = Part::Kind::kThinking;
  thinking.text = "Two cities, two calls.";
  thinking.signature = "sig";
  Part redacted;
  redacted.kind = Part::Kind::kRedactedThinking;
  redacted.text = "opaque";
  r.content = {thinking, redacted, TextPart("Checking both."),
               Call("toolu_01", "get_current_weather", R"({"location":"Boston, MA"})"),
               Call("toolu_02", "get_current_weather", R"({"location":"Paris, France"})")};
  r.finish = FinishReason::kToolCalls;
  r.usage = {.input = 2100, .output = 57, .cached_input = 1800, .cache_creation_input = 200,
             .reasoning = 12};
  ExpectJson(EncodeOpenAiChatResponse(r, kIds), R"({
    "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
    "object": "chat.completion",
    "created": 1741569952,
    "model": "gpt-4o",
    "choices": [{
      "index": 0,
      "message": {
        "role": "assistant",
        "content": "Checking both.",
        "reasoning_content": "Two cities, two calls.",
        "tool_calls": [
          {"id": "toolu_01", "type": "function",
           "function": {"name": "get_current_weather", "arguments": "{\"location\":\"Boston, MA\"}"}},
          {"id": "toolu_02", "type": "function",
           "function": {"name": "get_current_weather", "arguments": "{\"location\":\"Paris, France\"}"}}]},
      "finish_reason": "tool_calls"}],
    "usage": {"prompt_tokens": 2100, "completion_tokens": 57, "total_tokens": 2157,
              "prompt_tokens_details": {"cached_tokens": 1800},
              "completion_tokens_details": {"reasoning_tokens": 12}}
  })");
}

TEST(OpenAiChatResponse, ToolCallsOnlyAndFinishReasons) {
  ChatResponse calls_only;
  calls_only.content = {Call("call_1", "f", "{}")};
  calls_only.finish = FinishReason::kToolCalls;
  json::object body = json::parse(EncodeOpenAiChatResponse(calls_only, kIds)).as_object();
  json::object& message = body["choices"].as_array()[0].as_object()["message"].as_object();
  EXPECT_TRUE(message["content"].is_null());
  EXPECT_EQ(body["usage"], json::parse(
      R"({"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0})"));

  auto finish = [](FinishReason f) {
    ChatResponse r;
    r.content = {TextPart("ok")};
    r.finish = f;
    json::object o = json::parse(EncodeOpenAiChatResponse(r, kIds)).as_object();
    return o["choices"].as_array()[0].as_object()["finish_reason"];
  };
  EXPECT_EQ(finish(FinishReason::kUnset), "stop");
  EXPECT_EQ(finish(FinishReason::kStop), "stop");
  EXPECT_EQ(finish(FinishReason::kStopSequence), "stop");
  EXPECT_EQ(finish(FinishReason::kLength), "length");
  EXPECT_EQ(finish(FinishReason::kToolCalls), "tool_calls");
  EXPECT_EQ(finish(FinishReason::kContentFilter), "content_filter");

  ChatResponse empty;
  json::object e = json::parse(EncodeOpenAiChatResponse(empty, kIds)).as_object();
  EXPECT_EQ(e["choices"].as_array()[0].as_object()["message"],
            json::parse(R"({"role": "assistant", "content": ""})"));
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

StreamDelta Finish(FinishReason f) {
  StreamDelta d = D(StreamDelta::Kind::kFinish);
  d.finish = f;
  return d;
}

StreamDelta Usage(core::TokenUsage u) {
  StreamDelta d = D(StreamDelta::Kind::kUsage);
  d.usage = u;
  return d;
}

constexpr std::string_view kChunk =
    R"({"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o",)";

// One chat.completion.chunk event with `choices` (JSON text).
std::string Chunk(std::string_view choices) {
  return "data: " + std::string(kChunk) + R"("choices":)" + std::string(choices) + "}\n\n";
}

TEST(OpenAiChatStream, TextReasoningToolCallsFinishUsageDone) {
  auto enc = NewOpenAiChatStreamEncoder(kIds, /*include_usage=*/true);
  std::string out;
  StreamDelta start = D(StreamDelta::Kind::kStart);
  start.id = "msg_01";
  start.model = "claude-sonnet-4-5";
  for (const StreamDelta& d :
       {start, Usage({.input = 2100, .output = 1, .cached_input = 1800, .cache_creation_input = 200}),
        D(StreamDelta::Kind::kThinking, "Two cities."),
        D(StreamDelta::Kind::kThinkingSignature, "EqQBCgIYAhIM"),
        D(StreamDelta::Kind::kText, "Checking"), D(StreamDelta::Kind::kText, " both."),
        ToolStart(0, "toolu_01", "get_current_weather"), ToolArgs(0, "{\"location\":"),
        ToolArgs(0, " \"Boston, MA\"}"), ToolStart(1, "toolu_02", "get_current_weather"),
        ToolArgs(1, "{\"location\": \"Paris, France\"}"), Finish(FinishReason::kToolCalls),
        Usage({.input = 2100, .output = 89, .cached_input = 1800, .cache_creation_input = 200})})
    enc->OnDelta(d, out);
  enc->End(out);
  std::string expected =
      Chunk(R"([{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}])") +
      Chunk(R"([{"index":0,"delta":{"reasoning_content":"Two cities."},"finish_reason":null}])") +
      Chunk(R"([{"index":0,"delta":{"content":"Checking"},"finish_reason":null}])") +
      Chunk(R"([{"index":0,"delta":{"content":" both."},"finish_reason":null}])") +
      Chunk(R"([{"index":0,"delta":{"tool_calls":[{"index":0,"id":"toolu_01","type":"function","function":{"name":"get_current_weather","arguments":""}}]},"finish_reason":null}])") +
      Chunk(R"([{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"location\":"}}]},"finish_reason":null}])") +
      Chunk(R"([{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":" \"Boston, MA\"}"}}]},"finish_reason":null}])") +
      Chunk(R"([{"index":0,"delta":{"tool_calls":[{"index":1,"id":"toolu_02","type":"function","function":{"name":"get_current_weather","arguments":""}}]},"finish_reason":null}])") +
      Chunk(R"([{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"location\": \"Paris, France\"}"}}]},"finish_reason":null}])") +
      Chunk(R"([{"index":0,"delta":{},"finish_reason":"tool_calls"}])") +
      "data: " + std::string(kChunk) +
      R"("choices":[],"usage":{"prompt_tokens":2100,"completion_tokens":89,"total_tokens":2189,"prompt_tokens_details":{"cached_tokens":1800}}})" +
      "\n\ndata: [DONE]\n\n";
  golden::ExpectSameEvents(out, expected);
  EXPECT_EQ(enc->usage().input, 2100u);
}

TEST(OpenAiChatStream, NoUsageChunkUnlessAskedAndRoleFirst) {
  auto enc = NewOpenAiChatStreamEncoder(kIds, /*include_usage=*/false);
  std::string out;
  // Text before any start delta still gets the role chunk first.
  enc->OnDelta(D(StreamDelta::Kind::kText, "Hi"), out);
  enc->OnDelta(Usage({.input = 9, .output = 2}), out);
  enc->End(out);  // no finish delta came: "stop"
  golden::ExpectSameEvents(
      out, Chunk(R"([{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}])") +
               Chunk(R"([{"index":0,"delta":{"content":"Hi"},"finish_reason":null}])") +
               Chunk(R"([{"index":0,"delta":{},"finish_reason":"stop"}])") + "data: [DONE]\n\n");
  EXPECT_TRUE(enc->usage_reported());
}

TEST(OpenAiChatStream, FinishReasonsAndFail) {
  for (auto [f, name] : std::vector<std::pair<FinishReason, std::string>>{
           {FinishReason::kStop, "stop"},
           {FinishReason::kStopSequence, "stop"},
           {FinishReason::kLength, "length"},
           {FinishReason::kToolCalls, "tool_calls"},
           {FinishReason::kContentFilter, "content_filter"}}) {
    auto enc = NewOpenAiChatStreamEncoder(kIds, false);
    std::string out;
    enc->OnDelta(D(StreamDelta::Kind::kStart), out);
    enc->OnDelta(Finish(f), out);
    enc->End(out);
    std::vector<golden::SseEv> ev = golden::ParseSse(out);
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev[1].data.as_object().at("choices").as_array()[0].as_object().at("finish_reason"),
              json::value(name));
  }
  auto enc = NewOpenAiChatStreamEncoder(kIds, true);
  std::string out;
  enc->Fail(GatewayError{ErrorCode::kProviderOverloaded, "upstream reported overloaded_error: Overloaded"},
            out);
  golden::ExpectSameEvents(out, R"(data: {"error":{"message":"upstream reported overloaded_error: Overloaded","type":"api_error","param":null,"code":"provider_overloaded"}}

)");
}

}  // namespace
}  // namespace sluice::api
