// Golden tests of DashScope's native text-generation API on the egress side. Upstream fixtures are
// the documented shapes of the DashScope API reference, as recorded from the service: a plain
// answer (result_format "message"), a tool-call answer, a reasoning answer with
// output_tokens_details, the error body {"code","message","request_id"}, and SSE streams with
// incremental_output (text with cached-token usage; two parallel tool calls whose arguments arrive
// in fragments, the later fragments with an empty id; reasoning_content before content; an
// "event:error" with ":HTTP_STATUS/400").
#include "providers/dashscope/dashscope_native.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/golden_test_util.h"

namespace sluice::providers::dashscope {
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
  req.model = "qwen";
  req.messages.push_back(Msg(Role::kUser, {Text("1+1=?")}));
  return req;
}

api::Tool Weather() {
  api::Tool t;
  t.name = "get_current_weather";
  t.description = "Get the current weather";
  t.parameters = json::parse(R"({"type":"object","properties":{"location":{"type":"string"}},
    "required":["location"]})");
  return t;
}

json::object Encode(const api::ChatRequest& req) {
  std::string body;
  GatewayError error;
  EXPECT_TRUE(EncodeDashScopeRequest(req, "qwen-plus", body, error)) << error.message;
  return body.empty() ? json::object{} : json::parse(body).as_object();
}

void ExpectRejected(const api::ChatRequest& req, ErrorCode code, std::string_view param) {
  std::string body;
  GatewayError error;
  EXPECT_FALSE(EncodeDashScopeRequest(req, "qwen-plus", body, error)) << body;
  EXPECT_EQ(error.code, code) << error.message;
  EXPECT_EQ(error.param, param) << error.message;
}

TEST(DashScopeEncode, ParametersOfAPlainRequest) {
  api::ChatRequest req = Simple();
  req.system = {Text("You are a helpful assistant.")};
  req.seed = 1234;
  req.max_tokens = 1500;
  req.top_p = 0.8;
  req.top_k = 100;
  req.temperature = 0.85;
  req.presence_penalty = 0.5;
  req.stop = {"END"};
  req.response_format.kind = api::ResponseFormat::Kind::kJsonObject;
  EXPECT_EQ(Encode(req), json::parse(R"({
    "model": "qwen-plus",
    "input": {"messages": [
      {"role": "system", "content": "You are a helpful assistant."},
      {"role": "user", "content": "1+1=?"}]},
    "parameters": {
      "result_format": "message",
      "max_tokens": 1500,
      "temperature": 0.85,
      "top_p": 0.8,
      "top_k": 100,
      "stop": ["END"],
      "seed": 1234,
      "presence_penalty": 0.5,
      "response_format": {"type": "json_object"}
    }
  })"));
  req = Simple();
  req.stream = true;
  req.response_format.kind = api::ResponseFormat::Kind::kText;  // the default: nothing to send
  EXPECT_EQ(Encode(req)["parameters"],
            json::parse(R"({"result_format": "message", "incremental_output": true})"));
}

TEST(DashScopeEncode, ToolRoundTripHistory) {
  // The recorded "with tools" request: two calls, their results, then the follow-up.
  api::ChatRequest req;
  Part thinking;
  thinking.kind = Part::Kind::kThinking;
  thinking.text = "Two cities.";
  thinking.signature = "sig";  // earlier reasoning is not sent
  req.messages = {
      Msg(Role::kUser, {Text("What is the weather in Hangzhou and Shanghai?")}),
      Msg(Role::kAssistant,
          {thinking, Text(""),
           ToolCall("call_cec4c19d27624537b583af", "get_current_weather",
                    R"({"location": "Hangzhou"})"),
           ToolCall("call_dxjdop3d27624537b583af", "get_current_weather", "")}),
      Msg(Role::kTool, {ToolResult("call_cec4c19d27624537b583af", "Hangzhou: cloudy, 18C")}),
      Msg(Role::kUser, {ToolResult("call_dxjdop3d27624537b583af", "Shanghai: light rain, 19C"),
                        Text("And tomorrow?")}),
  };
  req.tools = {Weather()};
  req.parallel_tool_calls = true;
  req.seed = 6999;
  req.stream = true;
  EXPECT_EQ(Encode(req), json::parse(R"({
    "model": "qwen-plus",
    "input": {"messages": [
      {"role": "user", "content": "What is the weather in Hangzhou and Shanghai?"},
      {"role": "assistant", "content": "", "tool_calls": [
        {"id": "call_cec4c19d27624537b583af", "type": "function",
         "function": {"name": "get_current_weather", "arguments": "{\"location\": \"Hangzhou\"}"}},
        {"id": "call_dxjdop3d27624537b583af", "type": "function",
         "function": {"name": "get_current_weather", "arguments": "{}"}}]},
      {"role": "tool", "content": "Hangzhou: cloudy, 18C",
       "tool_call_id": "call_cec4c19d27624537b583af"},
      {"role": "tool", "content": "Shanghai: light rain, 19C",
       "tool_call_id": "call_dxjdop3d27624537b583af"},
      {"role": "user", "content": "And tomorrow?"}]},
    "parameters": {
      "result_format": "message",
      "incremental_output": true,
      "seed": 6999,
      "tools": [{"type": "function", "function": {"name": "get_current_weather",
        "description": "Get the current weather",
        "parameters": {"type": "object", "properties": {"location": {"type": "string"}},
                       "required": ["location"]}}}],
      "parallel_tool_calls": true
    }
  })"));
}

TEST(DashScopeEncode, ToolChoiceParallelAndThinking) {
  using TK = api::ToolChoice::Kind;
  auto params = [](TK kind, std::optional<bool> parallel) {
    api::ChatRequest req = Simple();
    req.tools = {Weather()};
    req.tool_choice.kind = kind;
    req.tool_choice.name = kind == TK::kNamed ? "get_current_weather" : "";
    req.parallel_tool_calls = parallel;
    json::object p = Encode(req)["parameters"].as_object();
    p.erase("tools");
    p.erase("result_format");
    return p;
  };
  EXPECT_EQ(params(TK::kAuto, false),
            json::parse(R"({"tool_choice": "auto", "parallel_tool_calls": false})"));
  EXPECT_EQ(params(TK::kNone, {}), json::parse(R"({"tool_choice": "none"})"));
  EXPECT_EQ(params(TK::kNamed, {}), json::parse(R"({"tool_choice": {"type": "function",
    "function": {"name": "get_current_weather"}}})"));
  EXPECT_EQ(params(TK::kUnset, {}), json::object{});

  auto thinking = [](std::optional<int64_t> budget, std::string effort) {
    api::ChatRequest req = Simple();
    req.thinking_budget = budget;
    req.reasoning_effort = std::move(effort);
    json::object p = Encode(req)["parameters"].as_object();
    p.erase("result_format");
    return json::value(std::move(p));
  };
  auto on = [](int64_t budget) {
    return json::value(json::object{{"enable_thinking", true}, {"thinking_budget", budget}});
  };
  EXPECT_EQ(thinking(10, ""), on(10));
  EXPECT_EQ(thinking(10, "high"), on(10));
  EXPECT_EQ(thinking({}, "minimal"), on(1024));
  EXPECT_EQ(thinking({}, "low"), on(1024));
  EXPECT_EQ(thinking({}, "medium"), on(4096));
  EXPECT_EQ(thinking({}, "high"), on(16384));
  EXPECT_EQ(thinking({}, ""), json::object{});
}

TEST(DashScopeEncode, Rejections) {
  Part image;
  image.kind = Part::Kind::kImage;
  image.media_type = "image/png";
  image.data = "iVBORw0KGgo=";
  api::ChatRequest base64 = Simple();
  base64.messages[0].parts.push_back(image);
  ExpectRejected(base64, ErrorCode::kCallerUnsupportedFeature, "messages[0].content[1]");
  image.data.clear();
  image.url = "https://example.com/cat.png";
  api::ChatRequest url = Simple();
  url.messages[0].parts.push_back(image);
  ExpectRejected(url, ErrorCode::kCallerUnsupportedFeature, "messages[0].content[1]");
  api::ChatRequest required = Simple();
  required.tools = {Weather()};
  required.tool_choice.kind = api::ToolChoice::Kind::kRequired;
  ExpectRejected(required, ErrorCode::kCallerUnsupportedFeature, "tool_choice");
  api::ChatRequest schema = Simple();
  schema.response_format.kind = api::ResponseFormat::Kind::kJsonSchema;
  schema.response_format.schema = json::parse(R"({"type":"object"})");
  ExpectRejected(schema, ErrorCode::kCallerUnsupportedFeature, "response_format");
  api::ChatRequest frequency = Simple();
  frequency.frequency_penalty = 0.5;
  ExpectRejected(frequency, ErrorCode::kCallerUnsupportedFeature, "frequency_penalty");
  api::ChatRequest user = Simple();
  user.user = "u-1";
  ExpectRejected(user, ErrorCode::kCallerUnsupportedFeature, "user");
  api::ChatRequest stray = Simple();
  stray.messages.push_back(Msg(Role::kTool, {Text("not a result")}));
  ExpectRejected(stray, ErrorCode::kCallerInvalidRequest, "messages[1].content[0]");
  // cache_control markers are not sent.
  api::ChatRequest cached = Simple();
  cached.messages[0].parts[0].cache_control.set = true;
  EXPECT_EQ(Encode(cached)["input"],
            json::parse(R"({"messages": [{"role": "user", "content": "1+1=?"}]})"));
}

TEST(DashScopeDecode, PlainAnswer) {
  constexpr std::string_view kBody = R"({
    "output": {"choices": [{"finish_reason": "stop",
      "message": {"role": "assistant", "content": "1+1 equals 2."}}]},
    "usage": {"total_tokens": 47, "output_tokens": 39, "input_tokens": 8},
    "request_id": "e764bfe3-c0b7-97a0-ae57-cd99e1580960"
  })";
  api::ChatResponse r;
  GatewayError error;
  ASSERT_TRUE(DecodeDashScopeResponse(kBody, r, error)) << error.message;
  EXPECT_EQ(r.id, "e764bfe3-c0b7-97a0-ae57-cd99e1580960");
  EXPECT_EQ(r.model, "");
  ASSERT_EQ(r.content.size(), 1u);
  EXPECT_EQ(r.content[0].text, "1+1 equals 2.");
  EXPECT_EQ(r.finish, api::FinishReason::kStop);
  ASSERT_TRUE(r.has_usage);
  EXPECT_EQ(r.usage.input, 8u);
  EXPECT_EQ(r.usage.output, 39u);
}

TEST(DashScopeDecode, ToolCallsReasoningAndUsageDetails) {
  // The recorded tool-call answer says finish_reason "stop" beside its tool call.
  constexpr std::string_view kTools = R"({"output":{"choices":[{"finish_reason":"stop","message":{
    "role":"assistant","tool_calls":[{"function":{"name":"get_current_weather",
    "arguments":"{\"location\": \"Hangzhou\"}"},"index":0,"id":"call_cec4c19d27624537b583af",
    "type":"function"},{"function":{"name":"get_time"},"index":1,"id":"","type":"function"}],
    "content":""}}]},"usage":{"total_tokens":219,"output_tokens":8,"input_tokens":211},
    "request_id":"67300049-c108-9987-b1c1-8e0ee2de6b5d"})";
  api::ChatResponse r;
  GatewayError error;
  ASSERT_TRUE(DecodeDashScopeResponse(kTools, r, error)) << error.message;
  ASSERT_EQ(r.content.size(), 2u);
  EXPECT_EQ(r.content[0].kind, Part::Kind::kToolCall);
  EXPECT_EQ(r.content[0].id, "call_cec4c19d27624537b583af");
  EXPECT_EQ(r.content[0].name, "get_current_weather");
  EXPECT_EQ(r.content[0].arguments, R"({"location": "Hangzhou"})");
  EXPECT_EQ(r.content[1].id, "call_1");
  EXPECT_EQ(r.content[1].arguments, "{}");
  EXPECT_EQ(r.finish, api::FinishReason::kToolCalls);

  constexpr std::string_view kReasoning = R"j({"output":{"choices":[{"finish_reason":"length",
    "message":{"content":"The missing number is 121.","reasoning_content":"a(n) = a(n-2)^2 + a(n-1)",
    "role":"assistant"}}]},"usage":{"input_tokens":102,"output_tokens":1941,
    "output_tokens_details":{"reasoning_tokens":1812},"prompt_tokens_details":{"cached_tokens":64},
    "total_tokens":2043},"request_id":"49319f28"})j";
  ASSERT_TRUE(DecodeDashScopeResponse(kReasoning, r, error)) << error.message;
  ASSERT_EQ(r.content.size(), 2u);
  EXPECT_EQ(r.content[0].kind, Part::Kind::kThinking);
  EXPECT_EQ(r.content[0].text, "a(n) = a(n-2)^2 + a(n-1)");
  EXPECT_EQ(r.content[1].text, "The missing number is 121.");
  EXPECT_EQ(r.finish, api::FinishReason::kLength);
  EXPECT_EQ(r.usage.input, 102u);
  EXPECT_EQ(r.usage.output, 1941u);
  EXPECT_EQ(r.usage.reasoning, 1812u);
  EXPECT_EQ(r.usage.cached_input, 64u);

  // result_format "text" (the legacy shape) still decodes.
  ASSERT_TRUE(DecodeDashScopeResponse(
      R"({"output":{"text":"Hi","finish_reason":"stop"},"request_id":"r1"})", r, error));
  ASSERT_EQ(r.content.size(), 1u);
  EXPECT_EQ(r.content[0].text, "Hi");
  EXPECT_FALSE(r.has_usage);
}

TEST(DashScopeDecode, ErrorBodiesAndBadBodies) {
  struct Case {
    std::string_view code;
    ErrorCode expected;
  };
  for (const Case& c : {Case{"InvalidApiKey", ErrorCode::kProviderAuthFailed},
                        Case{"AccessDenied.Unpurchased", ErrorCode::kProviderAuthFailed},
                        Case{"Throttling.RateQuota", ErrorCode::kProviderRateLimited},
                        Case{"Throttling", ErrorCode::kProviderRateLimited},
                        Case{"InvalidParameter", ErrorCode::kProviderInvalidRequest},
                        Case{"DataInspectionFailed", ErrorCode::kProviderInvalidRequest},
                        Case{"InternalError.Algo", ErrorCode::kProviderServerError}}) {
    std::string body = R"({"code":")" + std::string(c.code) +
                       R"(","message":"Invalid API-key provided.","request_id":"a1c0561c"})";
    api::ChatResponse r;
    GatewayError error;
    EXPECT_FALSE(DecodeDashScopeResponse(body, r, error)) << body;
    EXPECT_EQ(error.code, c.expected) << c.code;
  }
  GatewayError invalid = DashScopeError("InvalidParameter", "Role must be user or assistant");
  EXPECT_EQ(invalid.http_status(), 400);
  EXPECT_EQ(invalid.message, "DashScope reported InvalidParameter: Role must be user or assistant");
  for (std::string_view body :
       {"", "nope", "[]", R"({"request_id":"r"})", R"({"output":{"choices":{}}})",
        R"({"output":{"choices":[{"message":{"content":7}}]}})",
        R"({"output":{"choices":[{"message":{"tool_calls":[{"index":-1}]}}]}})",
        R"({"output":{"choices":[{"message":{"tool_calls":[{"function":{"arguments":"{}"}}]}}]}})"}) {
    api::ChatResponse r;
    GatewayError error;
    EXPECT_FALSE(DecodeDashScopeResponse(body, r, error)) << body;
    EXPECT_EQ(error.code, ErrorCode::kProviderBadResponse) << body;
  }
}

// A text stream (the tool round trip's follow-up answer), usage with cached tokens in every event.
constexpr std::string_view kTextStream = R"(id:1
event:result
:HTTP_STATUS/200
data:{"output":{"choices":[{"message":{"content":"Hangzhou is","role":"assistant"},"index":0,"finish_reason":"null"}]},"usage":{"total_tokens":284,"output_tokens":1,"input_tokens":283,"prompt_tokens_details":{"cached_tokens":256}},"request_id":"dd51401b-146e-42a0-96d9-4067a5fac75a"}

id:2
event:result
:HTTP_STATUS/200
data:{"output":{"choices":[{"message":{"content":" cloudy.","role":"assistant"},"index":0,"finish_reason":"null"}]},"usage":{"total_tokens":286,"output_tokens":3,"input_tokens":283,"prompt_tokens_details":{"cached_tokens":256}},"request_id":"dd51401b-146e-42a0-96d9-4067a5fac75a"}

id:3
event:result
:HTTP_STATUS/200
data:{"output":{"choices":[{"message":{"content":"","role":"assistant"},"index":0,"finish_reason":"stop"}]},"usage":{"total_tokens":286,"output_tokens":3,"input_tokens":283,"prompt_tokens_details":{"cached_tokens":256}},"request_id":"dd51401b-146e-42a0-96d9-4067a5fac75a"}

)";

TEST(DashScopeStream, Text) {
  DashScopeStreamDecoder decoder;
  golden::StreamRun run = golden::Drive(decoder, kTextStream, nullptr);
  EXPECT_TRUE(run.ok) << run.error.message;
  EXPECT_TRUE(run.finished);
  EXPECT_EQ(run.deltas, (std::vector<std::string>{
                            "start dd51401b-146e-42a0-96d9-4067a5fac75a ",
                            "text Hangzhou is",
                            "usage in=283 out=1 cached=256 created=0 reasoning=0",
                            "text  cloudy.",
                            "usage in=283 out=3 cached=256 created=0 reasoning=0",
                            "finish stop",
                            "usage in=283 out=3 cached=256 created=0 reasoning=0",
                        }));
}

// The recorded parallel-tools stream: each call's arguments in two fragments; the second fragment
// has an empty id and no name, and the last event carries finish_reason "tool_calls".
constexpr std::string_view kParallelTools = R"(id:1
event:result
:HTTP_STATUS/200
data:{"output":{"choices":[{"message":{"content":"","tool_calls":[{"index":0,"id":"call_29a870e7106f45deb8add3","type":"function","function":{"name":"get_current_weather","arguments":"{\"location\": \""}}],"role":"assistant"},"index":0,"finish_reason":"null"}]},"usage":{"total_tokens":266,"output_tokens":16,"input_tokens":250,"prompt_tokens_details":{"cached_tokens":0}},"request_id":"98b76af4-4c9f-9397-af42-500425556f95"}

id:2
event:result
:HTTP_STATUS/200
data:{"output":{"choices":[{"message":{"content":"","tool_calls":[{"index":0,"id":"","type":"function","function":{"arguments":"Hangzhou\"}"}}],"role":"assistant"},"index":0,"finish_reason":"null"}]},"usage":{"total_tokens":272,"output_tokens":22,"input_tokens":250,"prompt_tokens_details":{"cached_tokens":0}},"request_id":"98b76af4-4c9f-9397-af42-500425556f95"}

id:3
event:result
:HTTP_STATUS/200
data:{"output":{"choices":[{"message":{"content":"","tool_calls":[{"index":1,"id":"call_026e44bb31a74266949a20","type":"function","function":{"name":"get_current_weather","arguments":"{\"location\":"}}],"role":"assistant"},"index":0,"finish_reason":"null"}]},"usage":{"total_tokens":284,"output_tokens":34,"input_tokens":250,"prompt_tokens_details":{"cached_tokens":0}},"request_id":"98b76af4-4c9f-9397-af42-500425556f95"}

id:4
event:result
:HTTP_STATUS/200
data:{"output":{"choices":[{"message":{"content":"","tool_calls":[{"index":1,"id":"","type":"function","function":{"arguments":" \"Shanghai\"}"}}],"role":"assistant"},"index":0,"finish_reason":"tool_calls"}]},"usage":{"total_tokens":287,"output_tokens":37,"input_tokens":250,"prompt_tokens_details":{"cached_tokens":0}},"request_id":"98b76af4-4c9f-9397-af42-500425556f95"}

)";

TEST(DashScopeStream, ParallelToolCallFragments) {
  DashScopeStreamDecoder decoder;
  golden::StreamRun run = golden::Drive(decoder, kParallelTools, nullptr);
  EXPECT_TRUE(run.ok) << run.error.message;
  EXPECT_TRUE(run.finished);
  EXPECT_EQ(run.deltas, (std::vector<std::string>{
                            "start 98b76af4-4c9f-9397-af42-500425556f95 ",
                            "tool_start 0 call_29a870e7106f45deb8add3 get_current_weather",
                            R"(tool_args 0 {"location": ")",
                            "usage in=250 out=16 cached=0 created=0 reasoning=0",
                            R"(tool_args 0 Hangzhou"})",
                            "usage in=250 out=22 cached=0 created=0 reasoning=0",
                            "tool_start 1 call_026e44bb31a74266949a20 get_current_weather",
                            R"(tool_args 1 {"location":)",
                            "usage in=250 out=34 cached=0 created=0 reasoning=0",
                            R"(tool_args 1  "Shanghai"})",
                            "finish tool_calls",
                            "usage in=250 out=37 cached=0 created=0 reasoning=0",
                        }));
}

// The recorded reasoning stream (enable_thinking, thinking_budget): reasoning_content first, then
// content; reasoning_tokens in output_tokens_details; finish_reason "stop" in an empty last event.
constexpr std::string_view kReasoningStream = R"(id:1
event:result
:HTTP_STATUS/200
data:{"output":{"choices":[{"message":{"content":"","reasoning_content":"Hmm","role":"assistant"},"finish_reason":"null"}]},"usage":{"total_tokens":19,"output_tokens":3,"input_tokens":16,"output_tokens_details":{"reasoning_tokens":1}},"request_id":"ab9f3446-9bbf-963e-9754-2d6543343d7e"}

id:2
event:result
:HTTP_STATUS/200
data:{"output":{"choices":[{"message":{"content":"2","reasoning_content":"","role":"assistant"},"finish_reason":"null"}]},"usage":{"total_tokens":69,"output_tokens":53,"input_tokens":16,"output_tokens_details":{"reasoning_tokens":10}},"request_id":"ab9f3446-9bbf-963e-9754-2d6543343d7e"}

id:3
event:result
:HTTP_STATUS/200
data:{"output":{"choices":[{"message":{"content":"","reasoning_content":"","role":"assistant"},"finish_reason":"stop"}]},"usage":{"total_tokens":69,"output_tokens":53,"input_tokens":16,"output_tokens_details":{"reasoning_tokens":10}},"request_id":"ab9f3446-9bbf-963e-9754-2d6543343d7e"}

)";

TEST(DashScopeStream, Reasoning) {
  DashScopeStreamDecoder decoder;
  golden::StreamRun run = golden::Drive(decoder, kReasoningStream, nullptr);
  EXPECT_TRUE(run.ok) << run.error.message;
  EXPECT_TRUE(run.finished);
  EXPECT_EQ(run.deltas, (std::vector<std::string>{
                            "start ab9f3446-9bbf-963e-9754-2d6543343d7e ",
                            "thinking Hmm",
                            "usage in=16 out=3 cached=0 created=0 reasoning=1",
                            "text 2",
                            "usage in=16 out=53 cached=0 created=0 reasoning=10",
                            "finish stop",
                            "usage in=16 out=53 cached=0 created=0 reasoning=10",
                        }));
}

TEST(DashScopeStream, ErrorEvents) {
  // The recorded parameter error: an "event:error" as the first event.
  constexpr std::string_view kError = R"(id:1
event:error
:HTTP_STATUS/400
data:{"code":"InvalidParameter","message":"Role must be user or assistant and Content length must be greater than 0","request_id":"7671ecd8-93cc-9ee9-bc89-739f0fd8b809"}

)";
  DashScopeStreamDecoder decoder;
  golden::StreamRun run = golden::Drive(decoder, kError, nullptr);
  EXPECT_FALSE(run.ok);
  EXPECT_FALSE(run.finished);
  EXPECT_EQ(run.error.code, ErrorCode::kProviderInvalidRequest);
  EXPECT_EQ(run.error.message,
            "DashScope reported InvalidParameter: Role must be user or assistant and Content "
            "length must be greater than 0");
  EXPECT_TRUE(run.deltas.empty());

  // Throttling mid-stream, without an event name; and an error event whose data is not JSON.
  DashScopeStreamDecoder mid;
  GatewayError error;
  std::vector<std::string> deltas;
  DeltaSink sink = [&](const api::StreamDelta& d) { deltas.push_back(golden::Render(d)); };
  EXPECT_TRUE(mid.OnEvent("result",
                          R"({"output":{"choices":[{"message":{"content":"a"},"finish_reason":null}]},"request_id":"r"})",
                          sink, error));
  EXPECT_FALSE(mid.OnEvent("", R"({"code":"Throttling.RateQuota","message":"Requests rate limit exceeded"})",
                           sink, error));
  EXPECT_EQ(error.code, ErrorCode::kProviderRateLimited);
  EXPECT_EQ(deltas, (std::vector<std::string>{"start r ", "text a"}));
  DashScopeStreamDecoder garbled;
  EXPECT_FALSE(garbled.OnEvent("error", "Internal Server Error", sink, error));
  EXPECT_EQ(error.code, ErrorCode::kProviderBadResponse);
}

TEST(DashScopeStream, MalformedEventsEmitNothing) {
  for (std::string_view data :
       {"not json", "[]", R"({"output":[]})", R"({"request_id":"r"})",
        R"({"output":{"choices":[{"message":{"reasoning_content":1}}]}})",
        R"({"output":{"choices":[{"message":{"tool_calls":[{"index":"0"}]}}]}})",
        R"({"output":{"choices":[{"finish_reason":5}]}})"}) {
    DashScopeStreamDecoder decoder;
    GatewayError error;
    size_t deltas = 0;
    EXPECT_FALSE(
        decoder.OnEvent("result", data, [&](const api::StreamDelta&) { ++deltas; }, error))
        << data;
    EXPECT_EQ(error.code, ErrorCode::kProviderBadResponse) << data;
    EXPECT_EQ(deltas, 0u) << data;
  }
}

}  // namespace
}  // namespace sluice::providers::dashscope
