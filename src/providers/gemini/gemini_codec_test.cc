#include "providers/gemini/gemini_codec.h"
#include "api/golden_test_util.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace sluice::providers::gemini {
namespace {

namespace json = boost::json;
using api::Part;
using golden::Text;
using golden::ToolCall;
using golden::ToolResult;
using golden::Msg;
using core::ErrorCode;

api::ChatRequest Simple() {
  api::ChatRequest req;
  req.model = "gemini-2.5-flash";
  req.messages.push_back(Msg(api::Role::kUser, {Text("hi")}));
  return req;
}

// Encodes and compares as JSON values (number formatting and key spacing do not matter).
void ExpectBody(const api::ChatRequest& req, std::string_view expected) {
  std::string body;
  core::GatewayError error;
  ASSERT_TRUE(EncodeGeminiRequest(req, body, error)) << error.message;
  EXPECT_EQ(json::parse(body), json::parse(expected)) << body;
}

void ExpectRejected(const api::ChatRequest& req, ErrorCode code, std::string_view param) {
  std::string body;
  core::GatewayError error;
  EXPECT_FALSE(EncodeGeminiRequest(req, body, error));
  EXPECT_EQ(error.code, code) << error.message;
  EXPECT_EQ(error.param, param) << error.message;
}

TEST(GeminiEncode, FullConversation) {
  api::ChatRequest req;
  req.model = "gemini-2.5-pro";
  req.system = {Text("Be terse."), Text("Use metric units.")};
  Part image;
  image.kind = Part::Kind::kImage;
  image.url = "data:image/png;base64,iVBORw0KGgo=";
  Part remote;
  remote.kind = Part::Kind::kImage;
  remote.url = "https://example.com/photos/cat.JPG?size=large";
  Part thinking;
  thinking.kind = Part::Kind::kThinking;
  thinking.text = "The user wants weather.";
  thinking.signature = "sig-thought";
  req.messages = {
      Msg(api::Role::kUser, {Text("What is in this picture?"), image, remote}),
      Msg(api::Role::kAssistant, {Text("A cat.")}),
      Msg(api::Role::kUser, {Text("Weather in Paris and Oslo?")}),
      Msg(api::Role::kAssistant,
          {thinking, ToolCall("call_a", "get_weather", R"({"city":"Paris"})", "sig-call"),
           ToolCall("call_b", "get_weather", R"({"city":"Oslo"})")}),
      Msg(api::Role::kTool, {ToolResult("call_a", R"({"temp_c":21})")}),
      Msg(api::Role::kTool, {ToolResult("call_b", "service down", /*is_error=*/true)}),
      Msg(api::Role::kUser, {Text("Thanks")}),
  };
  api::Tool tool;
  tool.name = "get_weather";
  tool.description = "Current weather for a city";
  tool.parameters = json::parse(
      R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"],)"
      R"("additionalProperties":false})");
  req.tools.push_back(tool);
  req.tool_choice.kind = api::ToolChoice::Kind::kAuto;
  req.max_tokens = 1024;
  req.temperature = 0.7;
  req.top_p = 0.9;
  req.top_k = 40;
  req.stop = {"END", "STOP"};
  req.presence_penalty = 0.5;
  req.frequency_penalty = 0.25;
  req.seed = 42;
  req.response_format.kind = api::ResponseFormat::Kind::kJsonSchema;
  req.response_format.name = "answer";
  req.response_format.schema =
      json::parse(R"({"type":"object","properties":{"answer":{"type":"string"}}})");
  req.thinking_budget = 2048;
  ExpectBody(req, R"({
    "contents": [
      {"role": "user", "parts": [
        {"text": "What is in this picture?"},
        {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
        {"fileData": {"mimeType": "image/jpeg",
                      "fileUri": "https://example.com/photos/cat.JPG?size=large"}}]},
      {"role": "model", "parts": [{"text": "A cat."}]},
      {"role": "user", "parts": [{"text": "Weather in Paris and Oslo?"}]},
      {"role": "model", "parts": [
        {"text": "The user wants weather.", "thought": true, "thoughtSignature": "sig-thought"},
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
         "thoughtSignature": "sig-call"},
        {"functionCall": {"name": "get_weather", "args": {"city": "Oslo"}}}]},
      {"role": "user", "parts": [
        {"functionResponse": {"name": "get_weather", "response": {"output": {"temp_c": 21}}}},
        {"functionResponse": {"name": "get_weather", "response": {"error": "service down"}}},
        {"text": "Thanks"}]}
    ],
    "systemInstruction": {"parts": [{"text": "Be terse."}, {"text": "Use metric units."}]},
    "tools": [{"functionDeclarations": [{
      "name": "get_weather", "description": "Current weather for a city",
      "parametersJsonSchema": {"type": "object", "properties": {"city": {"type": "string"}},
                               "required": ["city"], "additionalProperties": false}}]}],
    "toolConfig": {"functionCallingConfig": {"mode": "AUTO"}},
    "generationConfig": {
      "maxOutputTokens": 1024, "temperature": 0.7, "topP": 0.9, "topK": 40,
      "stopSequences": ["END", "STOP"], "presencePenalty": 0.5, "frequencyPenalty": 0.25,
      "seed": 42, "responseMimeType": "application/json",
      "responseJsonSchema": {"type": "object", "properties": {"answer": {"type": "string"}}},
      "thinkingConfig": {"thinkingBudget": 2048, "includeThoughts": true}}
  })");
}

TEST(GeminiEncode, ToolChoiceAndFormats) {
  api::ChatRequest req = Simple();
  req.tool_choice.kind = api::ToolChoice::Kind::kNamed;
  req.tool_choice.name = "lookup";
  req.response_format.kind = api::ResponseFormat::Kind::kJsonObject;
  req.reasoning_effort = "low";
  ExpectBody(req, R"({
    "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
    "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["lookup"]}},
    "generationConfig": {"responseMimeType": "application/json",
                         "thinkingConfig": {"thinkingLevel": "LOW", "includeThoughts": true}}
  })");
  req = Simple();
  req.tool_choice.kind = api::ToolChoice::Kind::kRequired;
  req.parallel_tool_calls = true;
  ExpectBody(req, R"({"contents": [{"role": "user", "parts": [{"text": "hi"}]}],
                      "toolConfig": {"functionCallingConfig": {"mode": "ANY"}}})");
  req.tool_choice.kind = api::ToolChoice::Kind::kNone;
  ExpectBody(req, R"({"contents": [{"role": "user", "parts": [{"text": "hi"}]}],
                      "toolConfig": {"functionCallingConfig": {"mode": "NONE"}}})");
}

TEST(GeminiEncode, MediaTypeDataAndEmptyArgumentsAndCacheHints) {
  api::ChatRequest req;
  Part image;
  image.kind = Part::Kind::kImage;
  image.media_type = "image/webp";
  image.data = "UklGRg==";
  image.cache_control.set = true;  // a cache hint Gemini cannot honour: dropped (documented)
  Part text = Text("look");
  text.cache_control.set = true;
  req.messages = {Msg(api::Role::kUser, {text, image}),
                  Msg(api::Role::kAssistant, {ToolCall("c1", "now", "")}),
                  Msg(api::Role::kTool, {ToolResult("c1", "[1,2]")})};
  ExpectBody(req, R"({"contents": [
    {"role": "user", "parts": [{"text": "look"},
                               {"inlineData": {"mimeType": "image/webp", "data": "UklGRg=="}}]},
    {"role": "model", "parts": [{"functionCall": {"name": "now", "args": {}}}]},
    {"role": "user", "parts": [{"functionResponse": {"name": "now",
                                                     "response": {"output": "[1,2]"}}}]}]})");
}

TEST(GeminiEncode, ImageUrls) {
  api::ChatRequest req;
  Part image;
  image.kind = Part::Kind::kImage;
  image.url = "data:image/jpeg;name=x.jpg;base64,/9j/";
  Part gcs = image;
  gcs.url = "gs://bucket/dir/photo.webp";
  Part typed = image;
  typed.url = "https://example.com/render?id=7";
  typed.media_type = "image/png";  // the caller said what it is: no guessing needed
  req.messages = {Msg(api::Role::kUser, {image, gcs, typed})};
  ExpectBody(req, R"({"contents": [{"role": "user", "parts": [
    {"inlineData": {"mimeType": "image/jpeg", "data": "/9j/"}},
    {"fileData": {"mimeType": "image/webp", "fileUri": "gs://bucket/dir/photo.webp"}},
    {"fileData": {"mimeType": "image/png", "fileUri": "https://example.com/render?id=7"}}]}]})");
}

TEST(GeminiEncode, ToolResultMatchesTheLatestCallWithThatId) {
  api::ChatRequest req;
  req.messages = {Msg(api::Role::kUser, {Text("a")}),
                  Msg(api::Role::kAssistant, {ToolCall("call_0", "first", "{}")}),
                  Msg(api::Role::kTool, {ToolResult("call_0", "1")}),
                  Msg(api::Role::kAssistant, {ToolCall("call_0", "second", "{}")}),
                  Msg(api::Role::kTool, {ToolResult("call_0", "2")})};
  std::string body;
  core::GatewayError error;
  ASSERT_TRUE(EncodeGeminiRequest(req, body, error));
  json::value v = json::parse(body);
  EXPECT_EQ(v.at_pointer("/contents/4/parts/0/functionResponse/name"), "second");
  EXPECT_EQ(v.at_pointer("/contents/2/parts/0/functionResponse/name"), "first");
}

TEST(GeminiEncode, RejectionsNameTheirField) {
  using K = Part::Kind;
  api::ChatRequest req = Simple();
  req.parallel_tool_calls = false;
  ExpectRejected(req, ErrorCode::kCallerUnsupportedFeature, "parallel_tool_calls");

  req = Simple();
  req.user = "u-1";
  ExpectRejected(req, ErrorCode::kCallerUnsupportedFeature, "user");

  req = Simple();
  req.reasoning_effort = "extreme";
  ExpectRejected(req, ErrorCode::kCallerUnsupportedFeature, "reasoning_effort");

  req = Simple();
  req.reasoning_effort = "high";
  req.thinking_budget = 100;
  ExpectRejected(req, ErrorCode::kCallerUnsupportedFeature, "reasoning_effort");

  req = Simple();
  Part image;
  image.kind = K::kImage;
  image.url = "https://example.com/render?id=7";
  req.messages[0].parts.push_back(image);
  ExpectRejected(req, ErrorCode::kCallerUnsupportedFeature, "messages[0].content[1].url");
  req.messages[0].parts[1].url = "ftp://example.com/a.png";
  ExpectRejected(req, ErrorCode::kCallerUnsupportedFeature, "messages[0].content[1].url");
  req.messages[0].parts[1].url = "https://images.example.png";  // the host is no extension
  ExpectRejected(req, ErrorCode::kCallerUnsupportedFeature, "messages[0].content[1].url");
  req.messages[0].parts[1].url = "https://example.com/a.png/render";
  ExpectRejected(req, ErrorCode::kCallerUnsupportedFeature, "messages[0].content[1].url");
  for (const char* bad :
       {"data:image/png,rawbytes", "data:;base64,AAAA", "data:image/png;base64"}) {
    req.messages[0].parts[1].url = bad;
    ExpectRejected(req, ErrorCode::kCallerInvalidRequest, "messages[0].content[1].url");
  }

  req = Simple();
  Part redacted;
  redacted.kind = K::kRedactedThinking;
  redacted.text = "opaque";
  req.messages.push_back(Msg(api::Role::kAssistant, {redacted}));
  ExpectRejected(req, ErrorCode::kCallerUnsupportedFeature, "messages[1].content[0]");

  req = Simple();
  req.messages.push_back(Msg(api::Role::kTool, {ToolResult("nope", "x")}));
  ExpectRejected(req, ErrorCode::kCallerInvalidRequest, "messages[1].content[0].tool_call_id");

  req = Simple();
  req.messages.push_back(Msg(api::Role::kAssistant, {ToolCall("c", "f", "[1]")}));
  ExpectRejected(req, ErrorCode::kCallerInvalidRequest, "messages[1].content[0].arguments");

  req = Simple();
  Part system_image;
  system_image.kind = K::kImage;
  system_image.url = "https://example.com/a.png";
  req.system.push_back(system_image);
  ExpectRejected(req, ErrorCode::kCallerUnsupportedFeature, "system[0]");

  req = Simple();
  req.tools.push_back(api::Tool{"t", "", json::value("not a schema"), {}});
  ExpectRejected(req, ErrorCode::kCallerInvalidRequest, "tools[0].parameters");

  req = Simple();
  req.response_format.kind = api::ResponseFormat::Kind::kJsonSchema;
  ExpectRejected(req, ErrorCode::kCallerInvalidRequest, "response_format.json_schema.schema");

  api::ChatRequest empty;
  ExpectRejected(empty, ErrorCode::kCallerInvalidRequest, "messages");
}

// ---- responses -------------------------------------------------------------------------------

TEST(GeminiDecode, TextThoughtsAndUsage) {
  api::ChatResponse out;
  core::GatewayError error;
  ASSERT_TRUE(DecodeGeminiResponse(R"({
    "candidates": [{"content": {"role": "model", "parts": [
        {"text": "Considering the question.", "thought": true},
        {"text": "Paris is the capital.", "thoughtSignature": "c2ln"}]},
      "finishReason": "STOP", "index": 0}],
    "usageMetadata": {"promptTokenCount": 120, "candidatesTokenCount": 8,
                      "thoughtsTokenCount": 30, "cachedContentTokenCount": 100,
                      "totalTokenCount": 158},
    "modelVersion": "gemini-2.5-flash", "responseId": "resp-1"})",
                                   out, error))
      << error.message;
  EXPECT_EQ(out.id, "resp-1");
  EXPECT_EQ(out.model, "gemini-2.5-flash");
  ASSERT_EQ(out.content.size(), 2u);
  EXPECT_EQ(out.content[0].kind, Part::Kind::kThinking);
  EXPECT_EQ(out.content[0].text, "Considering the question.");
  EXPECT_EQ(out.content[1].kind, Part::Kind::kText);
  EXPECT_EQ(out.content[1].text, "Paris is the capital.");
  EXPECT_EQ(out.content[1].signature, "c2ln");
  EXPECT_EQ(out.finish, api::FinishReason::kStop);
  ASSERT_TRUE(out.has_usage);
  EXPECT_EQ(out.usage.input, 120u);
  EXPECT_EQ(out.usage.output, 38u);  // candidates + thoughts
  EXPECT_EQ(out.usage.reasoning, 30u);
  EXPECT_EQ(out.usage.cached_input, 100u);
}

TEST(GeminiDecode, FunctionCalls) {
  api::ChatResponse out;
  core::GatewayError error;
  ASSERT_TRUE(DecodeGeminiResponse(R"({"candidates": [{"content": {"role": "model", "parts": [
      {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
       "thoughtSignature": "sig1"},
      {"functionCall": {"name": "get_time", "id": "fc-9"}}]},
    "finishReason": "STOP"}]})",
                                   out, error))
      << error.message;
  ASSERT_EQ(out.content.size(), 2u);
  EXPECT_EQ(out.content[0].kind, Part::Kind::kToolCall);
  EXPECT_EQ(out.content[0].id, "call_0");
  EXPECT_EQ(out.content[0].name, "get_weather");
  EXPECT_EQ(json::parse(out.content[0].arguments), json::parse(R"({"city":"Paris"})"));
  EXPECT_EQ(out.content[0].signature, "sig1");
  EXPECT_EQ(out.content[1].id, "fc-9");
  EXPECT_EQ(out.content[1].arguments, "{}");
  EXPECT_EQ(out.finish, api::FinishReason::kToolCalls);
  EXPECT_FALSE(out.has_usage);
}

TEST(GeminiDecode, FinishReasons) {
  auto finish = [](std::string_view reason) {
    api::ChatResponse out;
    core::GatewayError error;
    std::string body = R"({"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":")" +
                       std::string(reason) + R"("}]})";
    EXPECT_TRUE(DecodeGeminiResponse(body, out, error)) << error.message;
    return out.finish;
  };
  EXPECT_EQ(finish("MAX_TOKENS"), api::FinishReason::kLength);
  for (auto r : {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"})
    EXPECT_EQ(finish(r), api::FinishReason::kContentFilter) << r;
  EXPECT_EQ(finish("OTHER"), api::FinishReason::kStop);
}

TEST(GeminiDecode, SafetyBlocks) {
  api::ChatResponse out;
  core::GatewayError error;
  ASSERT_TRUE(DecodeGeminiResponse(
      R"({"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": []},
          "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9}})",
      out, error));
  EXPECT_EQ(out.finish, api::FinishReason::kContentFilter);
  EXPECT_TRUE(out.content.empty());
  EXPECT_EQ(out.usage.input, 9u);
  // A candidate stopped for safety carries no content at all.
  ASSERT_TRUE(DecodeGeminiResponse(R"({"candidates": [{"finishReason": "SAFETY"}]})", out, error));
  EXPECT_EQ(out.finish, api::FinishReason::kContentFilter);
  EXPECT_TRUE(out.content.empty());
}

TEST(GeminiDecode, MalformedAndErrors) {
  api::ChatResponse out;
  core::GatewayError error;
  for (std::string_view bad :
       {"", "nope", "[]", "{}", R"({"candidates": {}})", R"({"candidates": [7]})",
        R"({"candidates": [{"content": {"parts": {}}}]})",
        R"({"candidates": [{"content": {"parts": [{"text": 5}]}}]})",
        R"({"candidates": [{"content": {"parts": [{"functionCall": {"args": {}}}]}}]})",
        R"({"candidates": [{"content": {"parts": [{"functionCall": {"name": "f", "args": 3}}]}}]})",
       }) {
    EXPECT_FALSE(DecodeGeminiResponse(bad, out, error)) << bad;
    EXPECT_EQ(error.code, ErrorCode::kProviderBadResponse) << bad;
  }
  EXPECT_FALSE(DecodeGeminiResponse(
      R"({"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}})",
      out, error));
  EXPECT_EQ(error.code, ErrorCode::kProviderRateLimited);
  EXPECT_NE(error.message.find("Quota exceeded"), std::string::npos);
}

// ---- stream ----------------------------------------------------------------------------------

std::string Describe(const api::StreamDelta& d) {
  using K = api::StreamDelta::Kind;
  switch (d.kind) {
    case K::kStart: return "start id=" + std::string(d.id) + " model=" + std::string(d.model);
    case K::kText: return "text " + std::string(d.text);
    case K::kThinking: return "thinking " + std::string(d.text);
    case K::kThinkingSignature: return "signature " + std::string(d.text);
    case K::kToolCallStart:
      return "tool_start " + std::to_string(d.index) + " " + std::string(d.id) + " " +
             std::string(d.name);
    case K::kToolCallArgs:
      return "tool_args " + std::to_string(d.index) + " " + std::string(d.text);
    case K::kFinish: return "finish " + std::to_string(static_cast<int>(d.finish));
    case K::kUsage:
      return "usage in=" + std::to_string(d.usage.input) + " out=" +
             std::to_string(d.usage.output) + " reasoning=" + std::to_string(d.usage.reasoning) +
             " cached=" + std::to_string(d.usage.cached_input);
  }
  return "?";
}

struct Recorder {
  std::vector<std::string> deltas;
  DeltaSink sink() {
    return [this](const api::StreamDelta& d) { deltas.push_back(Describe(d)); };
  }
};

TEST(GeminiStream, TextThoughtsAndToolCalls) {
  GeminiStreamDecoder decoder;
  Recorder rec;
  core::GatewayError error;
  const char* events[] = {
      R"({"candidates":[{"content":{"role":"model","parts":[)"
      R"({"text":"Let me think","thought":true}]}}],)"
      R"("usageMetadata":{"promptTokenCount":10,"totalTokenCount":10},)"
      R"("modelVersion":"gemini-2.5-pro","responseId":"r-42"})",
      R"({"candidates":[{"content":{"role":"model","parts":[)"
      R"({"text":"","thought":true,"thoughtSignature":"S1"}]}}]})",
      R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Checking"}]}}]})",
      R"({"candidates":[{"content":{"role":"model","parts":[)"
      R"({"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"S2"},)"
      R"({"functionCall":{"name":"get_time","args":{}}}]},"finishReason":"STOP"}],)"
      R"("usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":12,"thoughtsTokenCount":5,)"
      R"("cachedContentTokenCount":4,"totalTokenCount":27},"modelVersion":"gemini-2.5-pro"})",
  };
  for (const char* e : events) {
    EXPECT_FALSE(decoder.finished());
    ASSERT_TRUE(decoder.OnEvent("", e, rec.sink(), error)) << error.message;
  }
  EXPECT_TRUE(decoder.finished());
  std::vector<std::string> expected = {
      "start id=r-42 model=gemini-2.5-pro",
      "thinking Let me think",
      "usage in=10 out=0 reasoning=0 cached=0",
      "signature S1",
      "text Checking",
      "signature S2",
      "tool_start 0 call_0 get_weather",
      R"(tool_args 0 {"city":"Paris"})",
      "tool_start 1 call_1 get_time",
      "tool_args 1 {}",
      "finish " + std::to_string(static_cast<int>(api::FinishReason::kToolCalls)),
      "usage in=10 out=17 reasoning=5 cached=4",
  };
  EXPECT_EQ(rec.deltas, expected);
}

TEST(GeminiStream, PlainTextLengthAndBlockedPrompt) {
  GeminiStreamDecoder decoder;
  Recorder rec;
  core::GatewayError error;
  ASSERT_TRUE(decoder.OnEvent("", R"({"candidates":[{"content":{"parts":[{"text":"Hel"}]}}]})",
                              rec.sink(), error));
  ASSERT_TRUE(decoder.OnEvent("", "", rec.sink(), error));  // nothing
  ASSERT_TRUE(decoder.OnEvent(
      "", R"({"candidates":[{"content":{"parts":[{"text":"lo"}]},"finishReason":"MAX_TOKENS"}]})",
      rec.sink(), error));
  std::vector<std::string> expected = {
      "start id= model=", "text Hel", "text lo",
      "finish " + std::to_string(static_cast<int>(api::FinishReason::kLength))};
  EXPECT_EQ(rec.deltas, expected);
  EXPECT_TRUE(decoder.finished());

  GeminiStreamDecoder blocked;
  Recorder rec2;
  ASSERT_TRUE(blocked.OnEvent("", R"({"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"}})",
                              rec2.sink(), error));
  EXPECT_TRUE(blocked.finished());
  std::vector<std::string> expected2 = {
      "start id= model=",
      "finish " + std::to_string(static_cast<int>(api::FinishReason::kContentFilter))};
  EXPECT_EQ(rec2.deltas, expected2);
}

TEST(GeminiStream, ErrorChunks) {
  struct Case {
    const char* chunk;
    ErrorCode code;
  } cases[] = {
      {R"({"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED"}})",
       ErrorCode::kProviderRateLimited},
      {R"({"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}})",
       ErrorCode::kProviderOverloaded},
      {R"({"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT"}})",
       ErrorCode::kProviderInvalidRequest},
      {R"({"error":{"status":"RESOURCE_EXHAUSTED"}})", ErrorCode::kProviderRateLimited},
      {R"({"error":{"code":500,"message":"internal","status":"INTERNAL"}})",
       ErrorCode::kProviderServerError},
      {R"({"error":"flat"})", ErrorCode::kProviderServerError},
  };
  for (const auto& c : cases) {
    GeminiStreamDecoder decoder;
    Recorder rec;
    core::GatewayError error;
    EXPECT_FALSE(decoder.OnEvent("", c.chunk, rec.sink(), error)) << c.chunk;
    EXPECT_EQ(error.code, c.code) << c.chunk;
    EXPECT_TRUE(rec.deltas.empty()) << c.chunk;
  }
}

TEST(GeminiStream, MalformedChunksEmitNothing) {
  for (const char* bad : {"{", "[DONE]", "42", R"({"candidates":"x"})",
                          R"({"candidates":[{"content":{"parts":[{"text":"ok"},{"text":1}]}}]})",
                          R"({"candidates":[{"finishReason":7}]})"}) {
    GeminiStreamDecoder decoder;
    Recorder rec;
    core::GatewayError error;
    EXPECT_FALSE(decoder.OnEvent("", bad, rec.sink(), error)) << bad;
    EXPECT_EQ(error.code, ErrorCode::kProviderBadResponse) << bad;
    EXPECT_TRUE(rec.deltas.empty()) << bad;
  }
}

}  // namespace
}  // namespace sluice::providers::gemini
