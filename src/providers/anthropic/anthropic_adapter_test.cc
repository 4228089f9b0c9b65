// Golden tests of the Anthropic Messages API on the egress side. Upstream fixtures are the
// documented shapes: the Message object (thinking, text, tool_use, server tool blocks, usage with
// cache_read_input_tokens / cache_creation_input_tokens), and the streaming examples of the
// "Streaming Messages" guide (basic text with ping; text then tool_use with input_json_delta
// fragments, the first one empty; extended thinking with thinking_delta and signature_delta; web
// search's server_tool_use; an error event with overloaded_error).
#include "providers/anthropic/anthropic_adapter.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/anthropic_messages.h"
#include "api/golden_test_util.h"
#include "api/openai_chat_codec.h"

namespace sluice::providers::anthropic {
namespace {

namespace json = boost::json;
using api::Part;
using golden::Text;
using golden::ToolCall;
using golden::ToolResult;
using golden::Msg;
using api::Role;
using core::ErrorCode;
using core::GatewayError;

api::ChatRequest Simple() {
  api::ChatRequest req;
  req.model = "claude";
  req.messages.push_back(Msg(Role::kUser, {Text("Hello, Claude")}));
  return req;
}

json::object Encode(const api::ChatRequest& req) {
  std::string body;
  GatewayError error;
  EXPECT_TRUE(EncodeMessagesRequest(req, "claude-sonnet-4-5", body, error)) << error.message;
  return body.empty() ? json::object{} : json::parse(body).as_object();
}

void ExpectRejected(const api::ChatRequest& req, ErrorCode code, std::string_view param) {
  std::string body;
  GatewayError error;
  EXPECT_FALSE(EncodeMessagesRequest(req, "claude-sonnet-4-5", body, error)) << body;
  EXPECT_EQ(error.code, code) << error.message;
  EXPECT_EQ(error.param, param) << error.message;
}

TEST(AnthropicEncode, ToolRoundsMergeIntoAlternatingTurns) {
  api::ChatRequest req;
  req.system = {Text("Be terse."), Text("Use metric units.")};
  Part unsigned_reasoning;
  unsigned_reasoning.kind = Part::Kind::kThinking;
  unsigned_reasoning.text = "From an OpenAI-compatible history: no signature.";
  Part signed_reasoning = unsigned_reasoning;
  signed_reasoning.text = "Two cities.";
  signed_reasoning.signature = "EqQBCgIYAhIM";
  Part image;
  image.kind = Part::Kind::kImage;
  image.media_type = "image/webp";
  image.data = "UklGRh4AAABXRUJQVlA4";
  req.messages = {
      Msg(Role::kUser, {Text("Weather in Paris and Oslo?"), image}),
      Msg(Role::kUser, {Text("In Celsius.")}),
      Msg(Role::kAssistant, {signed_reasoning, unsigned_reasoning, Text(""),
                             ToolCall("toolu_a", "get_weather", R"({"city":"Paris"})"),
                             ToolCall("toolu_b", "get_weather", R"({"city":"Oslo"})")}),
      Msg(Role::kTool, {ToolResult("toolu_a", R"({"temp_c":21})")}),
      Msg(Role::kTool, {ToolResult("toolu_b", "service down", /*is_error=*/true)}),
      Msg(Role::kUser, {Text("Thanks")}),
  };
  req.stop = {"END"};
  req.temperature = 0.5;
  req.top_k = 5;
  req.user = "user-42";
  req.response_format.kind = api::ResponseFormat::Kind::kText;  // the default: expressible
  EXPECT_EQ(Encode(req), json::parse(R"({
    "model": "claude-sonnet-4-5",
    "messages": [
      {"role": "user", "content": [
        {"type": "text", "text": "Weather in Paris and Oslo?"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/webp",
                                     "data": "UklGRh4AAABXRUJQVlA4"}},
        {"type": "text", "text": "In Celsius."}]},
      {"role": "assistant", "content": [
        {"type": "thinking", "thinking": "Two cities.", "signature": "EqQBCgIYAhIM"},
        {"type": "tool_use", "id": "toolu_a", "name": "get_weather", "input": {"city": "Paris"}},
        {"type": "tool_use", "id": "toolu_b", "name": "get_weather", "input": {"city": "Oslo"}}]},
      {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_a", "content": "{\"temp_c\":21}"},
        {"type": "tool_result", "tool_use_id": "toolu_b", "content": "service down",
         "is_error": true},
        {"type": "text", "text": "Thanks"}]}
    ],
    "max_tokens": 4096,
    "system": "Be terse.\nUse metric units.",
    "temperature": 0.5,
    "top_k": 5,
    "stop_sequences": ["END"],
    "metadata": {"user_id": "user-42"}
  })"));
}

TEST(AnthropicEncode, ReasoningEffortAndMaxTokens) {
  auto thinking = [](std::string effort, std::optional<int64_t> max_tokens) {
    api::ChatRequest req = Simple();
    req.reasoning_effort = std::move(effort);
    req.max_tokens = max_tokens;
    json::object o = Encode(req);
    return json::serialize(json::object{{"max_tokens", o["max_tokens"]},
                                        {"thinking", o["thinking"]}});
  };
  // budget_tokens must stay below max_tokens: the default leaves 4096 beyond the budget.
  EXPECT_EQ(thinking("minimal", {}),
            R"({"max_tokens":5120,"thinking":{"type":"enabled","budget_tokens":1024}})");
  EXPECT_EQ(thinking("low", {}),
            R"({"max_tokens":5120,"thinking":{"type":"enabled","budget_tokens":1024}})");
  EXPECT_EQ(thinking("medium", {}),
            R"({"max_tokens":8192,"thinking":{"type":"enabled","budget_tokens":4096}})");
  EXPECT_EQ(thinking("high", {}),
            R"({"max_tokens":20480,"thinking":{"type":"enabled","budget_tokens":16384}})");
  EXPECT_EQ(thinking("high", 32000),
            R"({"max_tokens":32000,"thinking":{"type":"enabled","budget_tokens":16384}})");
  api::ChatRequest budget = Simple();
  budget.thinking_budget = 2000;
  budget.reasoning_effort = "high";  // an explicit budget wins
  EXPECT_EQ(Encode(budget)["thinking"],
            json::parse(R"({"type": "enabled", "budget_tokens": 2000})"));
  EXPECT_EQ(Encode(Simple())["max_tokens"], 4096);
  EXPECT_FALSE(Encode(Simple()).contains("thinking"));
}

TEST(AnthropicEncode, ToolsChoiceAndParallelCalls) {
  api::ChatRequest req = Simple();
  api::Tool weather;
  weather.name = "get_weather";
  weather.description = "Current weather";
  weather.parameters = json::parse(R"({"type":"object","properties":{"city":{"type":"string"}}})");
  weather.cache_control.set = true;
  api::Tool bare;
  bare.name = "ping";
  req.tools = {weather, bare};
  req.parallel_tool_calls = false;
  json::object o = Encode(req);
  EXPECT_EQ(o["tools"], json::parse(R"([
    {"name": "get_weather", "description": "Current weather",
     "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
     "cache_control": {"type": "ephemeral"}},
    {"name": "ping", "input_schema": {"type": "object", "properties": {}}}])"));
  EXPECT_EQ(o["tool_choice"], json::parse(R"({"type": "auto", "disable_parallel_tool_use": true})"));

  using TK = api::ToolChoice::Kind;
  auto choice = [&](TK kind, std::optional<bool> parallel) {
    req.tool_choice.kind = kind;
    req.tool_choice.name = kind == TK::kNamed ? "get_weather" : "";
    req.parallel_tool_calls = parallel;
    return Encode(req)["tool_choice"];
  };
  EXPECT_EQ(choice(TK::kRequired, false),
            json::parse(R"({"type": "any", "disable_parallel_tool_use": true})"));
  EXPECT_EQ(choice(TK::kNamed, false),
            json::parse(R"({"type": "tool", "name": "get_weather", "disable_parallel_tool_use": true})"));
  EXPECT_EQ(choice(TK::kNamed, true), json::parse(R"({"type": "tool", "name": "get_weather"})"));
  // ToolChoiceNone has no disable_parallel_tool_use field.
  EXPECT_EQ(choice(TK::kNone, false), json::parse(R"({"type": "none"})"));
  req.tool_choice.kind = TK::kUnset;
  req.parallel_tool_calls = true;
  EXPECT_FALSE(Encode(req).contains("tool_choice"));
}

TEST(AnthropicEncode, Rejections) {
  api::ChatRequest json_object = Simple();
  json_object.response_format.kind = api::ResponseFormat::Kind::kJsonObject;
  ExpectRejected(json_object, ErrorCode::kCallerUnsupportedFeature, "response_format");
  api::ChatRequest json_schema = Simple();
  json_schema.response_format.kind = api::ResponseFormat::Kind::kJsonSchema;
  json_schema.response_format.schema = json::parse(R"({"type":"object"})");
  ExpectRejected(json_schema, ErrorCode::kCallerUnsupportedFeature, "response_format");
  api::ChatRequest presence = Simple();
  presence.presence_penalty = 0.5;
  ExpectRejected(presence, ErrorCode::kCallerUnsupportedFeature, "presence_penalty");
  api::ChatRequest frequency = Simple();
  frequency.frequency_penalty = -0.5;
  ExpectRejected(frequency, ErrorCode::kCallerUnsupportedFeature, "frequency_penalty");
  api::ChatRequest seed = Simple();
  seed.seed = 7;
  ExpectRejected(seed, ErrorCode::kCallerUnsupportedFeature, "seed");
  api::ChatRequest broken = Simple();
  broken.messages.push_back(Msg(Role::kAssistant, {ToolCall("t", "f", "[1, 2]")}));
  ExpectRejected(broken, ErrorCode::kCallerInvalidRequest, "messages[1].arguments");
}

// The Message object of a tool-use answer with extended thinking and a prompt-cache hit, and
// server-tool blocks that have no unified form.
constexpr std::string_view kMessage = R"({
  "id": "msg_01Aq9w938a90dw8q",
  "type": "message",
  "role": "assistant",
  "model": "claude-sonnet-4-5-20250929",
  "content": [
    {"type": "thinking", "thinking": "The user wants San Francisco's weather.",
     "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"},
    {"type": "server_tool_use", "id": "srvtoolu_01WYG3ziw53XMcoyKL4XcZmE", "name": "web_search",
     "input": {"query": "San Francisco weather"}},
    {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01WYG3ziw53XMcoyKL4XcZmE",
     "content": []},
    {"type": "text", "text": "I'll check the current weather in San Francisco for you."},
    {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather",
     "input": {"location": "San Francisco, CA", "unit": "celsius"}}
  ],
  "stop_reason": "tool_use",
  "stop_sequence": null,
  "usage": {"input_tokens": 472, "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 2048, "output_tokens": 89,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
            "service_tier": "standard"}
})";

TEST(AnthropicDecode, MessageToOpenAiChatCompletion) {
  api::ChatResponse r;
  GatewayError error;
  ASSERT_TRUE(DecodeMessagesResponse(kMessage, r, error)) << error.message;
  EXPECT_EQ(r.id, "msg_01Aq9w938a90dw8q");
  EXPECT_EQ(r.model, "claude-sonnet-4-5-20250929");
  ASSERT_TRUE(r.has_usage);
  EXPECT_EQ(r.usage.input, 2520u);  // 472 + 2048 read from the cache
  EXPECT_EQ(r.usage.cached_input, 2048u);
  api::ResponseIds ids{"chatcmpl-7f3a", "claude-sonnet", 1736900000};
  EXPECT_EQ(json::parse(api::EncodeOpenAiChatResponse(r, ids)), json::parse(R"({
    "id": "chatcmpl-7f3a", "object": "chat.completion", "created": 1736900000,
    "model": "claude-sonnet",
    "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
      "role": "assistant",
      "content": "I'll check the current weather in San Francisco for you.",
      "reasoning_content": "The user wants San Francisco's weather.",
      "tool_calls": [{"id": "toolu_01A09q90qw90lq917835lq9", "type": "function",
        "function": {"name": "get_weather",
                     "arguments": "{\"location\":\"San Francisco, CA\",\"unit\":\"celsius\"}"}}]}}],
    "usage": {"prompt_tokens": 2520, "completion_tokens": 89, "total_tokens": 2609,
              "prompt_tokens_details": {"cached_tokens": 2048}}
  })"));
  // And back into the Anthropic dialect: the usage splits again, the thinking keeps its signature.
  api::ResponseIds anthropic_ids{"msg_gw1", "claude-sonnet", 0};
  EXPECT_EQ(json::parse(api::EncodeAnthropicResponse(r, anthropic_ids)), json::parse(R"({
    "id": "msg_gw1", "type": "message", "role": "assistant", "model": "claude-sonnet",
    "content": [
      {"type": "thinking", "thinking": "The user wants San Francisco's weather.",
       "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"},
      {"type": "text", "text": "I'll check the current weather in San Francisco for you."},
      {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather",
       "input": {"location": "San Francisco, CA", "unit": "celsius"}}],
    "stop_reason": "tool_use", "stop_sequence": null,
    "usage": {"input_tokens": 472, "output_tokens": 89, "cache_creation_input_tokens": 0,
              "cache_read_input_tokens": 2048}
  })"));
}

TEST(AnthropicDecode, StopReasonsAndUsage) {
  auto decode = [](std::string_view stop_reason, std::string_view stop_sequence = "null") {
    std::string body = R"({"id":"msg_1","type":"message","role":"assistant","model":"m",
      "content":[{"type":"text","text":"Hi"}],"stop_reason":")" + std::string(stop_reason) +
      R"(","stop_sequence":)" + std::string(stop_sequence) +
      R"(,"usage":{"input_tokens":10,"cache_creation_input_tokens":300,"cache_read_input_tokens":0,"output_tokens":5}})";
    api::ChatResponse r;
    GatewayError error;
    EXPECT_TRUE(DecodeMessagesResponse(body, r, error)) << error.message;
    return r;
  };
  EXPECT_EQ(decode("end_turn").finish, api::FinishReason::kStop);
  EXPECT_EQ(decode("pause_turn").finish, api::FinishReason::kStop);
  EXPECT_EQ(decode("max_tokens").finish, api::FinishReason::kLength);
  EXPECT_EQ(decode("model_context_window_exceeded").finish, api::FinishReason::kLength);
  EXPECT_EQ(decode("tool_use").finish, api::FinishReason::kToolCalls);
  EXPECT_EQ(decode("refusal").finish, api::FinishReason::kContentFilter);
  api::ChatResponse seq = decode("stop_sequence", R"("END")");
  EXPECT_EQ(seq.finish, api::FinishReason::kStopSequence);
  EXPECT_EQ(seq.stop_sequence, "END");
  api::ChatResponse written = decode("end_turn");
  EXPECT_EQ(written.usage.input, 310u);  // input_tokens excludes cache writes; unified counts them
  EXPECT_EQ(written.usage.cache_creation_input, 300u);
  EXPECT_EQ(written.usage.output, 5u);
  // OpenAI has no field for cache writes: they stay in prompt_tokens.
  EXPECT_EQ(api::OpenAiUsageObject(written.usage),
            json::parse(R"({"prompt_tokens": 310, "completion_tokens": 5, "total_tokens": 315})"));
  EXPECT_EQ(api::AnthropicUsageObject(written.usage),
            json::parse(R"({"input_tokens": 10, "output_tokens": 5,
                            "cache_creation_input_tokens": 300, "cache_read_input_tokens": 0})"));
}

TEST(AnthropicDecode, BadBodies) {
  for (std::string_view body : {"", "not json", "[1]", R"({"type":"message","content":"Hi"})"}) {
    api::ChatResponse r;
    GatewayError error;
    EXPECT_FALSE(DecodeMessagesResponse(body, r, error)) << body;
    EXPECT_EQ(error.code, ErrorCode::kProviderBadResponse) << body;
  }
}

// The "Streaming request with tool use" example: a text block (after a ping), then a tool_use block
// whose input arrives as partial JSON, the first fragment empty; usage in message_start and
// message_delta.
constexpr std::string_view kToolStream = R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-opus-4-6","stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":2},"content":[],"stop_reason":null}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":","}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" let me check the weather for San Francisco, CA:"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\":"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \"San Francisc"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"o, CA\", \"unit\": \"fah"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"renheit\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}

event: message_stop
data: {"type":"message_stop"}

)";

const api::ResponseIds kOpenAiIds{"chatcmpl-7f3a", "claude-opus", 1736900000};

TEST(AnthropicStreamDecode, ToolUseStreamDeltas) {
  auto decoder = NewMessagesStreamDecoder();
  golden::StreamRun run = golden::Drive(*decoder, kToolStream, nullptr);
  EXPECT_TRUE(run.ok) << run.error.message;
  EXPECT_TRUE(run.finished);
  EXPECT_EQ(run.deltas, (std::vector<std::string>{
                            "start msg_014p7gG3wDgGV9EUtLvnow3U claude-opus-4-6",
                            "usage in=472 out=2 cached=0 created=0 reasoning=0",
                            "text Okay",
                            "text ,",
                            "text  let me check the weather for San Francisco, CA:",
                            "tool_start 0 toolu_01T1x1fJ34qAmk2tNTrN7Up6 get_weather",
                            "tool_args 0 {\"location\":",
                            "tool_args 0  \"San Francisc",
                            "tool_args 0 o, CA\", \"unit\": \"fah",
                            "tool_args 0 renheit\"}",
                            "finish tool_calls",
                            "usage in=472 out=89 cached=0 created=0 reasoning=0",
                        }));
}

TEST(AnthropicStreamDecode, ToolUseStreamToOpenAiChunks) {
  auto decoder = NewMessagesStreamDecoder();
  auto encoder = api::NewOpenAiChatStreamEncoder(kOpenAiIds, /*include_usage=*/true);
  golden::StreamRun run = golden::Drive(*decoder, kToolStream, encoder.get());
  ASSERT_TRUE(run.ok) << run.error.message;
  auto chunk = [](std::string_view choice) {
    return R"(data: {"id":"chatcmpl-7f3a","object":"chat.completion.chunk","created":1736900000,"model":"claude-opus","choices":[)" +
           std::string(choice) + "]}\n\n";
  };
  auto delta = [&](std::string_view d) {
    return chunk(R"({"index":0,"delta":)" + std::string(d) + R"(,"finish_reason":null})");
  };
  golden::ExpectSameEvents(
      run.client,
      delta(R"({"role":"assistant","content":""})") + delta(R"({"content":"Okay"})") +
          delta(R"({"content":","})") +
          delta(R"({"content":" let me check the weather for San Francisco, CA:"})") +
          delta(R"({"tool_calls":[{"index":0,"id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","type":"function","function":{"name":"get_weather","arguments":""}}]})") +
          delta(R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"location\":"}}]})") +
          delta(R"({"tool_calls":[{"index":0,"function":{"arguments":" \"San Francisc"}}]})") +
          delta(R"({"tool_calls":[{"index":0,"function":{"arguments":"o, CA\", \"unit\": \"fah"}}]})") +
          delta(R"({"tool_calls":[{"index":0,"function":{"arguments":"renheit\"}"}}]})") +
          chunk(R"({"index":0,"delta":{},"finish_reason":"tool_calls"})") +
          R"(data: {"id":"chatcmpl-7f3a","object":"chat.completion.chunk","created":1736900000,"model":"claude-opus","choices":[],"usage":{"prompt_tokens":472,"completion_tokens":89,"total_tokens":561}}

data: [DONE]

)");
  EXPECT_EQ(encoder->usage().output, 89u);
}

// Anthropic in, Anthropic out through the unified deltas: the documented stream comes back event for
// event (pings and the empty first input_json_delta aside; usage objects carry all four counts).
TEST(AnthropicStreamDecode, ToolUseStreamBackToAnthropicEvents) {
  auto decoder = NewMessagesStreamDecoder();
  auto encoder = api::NewAnthropicStreamEncoder({"msg_014p7gG3wDgGV9EUtLvnow3U", "claude-opus-4-6", 0});
  golden::StreamRun run = golden::Drive(*decoder, kToolStream, encoder.get());
  ASSERT_TRUE(run.ok) << run.error.message;
  golden::ExpectSameEvents(run.client, R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-opus-4-6","stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":2,"cache_creation_input_tokens":0,"cache_read_input_tokens":0},"content":[],"stop_reason":null}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":","}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" let me check the weather for San Francisco, CA:"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\":"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \"San Francisc"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"o, CA\", \"unit\": \"fah"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"renheit\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":472,"output_tokens":89,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}

event: message_stop
data: {"type":"message_stop"}

)");
}

// The extended-thinking streaming example: a thinking block (thinking_delta, then signature_delta)
// before the text block; no usage in these events.
constexpr std::string_view kThinkingStream = R"(event: message_start
data: {"type": "message_start", "message": {"id": "msg_01Vd6Hy7RqNe8XnW8MBnhD9K", "type": "message", "role": "assistant", "content": [], "model": "claude-sonnet-4-5", "stop_reason": null, "stop_sequence": null}}

event: content_block_start
data: {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}}

event: content_block_delta
data: {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n1071 = 2 × 462 + 147"}}

event: content_block_delta
data: {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "\n462 = 3 × 147 + 21\n147 = 7 × 21 + 0"}}

event: content_block_delta
data: {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"}}

event: content_block_stop
data: {"type": "content_block_stop", "index": 0}

event: content_block_start
data: {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}}

event: content_block_delta
data: {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "The greatest common divisor of 1071 and 462 is **21**."}}

event: content_block_stop
data: {"type": "content_block_stop", "index": 1}

event: message_delta
data: {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null}}

event: message_stop
data: {"type": "message_stop"}

)";

TEST(AnthropicStreamDecode, ThinkingStream) {
  auto decoder = NewMessagesStreamDecoder();
  auto encoder = api::NewOpenAiChatStreamEncoder(kOpenAiIds, /*include_usage=*/false);
  golden::StreamRun run = golden::Drive(*decoder, kThinkingStream, encoder.get());
  ASSERT_TRUE(run.ok) << run.error.message;
  EXPECT_EQ(run.deltas,
            (std::vector<std::string>{
                "start msg_01Vd6Hy7RqNe8XnW8MBnhD9K claude-sonnet-4-5",
                "thinking I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n"
                "1071 = 2 × 462 + 147",
                "thinking \n462 = 3 × 147 + 21\n147 = 7 × 21 + 0",
                "signature EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds",
                "text The greatest common divisor of 1071 and 462 is **21**.",
                "finish stop",
            }));
  std::vector<golden::SseEv> events = golden::ParseSse(run.client);
  ASSERT_EQ(events.size(), 6u);  // role, 2 reasoning, text, finish, [DONE]
  EXPECT_EQ(events[1].data.as_object().at("choices").as_array()[0].as_object().at("delta"),
            json::parse(R"({"reasoning_content": "I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n1071 = 2 × 462 + 147"})"));
  EXPECT_EQ(events[5].data, json::value("[DONE]"));
}

// Web search streams its query as input_json_delta of a server_tool_use block: not arguments of
// the client tool call before it. message_delta of newer API versions repeats all usage fields.
TEST(AnthropicStreamDecode, ServerToolInputIsNotToolArguments) {
  constexpr std::string_view kStream = R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_01G","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":2679,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":3}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_01","name":"get_time","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"tz\":\"CET\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"server_tool_use","id":"srvtoolu_014hJH82Qum7Td6UV8gDXThB","name":"web_search","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"query\":\"weather NYC today\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: content_block_start
data: {"type":"content_block_start","index":2,"content_block":{"type":"web_search_tool_result","tool_use_id":"srvtoolu_014hJH82Qum7Td6UV8gDXThB","content":[{"type":"web_search_result","title":"Weather in New York City","url":"https://weather.com/","encrypted_content":"Ev0DCioIAxgC","page_age":null}]}}

event: content_block_stop
data: {"type":"content_block_stop","index":2}

event: content_block_start
data: {"type":"content_block_start","index":3,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":3,"delta":{"type":"text_delta","text":"Sunny, 22 °C."}}

event: content_block_stop
data: {"type":"content_block_stop","index":3}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":10682,"cache_creation_input_tokens":0,"cache_read_input_tokens":512,"output_tokens":510,"server_tool_use":{"web_search_requests":1}}}

event: message_stop
data: {"type":"message_stop"}

)";
  auto decoder = NewMessagesStreamDecoder();
  golden::StreamRun run = golden::Drive(*decoder, kStream, nullptr);
  ASSERT_TRUE(run.ok) << run.error.message;
  EXPECT_EQ(run.deltas, (std::vector<std::string>{
                            "start msg_01G claude-sonnet-4-5",
                            "usage in=2679 out=3 cached=0 created=0 reasoning=0",
                            "tool_start 0 toolu_01 get_time",
                            "tool_args 0 {\"tz\":\"CET\"}",
                            "text Sunny, 22 °C.",
                            "finish tool_calls",
                            "usage in=11194 out=510 cached=512 created=0 reasoning=0",
                        }));
}

TEST(AnthropicStreamDecode, StopSequenceAndMaxTokens) {
  auto run_with = [](std::string_view delta) {
    std::string stream =
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
        "\"model\":\"m\",\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n"
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":" +
        std::string(delta) + ",\"usage\":{\"output_tokens\":7}}\n\n";
    auto decoder = NewMessagesStreamDecoder();
    return golden::Drive(*decoder, stream, nullptr);
  };
  golden::StreamRun seq =
      run_with(R"({"stop_reason":"stop_sequence","stop_sequence":"\n\nHuman:"})");
  ASSERT_EQ(seq.deltas.size(), 4u);
  EXPECT_EQ(seq.deltas[2], "finish stop_sequence \n\nHuman:");
  EXPECT_FALSE(seq.finished);  // no message_stop
  EXPECT_EQ(run_with(R"({"stop_reason":"max_tokens","stop_sequence":null})").deltas[2],
            "finish length");
  EXPECT_EQ(run_with(R"({"stop_reason":"refusal","stop_sequence":null})").deltas[2],
            "finish content_filter");
}

TEST(AnthropicStreamDecode, InBandErrorEvents) {
  auto code_of = [](std::string_view type) {
    std::string stream = std::string(kToolStream.substr(0, kToolStream.find("event: content_block_start"))) +
                         "event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"" +
                         std::string(type) + "\", \"message\": \"Overloaded\"}}\n\n";
    auto decoder = NewMessagesStreamDecoder();
    golden::StreamRun run = golden::Drive(*decoder, stream, nullptr);
    EXPECT_FALSE(run.ok);
    EXPECT_NE(run.error.message.find(std::string(type)), std::string::npos) << run.error.message;
    return run.error.code;
  };
  EXPECT_EQ(code_of("overloaded_error"), ErrorCode::kProviderOverloaded);
  EXPECT_EQ(code_of("rate_limit_error"), ErrorCode::kProviderRateLimited);
  EXPECT_EQ(code_of("invalid_request_error"), ErrorCode::kProviderInvalidRequest);
  EXPECT_EQ(code_of("authentication_error"), ErrorCode::kProviderAuthFailed);
  EXPECT_EQ(code_of("api_error"), ErrorCode::kProviderServerError);

  // Mid-answer: the client gets the deltas so far, then its dialect's error event.
  std::string stream = std::string(kToolStream.substr(0, kToolStream.find("event: content_block_stop"))) +
                       "event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": "
                       "\"overloaded_error\", \"message\": \"Overloaded\"}}\n\n";
  auto decoder = NewMessagesStreamDecoder();
  auto encoder = api::NewOpenAiChatStreamEncoder(kOpenAiIds, true);
  golden::StreamRun run = golden::Drive(*decoder, stream, encoder.get());
  ASSERT_FALSE(run.ok);
  EXPECT_EQ(run.error.code, ErrorCode::kProviderOverloaded);
  std::vector<golden::SseEv> events = golden::ParseSse(run.client);
  ASSERT_EQ(events.size(), 5u);  // role, three text chunks, the error
  EXPECT_EQ(events[4].data, json::parse(R"({"error": {
    "message": "upstream reported overloaded_error: Overloaded", "type": "api_error",
    "param": null, "code": "provider_overloaded"}})"));
}

TEST(AnthropicStreamDecode, MalformedEvents) {
  for (auto [name, data] : std::vector<std::pair<std::string_view, std::string_view>>{
           {"content_block_delta", R"({"type":"content_block_delta","index":0,"delta":)"},
           {"message_start", "[]"},
           {"message_start", R"({"type":"message_start"})"},
           {"content_block_start", R"({"type":"content_block_start","index":0})"},
           {"content_block_delta", R"({"type":"content_block_delta","index":0})"},
           {"error", R"({"type":"error"})"}}) {
    auto decoder = NewMessagesStreamDecoder();
    GatewayError error;
    int deltas = 0;
    EXPECT_FALSE(decoder->OnEvent(name, data, [&](const api::StreamDelta&) { ++deltas; }, error))
        << data;
    EXPECT_EQ(error.code, ErrorCode::kProviderBadResponse) << data;
    EXPECT_EQ(deltas, 0) << data;
  }
  // Pings, unknown events and deltas without a unified form are accepted and emit nothing.
  auto decoder = NewMessagesStreamDecoder();
  GatewayError error;
  int deltas = 0;
  auto count = [&](const api::StreamDelta&) { ++deltas; };
  EXPECT_TRUE(decoder->OnEvent("ping", R"({"type": "ping"})", count, error));
  EXPECT_TRUE(decoder->OnEvent("", R"({"type": "ping"})", count, error));
  EXPECT_TRUE(decoder->OnEvent("future_event", R"({"type": "future_event"})", count, error));
  EXPECT_TRUE(decoder->OnEvent("content_block_delta",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{}}})",
      count, error));
  EXPECT_TRUE(decoder->OnEvent("content_block_delta",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{}"}})",
      count, error));  // no tool_use block is open
  EXPECT_EQ(deltas, 0);
  EXPECT_FALSE(decoder->finished());
}

}  // namespace
}  // namespace sluice::providers::anthropic
