// Golden tests of the OpenAI chat API on the egress side. Upstream fixtures are the documented
// shapes of the Chat Completions API reference: the chat.completion object (tool_calls with
// content null, usage with prompt_tokens_details.cached_tokens and completion_tokens_details), and
// chat.completion.chunk streams as sent with stream_options.include_usage (a role chunk, content,
// tool_calls deltas carrying index, id and function.name first and argument fragments after,
// "usage": null on every chunk, the finish_reason chunk, a usage chunk with "choices": [], then
// [DONE]); an in-band {"error": {...}} event.
#include "providers/openai/openai_chat_adapter.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/anthropic_messages.h"
#include "api/golden_test_util.h"
#include "api/openai_chat_codec.h"

namespace sluice::providers::openai {
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
  req.model = "gpt";
  req.messages.push_back(Msg(Role::kUser, {Text("Hello!")}));
  return req;
}

json::object Encode(const api::ChatRequest& req) {
  std::string body;
  GatewayError error;
  EXPECT_TRUE(EncodeChatRequest(req, "gpt-4o", body, error)) << error.message;
  return body.empty() ? json::object{} : json::parse(body).as_object();
}

TEST(OpenAiEncode, FullConversation) {
  api::ChatRequest req;
  req.system = {Text("Be terse."), Text("Use metric units.")};
  Part data_image;
  data_image.kind = Part::Kind::kImage;
  data_image.media_type = "image/png";
  data_image.data = "iVBORw0KGgo=";
  Part url_image;
  url_image.kind = Part::Kind::kImage;
  url_image.url = "https://example.com/cat.jpg";
  Part thinking;
  thinking.kind = Part::Kind::kThinking;
  thinking.text = "Two cities.";
  thinking.signature = "EqQBCgIYAhIM";
  Part redacted;
  redacted.kind = Part::Kind::kRedactedThinking;
  redacted.text = "opaque";
  req.messages = {
      Msg(Role::kUser, {Text("What is in these?"), data_image, url_image}),
      Msg(Role::kAssistant, {thinking, redacted, Text("Cats. Checking the weather."),
                             ToolCall("toolu_a", "get_weather", R"({"city":"Paris"})"),
                             ToolCall("toolu_b", "get_weather", R"({"city":"Oslo"})")}),
      Msg(Role::kTool, {ToolResult("toolu_a", R"({"temp_c":21})"),
                        ToolResult("toolu_b", "service down", /*is_error=*/true)}),
      Msg(Role::kUser, {Text("Thanks")}),
  };
  api::Tool weather;
  weather.name = "get_weather";
  weather.description = "Current weather";
  weather.parameters = json::parse(R"({"type":"object","properties":{"city":{"type":"string"}}})");
  api::Tool bare;
  bare.name = "ping";
  req.tools = {weather, bare};
  req.tool_choice.kind = api::ToolChoice::Kind::kRequired;
  req.parallel_tool_calls = true;
  req.max_tokens = 1024;
  req.temperature = 0.7;
  req.top_p = 0.9;
  req.top_k = 40;
  req.presence_penalty = 0.5;
  req.frequency_penalty = 0.25;
  req.seed = 42;
  req.stop = {"END", "STOP"};
  req.response_format.kind = api::ResponseFormat::Kind::kJsonSchema;
  req.response_format.schema = json::parse(R"({"type":"object"})");
  req.response_format.strict = true;
  req.reasoning_effort = "high";
  req.user = "user-42";
  req.stream = true;
  EXPECT_EQ(Encode(req), json::parse(R"({
    "model": "gpt-4o",
    "messages": [
      {"role": "system", "content": "Be terse.\nUse metric units."},
      {"role": "user", "content": [
        {"type": "text", "text": "What is in these?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}}]},
      {"role": "assistant", "content": "Cats. Checking the weather.", "tool_calls": [
        {"id": "toolu_a", "type": "function",
         "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
        {"id": "toolu_b", "type": "function",
         "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}}]},
      {"role": "tool", "tool_call_id": "toolu_a", "content": "{\"temp_c\":21}"},
      {"role": "tool", "tool_call_id": "toolu_b", "content": "service down"},
      {"role": "user", "content": "Thanks"}
    ],
    "tools": [
      {"type": "function", "function": {"name": "get_weather", "description": "Current weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}},
      {"type": "function", "function": {"name": "ping",
        "parameters": {"type": "object", "properties": {}}}}],
    "tool_choice": "required",
    "parallel_tool_calls": true,
    "max_tokens": 1024, "temperature": 0.7, "top_p": 0.9, "top_k": 40,
    "presence_penalty": 0.5, "frequency_penalty": 0.25, "seed": 42,
    "stop": ["END", "STOP"],
    "response_format": {"type": "json_schema",
      "json_schema": {"name": "response", "schema": {"type": "object"}, "strict": true}},
    "reasoning_effort": "high",
    "user": "user-42",
    "stream": true,
    "stream_options": {"include_usage": true}
  })"));
}

TEST(OpenAiEncode, ThinkingBudgetToEffortAndChoices) {
  auto effort = [](int64_t budget) {
    api::ChatRequest req = Simple();
    req.thinking_budget = budget;
    return Encode(req)["reasoning_effort"];
  };
  EXPECT_EQ(effort(1024), "low");
  EXPECT_EQ(effort(2048), "low");
  EXPECT_EQ(effort(2049), "medium");
  EXPECT_EQ(effort(8192), "medium");
  EXPECT_EQ(effort(8193), "high");
  api::ChatRequest req = Simple();
  EXPECT_EQ(Encode(req), json::parse(
      R"({"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello!"}]})"));
  using TK = api::ToolChoice::Kind;
  req.tool_choice = {TK::kNamed, "get_weather"};
  EXPECT_EQ(Encode(req)["tool_choice"],
            json::parse(R"({"type": "function", "function": {"name": "get_weather"}})"));
  req.tool_choice = {TK::kNone, ""};
  EXPECT_EQ(Encode(req)["tool_choice"], "none");
  req.tool_choice = {TK::kAuto, ""};
  EXPECT_EQ(Encode(req)["tool_choice"], "auto");
  req.response_format.kind = api::ResponseFormat::Kind::kJsonObject;
  EXPECT_EQ(Encode(req)["response_format"], json::parse(R"({"type": "json_object"})"));
}

TEST(OpenAiEncode, ToolResultOutsideToolMessageIsRefused) {
  api::ChatRequest req = Simple();
  req.messages[0].parts.push_back(ToolResult("t", "x"));
  std::string body;
  GatewayError error;
  EXPECT_FALSE(EncodeChatRequest(req, "gpt-4o", body, error));
  EXPECT_EQ(error.code, ErrorCode::kCallerUnsupportedFeature);
  EXPECT_EQ(error.param, "messages[0].content");
}

// The function-calling answer of the API reference.
constexpr std::string_view kToolAnswer = R"({
  "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
  "object": "chat.completion",
  "created": 1741570283,
  "model": "gpt-4o-2024-08-06",
  "choices": [{
    "index": 0,
    "message": {
      "role": "assistant",
      "content": null,
      "tool_calls": [{"id": "call_abc123", "type": "function",
                      "function": {"name": "get_current_weather",
                                   "arguments": "{\n\"location\": \"Boston, MA\"\n}"}}],
      "refusal": null,
      "annotations": []},
    "logprobs": null,
    "finish_reason": "tool_calls"}],
  "usage": {
    "prompt_tokens": 82, "completion_tokens": 17, "total_tokens": 99,
    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                  "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}},
  "service_tier": "default",
  "system_fingerprint": "fp_fc9f1d7035"
})";

TEST(OpenAiDecode, ToolCallAnswerToAnthropicMessage) {
  api::ChatResponse r;
  GatewayError error;
  ASSERT_TRUE(DecodeChatResponse(kToolAnswer, r, error)) << error.message;
  EXPECT_EQ(r.id, "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG");
  EXPECT_EQ(r.created, 1741570283);
  EXPECT_TRUE(r.has_usage);
  api::ResponseIds ids{"msg_gw_7f3a", "gpt-4o", 0};
  EXPECT_EQ(json::parse(api::EncodeAnthropicResponse(r, ids)), json::parse(R"({
    "id": "msg_gw_7f3a", "type": "message", "role": "assistant", "model": "gpt-4o",
    "content": [{"type": "tool_use", "id": "call_abc123", "name": "get_current_weather",
                 "input": {"location": "Boston, MA"}}],
    "stop_reason": "tool_use", "stop_sequence": null,
    "usage": {"input_tokens": 82, "output_tokens": 17, "cache_creation_input_tokens": 0,
              "cache_read_input_tokens": 0}
  })"));
}

TEST(OpenAiDecode, CachedReasoningAnswerAndFinishReasons) {
  constexpr std::string_view kAnswer = R"({
    "id": "chatcmpl-123", "object": "chat.completion", "created": 1677652288, "model": "o4-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "reasoning_content": "Greet back.",
                 "content": "Hello there, how may I assist you today?"},
                 "logprobs": null, "finish_reason": "length"}],
    "usage": {"prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
              "prompt_tokens_details": {"cached_tokens": 1920},
              "completion_tokens_details": {"reasoning_tokens": 256}}})";
  api::ChatResponse r;
  GatewayError error;
  ASSERT_TRUE(DecodeChatResponse(kAnswer, r, error)) << error.message;
  EXPECT_EQ(r.usage.input, 2006u);  // prompt_tokens includes the cached ones, as unified input does
  EXPECT_EQ(r.usage.cached_input, 1920u);
  EXPECT_EQ(r.usage.reasoning, 256u);
  EXPECT_EQ(json::parse(api::EncodeAnthropicResponse(r, {"msg_1", "o4-mini", 0})), json::parse(R"({
    "id": "msg_1", "type": "message", "role": "assistant", "model": "o4-mini",
    "content": [{"type": "thinking", "thinking": "Greet back.", "signature": ""},
                {"type": "text", "text": "Hello there, how may I assist you today?"}],
    "stop_reason": "max_tokens", "stop_sequence": null,
    "usage": {"input_tokens": 86, "output_tokens": 300, "cache_creation_input_tokens": 0,
              "cache_read_input_tokens": 1920}
  })"));

  auto finish = [](std::string_view reason) {
    std::string body = R"({"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":)" +
                       std::string(reason) + "}]}";
    api::ChatResponse out;
    GatewayError e;
    EXPECT_TRUE(DecodeChatResponse(body, out, e)) << e.message;
    EXPECT_FALSE(out.has_usage);
    return out.finish;
  };
  EXPECT_EQ(finish(R"("stop")"), api::FinishReason::kStop);
  EXPECT_EQ(finish(R"("length")"), api::FinishReason::kLength);
  EXPECT_EQ(finish(R"("tool_calls")"), api::FinishReason::kToolCalls);
  EXPECT_EQ(finish(R"("function_call")"), api::FinishReason::kToolCalls);
  EXPECT_EQ(finish(R"("content_filter")"), api::FinishReason::kContentFilter);
  EXPECT_EQ(finish(R"("eos")"), api::FinishReason::kStop);
  EXPECT_EQ(finish("null"), api::FinishReason::kUnset);
}

TEST(OpenAiDecode, BadBodies) {
  for (std::string_view body :
       {"", "not json", "[]", R"({"id":"c"})", R"({"id":"c","choices":[]})",
        R"({"id":"c","choices":["x"]})"}) {
    api::ChatResponse r;
    GatewayError error;
    EXPECT_FALSE(DecodeChatResponse(body, r, error)) << body;
    EXPECT_EQ(error.code, ErrorCode::kProviderBadResponse) << body;
  }
}

#define CHUNK_HEAD \
  R"(data: {"id":"chatcmpl-AZ3","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_fc9f1d7035",)"

// Text, then two parallel tool calls, as streamed with include_usage.
constexpr std::string_view kToolStream =
    CHUNK_HEAD R"("choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}

)" CHUNK_HEAD R"("choices":[{"index":0,"delta":{"content":"Let me check"},"logprobs":null,"finish_reason":null}],"usage":null}

)" CHUNK_HEAD R"("choices":[{"index":0,"delta":{"content":" both cities."},"logprobs":null,"finish_reason":null}],"usage":null}

)" CHUNK_HEAD R"("choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null}

)" CHUNK_HEAD R"("choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"location\":"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

)" CHUNK_HEAD R"("choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":" \"Paris, France\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

)" CHUNK_HEAD R"("choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_Xk2mV3nQ8pLr","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null}

)" CHUNK_HEAD R"("choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"location\": \"Bogotá, Colombia\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

)" CHUNK_HEAD R"("choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null}

)" CHUNK_HEAD R"("choices":[],"usage":{"prompt_tokens":82,"completion_tokens":51,"total_tokens":133,"prompt_tokens_details":{"cached_tokens":64,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}

data: [DONE]

)";

TEST(OpenAiStreamDecode, ToolStreamDeltas) {
  auto decoder = NewChatStreamDecoder();
  golden::StreamRun run = golden::Drive(*decoder, kToolStream, nullptr);
  EXPECT_TRUE(run.ok) << run.error.message;
  EXPECT_TRUE(run.finished);
  EXPECT_EQ(run.deltas, (std::vector<std::string>{
                            "start chatcmpl-AZ3 gpt-4o-2024-08-06",
                            "text Let me check",
                            "text  both cities.",
                            "tool_start 0 call_DdmO9pD3xa9XTPNJ32zg2hcA get_weather",
                            "tool_args 0 {\"location\":",
                            "tool_args 0  \"Paris, France\"}",
                            "tool_start 1 call_Xk2mV3nQ8pLr get_weather",
                            "tool_args 1 {\"location\": \"Bogotá, Colombia\"}",
                            "finish tool_calls",
                            "usage in=82 out=51 cached=64 created=0 reasoning=0",
                        }));
}

TEST(OpenAiStreamDecode, ToolStreamToAnthropicEvents) {
  auto decoder = NewChatStreamDecoder();
  auto encoder = api::NewAnthropicStreamEncoder({"msg_gw_7f3a", "gpt-4o", 0});
  golden::StreamRun run = golden::Drive(*decoder, kToolStream, encoder.get());
  ASSERT_TRUE(run.ok) << run.error.message;
  // Usage arrives last from OpenAI, so message_start reports zeros and message_delta all of it
  // (input_tokens without the 64 cached ones, which are cache_read_input_tokens).
  golden::ExpectSameEvents(run.client, R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_gw_7f3a","type":"message","role":"assistant","model":"gpt-4o","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me check"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" both cities."}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","name":"get_weather","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\":"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \"Paris, France\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: content_block_start
data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"call_Xk2mV3nQ8pLr","name":"get_weather","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"Bogotá, Colombia\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":2}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":18,"output_tokens":51,"cache_creation_input_tokens":0,"cache_read_input_tokens":64}}

event: message_stop
data: {"type":"message_stop"}

)");
}

// OpenAI in, OpenAI out through the unified deltas: the same chunk sequence, minus the
// provider's extra fields (system_fingerprint, logprobs, refusal, "usage": null), under our ids.
TEST(OpenAiStreamDecode, ToolStreamBackToOpenAiChunks) {
  auto decoder = NewChatStreamDecoder();
  auto encoder = api::NewOpenAiChatStreamEncoder({"chatcmpl-gw", "gpt-4o", 1741570283}, true);
  golden::StreamRun run = golden::Drive(*decoder, kToolStream, encoder.get());
  ASSERT_TRUE(run.ok) << run.error.message;
  auto delta = [](std::string_view d, std::string_view finish = "null") {
    return R"(data: {"id":"chatcmpl-gw","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o","choices":[{"index":0,"delta":)" +
           std::string(d) + R"(,"finish_reason":)" + std::string(finish) + "}]}\n\n";
  };
  golden::ExpectSameEvents(
      run.client,
      delta(R"({"role":"assistant","content":""})") + delta(R"({"content":"Let me check"})") +
          delta(R"({"content":" both cities."})") +
          delta(R"({"tool_calls":[{"index":0,"id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","type":"function","function":{"name":"get_weather","arguments":""}}]})") +
          delta(R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"location\":"}}]})") +
          delta(R"({"tool_calls":[{"index":0,"function":{"arguments":" \"Paris, France\"}"}}]})") +
          delta(R"({"tool_calls":[{"index":1,"id":"call_Xk2mV3nQ8pLr","type":"function","function":{"name":"get_weather","arguments":""}}]})") +
          delta(R"({"tool_calls":[{"index":1,"function":{"arguments":"{\"location\": \"Bogotá, Colombia\"}"}}]})") +
          delta("{}", R"("tool_calls")") +
          R"(data: {"id":"chatcmpl-gw","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":82,"completion_tokens":51,"total_tokens":133,"prompt_tokens_details":{"cached_tokens":64}}}

data: [DONE]

)");
}

// Reasoning deltas as DeepSeek and vLLM stream them (reasoning_content), then the answer.
TEST(OpenAiStreamDecode, ReasoningContentToAnthropicThinking) {
  constexpr std::string_view kStream =
      R"(data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"deepseek-reasoner","choices":[{"index":0,"delta":{"role":"assistant","content":null,"reasoning_content":""},"finish_reason":null}]}

data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"deepseek-reasoner","choices":[{"index":0,"delta":{"content":null,"reasoning_content":"9.11 < 9.8"},"finish_reason":null}]}

data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"deepseek-reasoner","choices":[{"index":0,"delta":{"content":"9.8 is larger.","reasoning_content":null},"finish_reason":null}]}

data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"deepseek-reasoner","choices":[{"index":0,"delta":{"content":""},"finish_reason":"length"}],"usage":{"prompt_tokens":13,"completion_tokens":40,"total_tokens":53,"completion_tokens_details":{"reasoning_tokens":30}}}

data: [DONE]

)";
  auto decoder = NewChatStreamDecoder();
  auto encoder = api::NewAnthropicStreamEncoder({"msg_gw", "deepseek", 0});
  golden::StreamRun run = golden::Drive(*decoder, kStream, encoder.get());
  ASSERT_TRUE(run.ok) << run.error.message;
  EXPECT_EQ(run.deltas, (std::vector<std::string>{
                            "start c1 deepseek-reasoner",
                            "thinking 9.11 < 9.8",
                            "text 9.8 is larger.",
                            "finish length",
                            "usage in=13 out=40 cached=0 created=0 reasoning=30",
                        }));
  std::vector<golden::SseEv> events = golden::ParseSse(run.client);
  std::vector<std::string> names;
  for (const auto& e : events) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"message_start", "content_block_start",
                                             "content_block_delta", "content_block_stop",
                                             "content_block_start", "content_block_delta",
                                             "content_block_stop", "message_delta",
                                             "message_stop"}));
  EXPECT_EQ(events[1].data.as_object().at("content_block"),
            json::parse(R"({"type": "thinking", "thinking": ""})"));
  EXPECT_EQ(events[7].data, json::parse(R"({"type": "message_delta",
    "delta": {"stop_reason": "max_tokens", "stop_sequence": null},
    "usage": {"input_tokens": 13, "output_tokens": 40, "cache_creation_input_tokens": 0,
              "cache_read_input_tokens": 0}})"));
}

TEST(OpenAiStreamDecode, InBandErrorChunk) {
  std::string stream = std::string(kToolStream.substr(0, kToolStream.find(CHUNK_HEAD, 10))) +
      R"(data: {"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}

)";
  auto decoder = NewChatStreamDecoder();
  auto encoder = api::NewAnthropicStreamEncoder({"msg_gw", "gpt-4o", 0});
  golden::StreamRun run = golden::Drive(*decoder, stream, encoder.get());
  ASSERT_FALSE(run.ok);
  EXPECT_EQ(run.error.code, ErrorCode::kProviderServerError);
  EXPECT_EQ(run.error.message,
            "upstream reported an error: The server had an error while processing your request. "
            "Sorry about that!");
  EXPECT_EQ(run.deltas, std::vector<std::string>{"start chatcmpl-AZ3 gpt-4o-2024-08-06"});
  EXPECT_FALSE(run.finished);
  golden::ExpectSameEvents(run.client, R"(event: error
data: {"type":"error","error":{"type":"api_error","message":"upstream reported an error: The server had an error while processing your request. Sorry about that!","details":{"error_code":"provider_server_error"}}}

)");
}

TEST(OpenAiStreamDecode, MalformedAndEmptyEvents) {
  for (std::string_view data : {"{\"id\":\"c\",\"choices\":[", "[]", "\"text\"", "data: {}"}) {
    auto decoder = NewChatStreamDecoder();
    GatewayError error;
    int deltas = 0;
    EXPECT_FALSE(decoder->OnEvent("", data, [&](const api::StreamDelta&) { ++deltas; }, error))
        << data;
    EXPECT_EQ(error.code, ErrorCode::kProviderBadResponse) << data;
    EXPECT_EQ(deltas, 0) << data;
  }
  auto decoder = NewChatStreamDecoder();
  GatewayError error;
  int deltas = 0;
  auto count = [&](const api::StreamDelta&) { ++deltas; };
  EXPECT_TRUE(decoder->OnEvent("", "", count, error));  // a comment-only event
  EXPECT_EQ(deltas, 0);
  EXPECT_FALSE(decoder->finished());
  EXPECT_TRUE(decoder->OnEvent("", "[DONE]", count, error));
  EXPECT_TRUE(decoder->finished());
  EXPECT_EQ(deltas, 0);
}

}  // namespace
}  // namespace sluice::providers::openai
