#include "providers/bedrock/converse_codec.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/golden_test_util.h"

// Golden bodies follow the Amazon Bedrock Converse / ConverseStream API reference (request syntax:
// system, messages[].content[] with text / image / toolUse / toolResult / reasoningContent /
// cachePoint, inferenceConfig, toolConfig with toolSpec and toolChoice auto / any / tool,
// additionalModelRequestFields; response: output.message.content, stopReason, usage with
// cacheReadInputTokens / cacheWriteInputTokens; stream events messageStart, contentBlockStart,
// contentBlockDelta, contentBlockStop, messageStop, metadata).

namespace sluice::providers::bedrock {
namespace {

namespace json = boost::json;
using api::Part;
using golden::Text;
using golden::Msg;
using core::ErrorCode;

// Compares JSON by value so the test does not depend on number formatting.
void ExpectJson(const std::string& body, std::string_view expected) {
  json::value got = json::parse(body);
  json::value want = json::parse(expected);
  EXPECT_EQ(got, want) << "got:  " << body << "\nwant: " << json::serialize(want);
}

TEST(BedrockConverse, EncodesAFullRequest) {
  api::ChatRequest req;
  req.model = "anthropic.claude-3-haiku-20240307-v1:0";
  Part system = Text("You are terse.");
  system.cache_control.set = true;
  req.system = {system};

  Part image;
  image.kind = Part::Kind::kImage;
  image.url = "data:image/png;base64,iVBORw0KGgo=";
  req.messages.push_back(Msg(api::Role::kUser, {Text("Weather in Paris? And this:"), image}));

  Part thinking;
  thinking.kind = Part::Kind::kThinking;
  thinking.text = "Need the tool.";
  thinking.signature = "sig==";
  Part call;
  call.kind = Part::Kind::kToolCall;
  call.id = "tooluse_1";
  call.name = "get_weather";
  call.arguments = R"({"city":"Paris"})";
  Part call2 = call;
  call2.id = "tooluse_2";
  call2.arguments = R"({"city":"Lyon"})";
  req.messages.push_back(Msg(api::Role::kAssistant, {thinking, call, call2}));

  Part result;
  result.kind = Part::Kind::kToolResult;
  result.tool_call_id = "tooluse_1";
  result.text = "18C";
  Part result2 = result;
  result2.tool_call_id = "tooluse_2";
  result2.text = "city not found";
  result2.is_error = true;
  req.messages.push_back(Msg(api::Role::kTool, {result}));
  req.messages.push_back(Msg(api::Role::kTool, {result2}));
  req.messages.push_back(Msg(api::Role::kUser, {Text("Thanks. Summarise.")}));

  api::Tool tool;
  tool.name = "get_weather";
  tool.description = "Current weather";
  tool.parameters = json::parse(R"({"type":"object","properties":{"city":{"type":"string"}}})");
  api::Tool bare;
  bare.name = "now";
  req.tools = {tool, bare};
  req.tool_choice.kind = api::ToolChoice::Kind::kAuto;
  req.max_tokens = 512;
  req.temperature = 0.5;
  req.top_p = 0.9;
  req.stop = {"END"};
  req.top_k = 40;
  req.thinking_budget = 1024;

  std::string body;
  core::GatewayError error;
  ASSERT_TRUE(EncodeConverseRequest(req, body, error)) << error.message;
  ExpectJson(body, R"({
    "system": [{"text": "You are terse."}, {"cachePoint": {"type": "default"}}],
    "messages": [
      {"role": "user", "content": [
        {"text": "Weather in Paris? And this:"},
        {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}}]},
      {"role": "assistant", "content": [
        {"reasoningContent": {"reasoningText": {"text": "Need the tool.", "signature": "sig=="}}},
        {"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {"city": "Paris"}}},
        {"toolUse": {"toolUseId": "tooluse_2", "name": "get_weather", "input": {"city": "Lyon"}}}]},
      {"role": "user", "content": [
        {"toolResult": {"toolUseId": "tooluse_1", "content": [{"text": "18C"}]}},
        {"toolResult": {"toolUseId": "tooluse_2", "content": [{"text": "city not found"}],
                        "status": "error"}},
        {"text": "Thanks. Summarise."}]}
    ],
    "inferenceConfig": {"maxTokens": 512, "temperature": 0.5, "topP": 0.9,
                        "stopSequences": ["END"]},
    "toolConfig": {
      "tools": [
        {"toolSpec": {"name": "get_weather", "description": "Current weather",
                      "inputSchema": {"json": {"type": "object",
                                               "properties": {"city": {"type": "string"}}}}}},
        {"toolSpec": {"name": "now",
                      "inputSchema": {"json": {"type": "object", "properties": {}}}}}],
      "toolChoice": {"auto": {}}},
    "additionalModelRequestFields": {"top_k": 40,
                                     "thinking": {"type": "enabled", "budget_tokens": 1024}}
  })");
}

TEST(BedrockConverse, ToolChoiceMappings) {
  api::ChatRequest req;
  req.messages.push_back(Msg(api::Role::kUser, {Text("hi")}));
  api::Tool tool;
  tool.name = "f";
  tool.cache_control.set = true;
  req.tools = {tool};
  std::string body;
  core::GatewayError error;

  req.tool_choice.kind = api::ToolChoice::Kind::kRequired;
  ASSERT_TRUE(EncodeConverseRequest(req, body, error));
  json::value v = json::parse(body);
  EXPECT_EQ(v.at("toolConfig").at("toolChoice"), json::parse(R"({"any":{}})"));
  EXPECT_EQ(v.at("toolConfig").at("tools").at(1),
            json::parse(R"({"cachePoint":{"type":"default"}})"));

  req.tool_choice = {api::ToolChoice::Kind::kNamed, "f"};
  ASSERT_TRUE(EncodeConverseRequest(req, body, error));
  EXPECT_EQ(json::parse(body).at("toolConfig").at("toolChoice"),
            json::parse(R"({"tool":{"name":"f"}})"));

  req.tool_choice.kind = api::ToolChoice::Kind::kUnset;
  ASSERT_TRUE(EncodeConverseRequest(req, body, error));
  EXPECT_FALSE(json::parse(body).at("toolConfig").as_object().contains("toolChoice"));

  // "none": the tools are not offered at all.
  req.tool_choice.kind = api::ToolChoice::Kind::kNone;
  ASSERT_TRUE(EncodeConverseRequest(req, body, error));
  ExpectJson(body, R"({"messages":[{"role":"user","content":[{"text":"hi"}]}]})");
}

core::GatewayError EncodeError(const api::ChatRequest& req) {
  std::string body;
  core::GatewayError error;
  EXPECT_FALSE(EncodeConverseRequest(req, body, error));
  return error;
}

TEST(BedrockConverse, RejectsWhatConverseCannotExpressNamingTheField) {
  api::ChatRequest base;
  base.messages.push_back(Msg(api::Role::kUser, {Text("hi")}));
  struct Case {
    void (*set)(api::ChatRequest&);
    const char* param;
  };
  const Case cases[] = {
      {[](api::ChatRequest& r) { r.presence_penalty = 0.1; }, "presence_penalty"},
      {[](api::ChatRequest& r) { r.frequency_penalty = 0.1; }, "frequency_penalty"},
      {[](api::ChatRequest& r) { r.seed = 7; }, "seed"},
      {[](api::ChatRequest& r) { r.response_format.kind = api::ResponseFormat::Kind::kJsonObject; },
       "response_format"},
      {[](api::ChatRequest& r) { r.reasoning_effort = "low"; }, "reasoning_effort"},
      {[](api::ChatRequest& r) { r.parallel_tool_calls = false; }, "parallel_tool_calls"},
  };
  for (const Case& c : cases) {
    api::ChatRequest req = base;
    c.set(req);
    core::GatewayError error = EncodeError(req);
    EXPECT_EQ(error.code, ErrorCode::kCallerUnsupportedFeature) << c.param;
    EXPECT_EQ(error.param, c.param);
  }
  // These pass: the default text format and parallel calls allowed.
  api::ChatRequest ok = base;
  ok.response_format.kind = api::ResponseFormat::Kind::kText;
  ok.parallel_tool_calls = true;
  std::string body;
  core::GatewayError error;
  EXPECT_TRUE(EncodeConverseRequest(ok, body, error));
}

TEST(BedrockConverse, RejectsBadPartsNamingTheField) {
  api::ChatRequest req;
  req.messages.push_back(Msg(api::Role::kUser, {Text("a")}));
  req.messages.push_back(Msg(api::Role::kAssistant, {Text("b")}));
  Part image;
  image.kind = Part::Kind::kImage;
  image.url = "https://example.com/cat.png";
  req.messages.push_back(Msg(api::Role::kUser, {Text("look"), image}));
  core::GatewayError error = EncodeError(req);
  EXPECT_EQ(error.code, ErrorCode::kCallerUnsupportedFeature);
  EXPECT_EQ(error.param, "messages[2].content[1].image_url");

  req.messages[2].parts[1].url = "data:image/tiff;base64,AAAA";
  error = EncodeError(req);
  EXPECT_EQ(error.code, ErrorCode::kCallerUnsupportedFeature);
  EXPECT_EQ(error.param, "messages[2].content[1].image_url");

  req.messages[2].parts[1].url.clear();
  req.messages[2].parts[1].media_type = "image/jpeg";
  req.messages[2].parts[1].data = "/9j/";
  std::string body;
  ASSERT_TRUE(EncodeConverseRequest(req, body, error));
  EXPECT_EQ(json::parse(body).at("messages").at(2).at("content").at(1),
            json::parse(R"({"image":{"format":"jpeg","source":{"bytes":"/9j/"}}})"));

  Part call;
  call.kind = Part::Kind::kToolCall;
  call.id = "t";
  call.name = "f";
  call.arguments = "[1,2]";
  req.messages[1].parts.push_back(call);
  error = EncodeError(req);
  EXPECT_EQ(error.code, ErrorCode::kCallerInvalidRequest);
  EXPECT_EQ(error.param, "messages[1].content[1].arguments");

  // tool_choice none while the history holds tool calls: Bedrock would need the toolConfig.
  req.messages[1].parts[1].arguments = "{}";
  req.messages[2].parts.pop_back();
  req.tool_choice.kind = api::ToolChoice::Kind::kNone;
  error = EncodeError(req);
  EXPECT_EQ(error.code, ErrorCode::kCallerUnsupportedFeature);
  EXPECT_EQ(error.param, "tool_choice");

  api::ChatRequest ttl;
  ttl.messages.push_back(Msg(api::Role::kUser, {Text("x")}));
  ttl.messages[0].parts[0].cache_control = {true, "1h"};
  error = EncodeError(ttl);
  EXPECT_EQ(error.code, ErrorCode::kCallerUnsupportedFeature);
  EXPECT_EQ(error.param, "messages[0].content[0].cache_control.ttl");
}

TEST(BedrockConverse, RedactedThinkingAndEmptyArguments) {
  api::ChatRequest req;
  req.messages.push_back(Msg(api::Role::kUser, {Text("q")}));
  Part redacted;
  redacted.kind = Part::Kind::kRedactedThinking;
  redacted.text = "EncryptedBlob==";
  Part call;
  call.kind = Part::Kind::kToolCall;
  call.id = "t1";
  call.name = "now";
  req.messages.push_back(Msg(api::Role::kAssistant, {redacted, call, Text("")}));
  std::string body;
  core::GatewayError error;
  ASSERT_TRUE(EncodeConverseRequest(req, body, error)) << error.message;
  EXPECT_EQ(json::parse(body).at("messages").at(1), json::parse(R"({"role":"assistant","content":[
              {"reasoningContent":{"redactedContent":"EncryptedBlob=="}},
              {"toolUse":{"toolUseId":"t1","name":"now","input":{}}}]})"));
}

TEST(BedrockConverse, DecodesTextResponseWithCacheUsage) {
  api::ChatResponse out;
  core::GatewayError error;
  ASSERT_TRUE(DecodeConverseResponse(R"({
    "output": {"message": {"role": "assistant", "content": [{"text": "Hello!"}]}},
    "stopReason": "end_turn",
    "usage": {"inputTokens": 10, "outputTokens": 4, "totalTokens": 1214,
              "cacheReadInputTokens": 1000, "cacheWriteInputTokens": 200},
    "metrics": {"latencyMs": 321}
  })",
                                     out, error))
      << error.message;
  ASSERT_EQ(out.content.size(), 1u);
  EXPECT_EQ(out.content[0].kind, Part::Kind::kText);
  EXPECT_EQ(out.content[0].text, "Hello!");
  EXPECT_EQ(out.finish, api::FinishReason::kStop);
  ASSERT_TRUE(out.has_usage);
  EXPECT_EQ(out.usage.input, 1210u);  // 10 uncached + 1000 read + 200 written
  EXPECT_EQ(out.usage.cached_input, 1000u);
  EXPECT_EQ(out.usage.cache_creation_input, 200u);
  EXPECT_EQ(out.usage.output, 4u);
}

TEST(BedrockConverse, DecodesToolUseAndReasoning) {
  api::ChatResponse out;
  core::GatewayError error;
  ASSERT_TRUE(DecodeConverseResponse(R"({
    "output": {"message": {"role": "assistant", "content": [
      {"reasoningContent": {"reasoningText": {"text": "Think.", "signature": "abc"}}},
      {"reasoningContent": {"redactedContent": "UmVkYWN0ZWQ="}},
      {"text": "Checking."},
      {"toolUse": {"toolUseId": "tooluse_x", "name": "get_weather",
                   "input": {"city": "Paris", "days": 2}}}]}},
    "stopReason": "tool_use",
    "usage": {"inputTokens": 30, "outputTokens": 20, "totalTokens": 50}
  })",
                                     out, error))
      << error.message;
  ASSERT_EQ(out.content.size(), 4u);
  EXPECT_EQ(out.content[0].kind, Part::Kind::kThinking);
  EXPECT_EQ(out.content[0].text, "Think.");
  EXPECT_EQ(out.content[0].signature, "abc");
  EXPECT_EQ(out.content[1].kind, Part::Kind::kRedactedThinking);
  EXPECT_EQ(out.content[1].text, "UmVkYWN0ZWQ=");
  EXPECT_EQ(out.content[2].text, "Checking.");
  EXPECT_EQ(out.content[3].kind, Part::Kind::kToolCall);
  EXPECT_EQ(out.content[3].id, "tooluse_x");
  EXPECT_EQ(out.content[3].name, "get_weather");
  EXPECT_EQ(json::parse(out.content[3].arguments), json::parse(R"({"city":"Paris","days":2})"));
  EXPECT_EQ(out.finish, api::FinishReason::kToolCalls);
  EXPECT_EQ(out.usage.input, 30u);
  EXPECT_EQ(out.usage.cached_input, 0u);
}

TEST(BedrockConverse, StopReasonsAndStopSequence) {
  const std::pair<const char*, api::FinishReason> cases[] = {
      {"end_turn", api::FinishReason::kStop},
      {"tool_use", api::FinishReason::kToolCalls},
      {"max_tokens", api::FinishReason::kLength},
      {"stop_sequence", api::FinishReason::kStopSequence},
      {"content_filtered", api::FinishReason::kContentFilter},
      {"guardrail_intervened", api::FinishReason::kContentFilter},
  };
  for (const auto& [reason, finish] : cases) {
    api::ChatResponse out;
    core::GatewayError error;
    std::string body = std::string(R"({"output":{"message":{"role":"assistant","content":[]}},)") +
                       R"("stopReason":")" + reason +
                       R"(","additionalModelResponseFields":{"stop_sequence":"END"}})";
    ASSERT_TRUE(DecodeConverseResponse(body, out, error)) << reason;
    EXPECT_EQ(out.finish, finish) << reason;
    EXPECT_EQ(out.stop_sequence, "END");
    EXPECT_FALSE(out.has_usage);
  }
}

TEST(BedrockConverse, MalformedResponsesAreBadResponses) {
  const char* bodies[] = {
      "not json",
      "[]",
      R"({"output":{}})",
      R"({"output":{"message":{"content":"text"}}})",
      R"({"output":{"message":{"content":[1]}}})",
      R"({"output":{"message":{"content":[{"toolUse":{"name":"f"}}]}}})",
      R"({"output":{"message":{"content":[{"reasoningContent":{}}]}}})",
  };
  for (const char* body : bodies) {
    api::ChatResponse out;
    core::GatewayError error;
    EXPECT_FALSE(DecodeConverseResponse(body, out, error)) << body;
    EXPECT_EQ(error.code, ErrorCode::kProviderBadResponse) << body;
  }
}

// A recorded delta, with its views copied.
struct Seen {
  api::StreamDelta::Kind kind;
  std::string text, id, name;
  int index;
  api::FinishReason finish;
  core::TokenUsage usage;
};

TEST(BedrockConverseStream, DecodesTextThenToolUse) {
  const std::pair<const char*, const char*> events[] = {
      {"messageStart", R"({"role":"assistant"})"},
      {"contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"Let me "}})"},
      {"contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"check."}})"},
      {"contentBlockStop", R"({"contentBlockIndex":0})"},
      {"contentBlockStart",
       R"({"contentBlockIndex":1,"start":{"toolUse":)"
       R"({"toolUseId":"tooluse_abc","name":"get_weather"}}})"},
      {"contentBlockDelta",
       R"({"contentBlockIndex":1,"delta":{"toolUse":{"input":"{\"city\":"}}})"},
      {"contentBlockDelta",
       R"({"contentBlockIndex":1,"delta":{"toolUse":{"input":"\"Paris\"}"}}})"},
      {"contentBlockStop", R"({"contentBlockIndex":1})"},
      {"messageStop", R"({"stopReason":"tool_use"})"},
      {"metadata",
       R"({"usage":{"inputTokens":12,"outputTokens":30,"totalTokens":62,)"
       R"("cacheReadInputTokens":20},"metrics":{"latencyMs":900}})"},
  };
  ConverseStreamDecoder decoder;
  std::vector<Seen> seen;
  DeltaSink sink = [&](const api::StreamDelta& d) {
    seen.push_back({d.kind, std::string(d.text), std::string(d.id), std::string(d.name), d.index,
                    d.finish, d.usage});
  };
  for (const auto& [name, data] : events) {
    core::GatewayError error;
    ASSERT_TRUE(decoder.OnEvent(name, data, sink, error)) << name << ": " << error.message;
    EXPECT_EQ(decoder.finished(),
              std::string_view(name) == "messageStop" || std::string_view(name) == "metadata");
  }
  using K = api::StreamDelta::Kind;
  ASSERT_EQ(seen.size(), 8u);
  EXPECT_EQ(seen[0].kind, K::kStart);
  EXPECT_EQ(seen[1].kind, K::kText);
  EXPECT_EQ(seen[1].text, "Let me ");
  EXPECT_EQ(seen[2].text, "check.");
  EXPECT_EQ(seen[3].kind, K::kToolCallStart);
  EXPECT_EQ(seen[3].index, 0);  // first tool call, though content block 1
  EXPECT_EQ(seen[3].id, "tooluse_abc");
  EXPECT_EQ(seen[3].name, "get_weather");
  EXPECT_EQ(seen[4].kind, K::kToolCallArgs);
  EXPECT_EQ(seen[4].index, 0);
  EXPECT_EQ(seen[4].text, R"({"city":)");
  EXPECT_EQ(seen[5].text, R"("Paris"})");
  EXPECT_EQ(seen[6].kind, K::kFinish);
  EXPECT_EQ(seen[6].finish, api::FinishReason::kToolCalls);
  EXPECT_EQ(seen[7].kind, K::kUsage);
  EXPECT_EQ(seen[7].usage.input, 32u);
  EXPECT_EQ(seen[7].usage.cached_input, 20u);
  EXPECT_EQ(seen[7].usage.output, 30u);
}

TEST(BedrockConverseStream, ReasoningDeltasAndSecondToolIndex) {
  ConverseStreamDecoder decoder;
  std::vector<Seen> seen;
  DeltaSink sink = [&](const api::StreamDelta& d) {
    seen.push_back({d.kind, std::string(d.text), std::string(d.id), std::string(d.name), d.index,
                    d.finish, d.usage});
  };
  core::GatewayError error;
  ASSERT_TRUE(decoder.OnEvent(
      "contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"Hmm"}}})",
      sink, error));
  ASSERT_TRUE(decoder.OnEvent(
      "contentBlockDelta",
      R"({"contentBlockIndex":0,"delta":{"reasoningContent":{"signature":"SIG"}}})", sink, error));
  ASSERT_TRUE(decoder.OnEvent(
      "contentBlockStart",
      R"({"contentBlockIndex":1,"start":{"toolUse":{"toolUseId":"a","name":"f"}}})", sink, error));
  ASSERT_TRUE(decoder.OnEvent(
      "contentBlockStart",
      R"({"contentBlockIndex":2,"start":{"toolUse":{"toolUseId":"b","name":"g"}}})", sink, error));
  ASSERT_TRUE(decoder.OnEvent("contentBlockDelta",
                              R"({"contentBlockIndex":2,"delta":{"toolUse":{"input":"{}"}}})", sink,
                              error));
  ASSERT_TRUE(decoder.OnEvent("someFutureEvent", "whatever", sink, error));
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].kind, api::StreamDelta::Kind::kThinking);
  EXPECT_EQ(seen[0].text, "Hmm");
  EXPECT_EQ(seen[1].kind, api::StreamDelta::Kind::kThinkingSignature);
  EXPECT_EQ(seen[1].text, "SIG");
  EXPECT_EQ(seen[3].index, 1);
  EXPECT_EQ(seen[4].kind, api::StreamDelta::Kind::kToolCallArgs);
  EXPECT_EQ(seen[4].index, 1);
  EXPECT_FALSE(decoder.finished());
}

TEST(BedrockConverseStream, ExceptionsMapToGatewayErrors) {
  const std::pair<const char*, ErrorCode> cases[] = {
      {"throttlingException", ErrorCode::kProviderRateLimited},
      {"serviceUnavailableException", ErrorCode::kProviderOverloaded},
      {"validationException", ErrorCode::kProviderInvalidRequest},
      {"modelStreamErrorException", ErrorCode::kProviderServerError},
      {"internalServerException", ErrorCode::kProviderServerError},
  };
  for (const auto& [name, code] : cases) {
    ConverseStreamDecoder decoder;
    core::GatewayError error;
    int deltas = 0;
    EXPECT_FALSE(decoder.OnEvent(
        name, R"({"message":"Too many requests, slow down."})",
        [&](const api::StreamDelta&) { ++deltas; }, error));
    EXPECT_EQ(error.code, code) << name;
    EXPECT_EQ(error.message, std::string(name) + ": Too many requests, slow down.");
    EXPECT_EQ(deltas, 0);
  }
  core::GatewayError error = ConverseExceptionError("throttlingException", "not json");
  EXPECT_EQ(error.code, ErrorCode::kProviderRateLimited);
  EXPECT_EQ(error.message, "throttlingException");
}

TEST(BedrockConverseStream, MalformedPayloadsAreBadResponses) {
  const std::pair<const char*, const char*> cases[] = {
      {"contentBlockDelta", R"({"delta":{"text":"x")"},
      {"messageStart", "[]"},
      {"contentBlockDelta", R"({"contentBlockIndex":0})"},
      {"contentBlockDelta", R"({"contentBlockIndex":5,"delta":{"toolUse":{"input":"{"}}})"},
      {"contentBlockStart", R"({"contentBlockIndex":0,"start":{"toolUse":{"name":"f"}}})"},
      {"messageStop", R"({})"},
  };
  for (const auto& [name, data] : cases) {
    ConverseStreamDecoder decoder;
    core::GatewayError error;
    EXPECT_FALSE(decoder.OnEvent(
        name, data, [](const api::StreamDelta&) {}, error))
        << data;
    EXPECT_EQ(error.code, ErrorCode::kProviderBadResponse) << data;
  }
}

}  // namespace
}  // namespace sluice::providers::bedrock
