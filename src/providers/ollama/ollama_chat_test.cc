// Golden tests of Ollama's native /api/chat on the egress side. Upstream fixtures are the shapes
// of docs/api.md ("Generate a chat completion": streaming, streaming with tools, no streaming with
// tools, structured outputs, with history and tools, with images) and docs/api/errors.mdx (an
// {"error"} line mid-stream), plus api/types.go for fields the examples leave out (message
// thinking, tool call id, tool_call_id, the "status" of a stream error).
#include "providers/ollama/ollama_chat.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/golden_test_util.h"
#include "http/ndjson.h"

namespace sluice::providers::ollama {
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

Part Image(std::string media_type, std::string data, std::string url = {}) {
  Part p;
  p.kind = Part::Kind::kImage;
  p.media_type = std::move(media_type);
  p.data = std::move(data);
  p.url = std::move(url);
  return p;
}

api::ChatRequest Simple() {
  api::ChatRequest req;
  req.model = "llama";
  req.messages.push_back(Msg(Role::kUser, {Text("why is the sky blue?")}));
  return req;
}

api::Tool Weather() {
  api::Tool t;
  t.name = "get_weather";
  t.description = "Get the weather in a given city";
  t.parameters = json::parse(R"({"type":"object","properties":{"city":{"type":"string",
    "description":"The city to get the weather for"}},"required":["city"]})");
  return t;
}

json::object Encode(const api::ChatRequest& req) {
  std::string body;
  GatewayError error;
  EXPECT_TRUE(EncodeOllamaChatRequest(req, "llama3.2", body, error)) << error.message;
  return body.empty() ? json::object{} : json::parse(body).as_object();
}

void ExpectRejected(const api::ChatRequest& req, ErrorCode code, std::string_view param) {
  std::string body;
  GatewayError error;
  EXPECT_FALSE(EncodeOllamaChatRequest(req, "llama3.2", body, error)) << body;
  EXPECT_EQ(error.code, code) << error.message;
  EXPECT_EQ(error.param, param) << error.message;
}

TEST(OllamaEncode, SimpleStreamingIsExplicit) {
  // The "Chat request (Streaming)" example, with stream sent explicitly both ways.
  api::ChatRequest req = Simple();
  req.stream = true;
  EXPECT_EQ(Encode(req), json::parse(R"({
    "model": "llama3.2",
    "messages": [{"role": "user", "content": "why is the sky blue?"}],
    "stream": true
  })"));
  req.stream = false;
  EXPECT_EQ(Encode(req)["stream"], false);
}

TEST(OllamaEncode, HistoryWithToolsImagesAndThinking) {
  // "Chat request (With history, with tools)" plus an image and earlier-turn thinking.
  api::ChatRequest req;
  req.system = {Text("Be terse."), Text("Use metric units.")};
  Part thinking;
  thinking.kind = Part::Kind::kThinking;
  thinking.text = "The user wants Toronto's weather.";
  thinking.signature = "sig-from-elsewhere";  // not sent
  Part redacted;
  redacted.kind = Part::Kind::kRedactedThinking;
  redacted.text = "opaque";  // not sent
  req.messages = {
      Msg(Role::kUser, {Text("what is the weather in Toronto?"),
                        Image("image/png", "iVBORw0KGgo="),
                        Image("", "", "data:image/jpeg;base64,/9j/4AAQ")}),
      Msg(Role::kAssistant, {thinking, redacted, Text(""),
                             ToolCall("call_1", "get_weather", R"({"city":"Toronto"})"),
                             ToolCall("", "get_time", "")}),
      Msg(Role::kTool, {ToolResult("call_1", "11 degrees celsius")}),
      Msg(Role::kUser, {ToolResult("call_x", "an unmatched result", /*is_error=*/true),
                        Text("Thanks")}),
  };
  req.tools = {Weather()};
  api::Tool bare;
  bare.name = "get_time";
  req.tools.push_back(bare);
  req.tool_choice.kind = api::ToolChoice::Kind::kAuto;
  req.parallel_tool_calls = true;
  EXPECT_EQ(Encode(req), json::parse(R"({
    "model": "llama3.2",
    "messages": [
      {"role": "system", "content": "Be terse.\nUse metric units."},
      {"role": "user", "content": "what is the weather in Toronto?",
       "images": ["iVBORw0KGgo=", "/9j/4AAQ"]},
      {"role": "assistant", "content": "", "thinking": "The user wants Toronto's weather.",
       "tool_calls": [
         {"id": "call_1", "function": {"name": "get_weather", "arguments": {"city": "Toronto"}}},
         {"function": {"name": "get_time", "arguments": {}}}]},
      {"role": "tool", "content": "11 degrees celsius", "tool_name": "get_weather",
       "tool_call_id": "call_1"},
      {"role": "tool", "content": "an unmatched result", "tool_call_id": "call_x"},
      {"role": "user", "content": "Thanks"}
    ],
    "tools": [
      {"type": "function", "function": {"name": "get_weather",
        "description": "Get the weather in a given city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string",
          "description": "The city to get the weather for"}}, "required": ["city"]}}},
      {"type": "function", "function": {"name": "get_time",
        "parameters": {"type": "object", "properties": {}}}}
    ],
    "stream": false
  })"));
}

TEST(OllamaEncode, OptionsFormatAndThink) {
  api::ChatRequest req = Simple();
  req.temperature = 0.0;
  req.top_p = 0.9;
  req.top_k = 20;
  req.max_tokens = 100;
  req.stop = {"\n", "user:"};
  req.seed = 101;
  req.presence_penalty = 1.5;
  req.frequency_penalty = 1.0;
  req.response_format.kind = api::ResponseFormat::Kind::kJsonSchema;
  req.response_format.name = "person";
  req.response_format.strict = true;
  req.response_format.schema = json::parse(R"({"type":"object","properties":{"age":
    {"type":"integer"},"available":{"type":"boolean"}},"required":["age","available"]})");
  req.thinking_budget = 4096;
  json::object o = Encode(req);
  EXPECT_EQ(o["options"], json::parse(R"({"temperature": 0.0, "top_p": 0.9, "top_k": 20,
    "num_predict": 100, "stop": ["\n", "user:"], "seed": 101, "presence_penalty": 1.5,
    "frequency_penalty": 1.0})"));
  EXPECT_EQ(o["format"], req.response_format.schema);
  EXPECT_EQ(o["think"], true);  // a budget has no Ollama form: thinking on

  req.response_format.kind = api::ResponseFormat::Kind::kJsonObject;
  EXPECT_EQ(Encode(req)["format"], "json");
  req.response_format.kind = api::ResponseFormat::Kind::kText;
  EXPECT_FALSE(Encode(req).contains("format"));

  auto think = [&](std::string effort) {
    api::ChatRequest r = Simple();
    r.reasoning_effort = std::move(effort);
    r.thinking_budget = 1000;  // the level wins over a budget
    return Encode(r)["think"];
  };
  EXPECT_EQ(think("minimal"), "low");
  EXPECT_EQ(think("low"), "low");
  EXPECT_EQ(think("medium"), "medium");
  EXPECT_EQ(think("high"), "high");
  json::object plain = Encode(Simple());
  EXPECT_FALSE(plain.contains("think"));
  EXPECT_FALSE(plain.contains("options"));
  EXPECT_FALSE(plain.contains("tools"));
}

TEST(OllamaEncode, ToolChoiceNoneSendsNoTools) {
  api::ChatRequest req = Simple();
  req.tools = {Weather()};
  req.tool_choice.kind = api::ToolChoice::Kind::kNone;
  EXPECT_FALSE(Encode(req).contains("tools"));
  req.tool_choice.kind = api::ToolChoice::Kind::kUnset;
  EXPECT_TRUE(Encode(req).contains("tools"));
}

TEST(OllamaEncode, CacheControlIsNotSent) {
  api::ChatRequest req = Simple();
  req.messages[0].parts[0].cache_control.set = true;
  req.system = {Text("sys")};
  req.system[0].cache_control.set = true;
  EXPECT_EQ(json::serialize(Encode(req)),
            R"({"model":"llama3.2","messages":[{"role":"system","content":"sys"},)"
            R"({"role":"user","content":"why is the sky blue?"}],"stream":false})");
}

TEST(OllamaEncode, Rejections) {
  api::ChatRequest url = Simple();
  url.messages[0].parts.push_back(Image("", "", "https://example.com/cat.png"));
  ExpectRejected(url, ErrorCode::kCallerUnsupportedFeature, "messages[0].content[1].url");
  api::ChatRequest bad_data_url = Simple();
  bad_data_url.messages[0].parts.push_back(Image("", "", "data:image/png,abc"));
  ExpectRejected(bad_data_url, ErrorCode::kCallerInvalidRequest, "messages[0].content[1].url");

  using TK = api::ToolChoice::Kind;
  for (TK kind : {TK::kRequired, TK::kNamed}) {
    api::ChatRequest choice = Simple();
    choice.tools = {Weather()};
    choice.tool_choice.kind = kind;
    choice.tool_choice.name = "get_weather";
    ExpectRejected(choice, ErrorCode::kCallerUnsupportedFeature, "tool_choice");
  }
  api::ChatRequest serial = Simple();
  serial.tools = {Weather()};
  serial.parallel_tool_calls = false;
  ExpectRejected(serial, ErrorCode::kCallerUnsupportedFeature, "parallel_tool_calls");
  api::ChatRequest user = Simple();
  user.user = "u-1";
  ExpectRejected(user, ErrorCode::kCallerUnsupportedFeature, "user");
  api::ChatRequest effort = Simple();
  effort.reasoning_effort = "xhigh";
  ExpectRejected(effort, ErrorCode::kCallerUnsupportedFeature, "reasoning_effort");
  api::ChatRequest args = Simple();
  args.messages.push_back(Msg(Role::kAssistant, {ToolCall("c", "f", "[1]")}));
  ExpectRejected(args, ErrorCode::kCallerInvalidRequest, "messages[1].content[0].arguments");
  api::ChatRequest schema = Simple();
  schema.response_format.kind = api::ResponseFormat::Kind::kJsonSchema;
  ExpectRejected(schema, ErrorCode::kCallerInvalidRequest, "response_format.json_schema.schema");
}

// "Chat request (No streaming, with tools)" — arguments arrive as an object, without an id.
constexpr std::string_view kToolAnswer = R"({
  "model": "llama3.2",
  "created_at": "2025-07-07T20:32:53.844124Z",
  "message": {
    "role": "assistant",
    "content": "",
    "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Tokyo"}}}]
  },
  "done_reason": "stop",
  "done": true,
  "total_duration": 3244883583,
  "load_duration": 2969184542,
  "prompt_eval_count": 169,
  "prompt_eval_duration": 141656333,
  "eval_count": 18,
  "eval_duration": 133293625
})";

TEST(OllamaDecode, ToolCallAnswer) {
  api::ChatResponse r;
  GatewayError error;
  ASSERT_TRUE(DecodeOllamaChatResponse(kToolAnswer, r, error)) << error.message;
  EXPECT_EQ(r.model, "llama3.2");
  EXPECT_EQ(r.id, "");
  ASSERT_EQ(r.content.size(), 1u);
  EXPECT_EQ(r.content[0].kind, Part::Kind::kToolCall);
  EXPECT_EQ(r.content[0].id, "call_0");
  EXPECT_EQ(r.content[0].name, "get_weather");
  EXPECT_EQ(r.content[0].arguments, R"({"city":"Tokyo"})");
  EXPECT_EQ(r.finish, api::FinishReason::kToolCalls);
  ASSERT_TRUE(r.has_usage);
  EXPECT_EQ(r.usage.input, 169u);
  EXPECT_EQ(r.usage.output, 18u);
}

TEST(OllamaDecode, ThinkingTextAndReasons) {
  constexpr std::string_view kThinking = R"({"model":"qwen3","created_at":"2025-05-29T09:35:56Z",
    "message":{"role":"assistant","content":"There are 3 r's.","thinking":"Count: s-t-r-a-w-b-e-r-r-y."},
    "done_reason":"length","done":true,"prompt_eval_count":20,"eval_count":64})";
  api::ChatResponse r;
  GatewayError error;
  ASSERT_TRUE(DecodeOllamaChatResponse(kThinking, r, error)) << error.message;
  ASSERT_EQ(r.content.size(), 2u);
  EXPECT_EQ(r.content[0].kind, Part::Kind::kThinking);
  EXPECT_EQ(r.content[0].text, "Count: s-t-r-a-w-b-e-r-r-y.");
  EXPECT_EQ(r.content[1].kind, Part::Kind::kText);
  EXPECT_EQ(r.content[1].text, "There are 3 r's.");
  EXPECT_EQ(r.finish, api::FinishReason::kLength);

  // The "No streaming" example has no done_reason at all; ids given by Ollama are kept.
  constexpr std::string_view kPlain = R"({"model":"llama3.2","created_at":"2023-12-12T14:13:43Z",
    "message":{"role":"assistant","content":"Hello! How are you today?",
      "tool_calls":[{"id":"call_abc","function":{"index":0,"name":"f","arguments":"{\"x\":1}"}}]},
    "done":true})";
  ASSERT_TRUE(DecodeOllamaChatResponse(kPlain, r, error)) << error.message;
  ASSERT_EQ(r.content.size(), 2u);
  EXPECT_EQ(r.content[1].id, "call_abc");
  EXPECT_EQ(r.content[1].arguments, R"({"x":1})");
  EXPECT_EQ(r.finish, api::FinishReason::kToolCalls);
  EXPECT_FALSE(r.has_usage);
}

TEST(OllamaDecode, ErrorsAndBadBodies) {
  api::ChatResponse r;
  GatewayError error;
  EXPECT_FALSE(DecodeOllamaChatResponse(R"({"error":"model 'llama9' not found"})", r, error));
  EXPECT_EQ(error.code, ErrorCode::kProviderInvalidRequest);
  EXPECT_EQ(error.message, "Ollama reported: model 'llama9' not found");
  for (std::string_view body :
       {"", "not json", "[1]", R"({"model":"m","done":true})", R"({"message":"hi"})",
        R"({"message":{"content":5}})", R"({"message":{"tool_calls":[{"function":{}}]}})",
        R"({"message":{"tool_calls":[{"function":{"name":"f","arguments":[1]}}]}})",
        R"({"message":{"content":"x"},"done":"yes"})"}) {
    EXPECT_FALSE(DecodeOllamaChatResponse(body, r, error)) << body;
    EXPECT_EQ(error.code, ErrorCode::kProviderBadResponse) << body;
  }
}

TEST(OllamaError, MapsStatusThenText) {
  EXPECT_EQ(OllamaError("x", 429).code, ErrorCode::kProviderRateLimited);
  EXPECT_EQ(OllamaError("x", 401).code, ErrorCode::kProviderAuthFailed);
  EXPECT_EQ(OllamaError("x", 404).code, ErrorCode::kProviderInvalidRequest);
  EXPECT_EQ(OllamaError("x", 404).http_status(), 400);
  EXPECT_EQ(OllamaError("x", 503).code, ErrorCode::kProviderOverloaded);
  EXPECT_EQ(OllamaError("x", 504).code, ErrorCode::kProviderTimeout);
  EXPECT_EQ(OllamaError("model not found", 500).code, ErrorCode::kProviderServerError);
  EXPECT_EQ(OllamaError("Model 'x' Not Found").code, ErrorCode::kProviderInvalidRequest);
  EXPECT_EQ(OllamaError("unauthorized").code, ErrorCode::kProviderAuthFailed);
  EXPECT_EQ(OllamaError("429 Too Many Requests").code, ErrorCode::kProviderRateLimited);
  EXPECT_EQ(OllamaError("server busy, please try again.  maximum pending requests exceeded").code,
            ErrorCode::kProviderOverloaded);
  EXPECT_EQ(OllamaError("an error was encountered while running the model").code,
            ErrorCode::kProviderServerError);
}

struct NdjsonRun {
  std::vector<std::string> deltas;
  bool ok = true;
  GatewayError error;
  bool finished = false;
};

// Feeds an NDJSON fixture through the framer (cut every `cut` bytes) and the decoder, as the relay
// will; stops at the first rejected line.
NdjsonRun Drive(std::string_view upstream, size_t cut = 0) {
  NdjsonRun run;
  OllamaChatStreamDecoder decoder;
  http::NdjsonSplitter splitter;
  DeltaSink sink = [&](const api::StreamDelta& d) { run.deltas.push_back(golden::Render(d)); };
  if (cut == 0) cut = upstream.size();
  for (size_t off = 0; off < upstream.size(); off += cut) {
    EXPECT_TRUE(splitter.Feed(upstream.substr(off, cut), [&](std::string_view line) {
      if (run.ok) run.ok = decoder.OnEvent("", line, sink, run.error);
    }));
  }
  EXPECT_EQ(splitter.pending_bytes(), 0u);
  run.finished = decoder.finished();
  return run;
}

// "Chat request (Streaming)": text fragments, then the final line with the statistics.
constexpr std::string_view kTextStream =
    R"({"model":"llama3.2","created_at":"2023-08-04T08:52:19.385406455-07:00","message":{"role":"assistant","content":"The","images":null},"done":false})"
    "\n"
    R"({"model":"llama3.2","created_at":"2023-08-04T08:52:19.4Z","message":{"role":"assistant","content":" sky"},"done":false})"
    "\r\n"
    R"({"model":"llama3.2","created_at":"2023-08-04T19:22:45.499127Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":4883583458,"load_duration":1334875,"prompt_eval_count":26,"prompt_eval_duration":342546000,"eval_count":282,"eval_duration":4535599000})"
    "\n";

TEST(OllamaStream, TextStream) {
  for (size_t cut : {0, 1, 7, 64}) {
    NdjsonRun run = Drive(kTextStream, cut);
    EXPECT_TRUE(run.ok) << run.error.message;
    EXPECT_TRUE(run.finished);
    EXPECT_EQ(run.deltas, (std::vector<std::string>{
                              "start  llama3.2",
                              "text The",
                              "text  sky",
                              "finish stop",
                              "usage in=26 out=282 cached=0 created=0 reasoning=0",
                          }))
        << "cut " << cut;
  }
}

// "Chat request (Streaming with tools)": the call arrives whole in a done:false line; a thinking
// model's reasoning comes first.
constexpr std::string_view kToolStream =
    R"({"model":"qwen3","created_at":"2025-07-07T20:22:19.1Z","message":{"role":"assistant","content":"","thinking":"Need the weather."},"done":false})"
    "\n"
    R"({"model":"qwen3","created_at":"2025-07-07T20:22:19.184789Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Tokyo"}}},{"id":"call_9","function":{"index":1,"name":"get_time","arguments":{}}}]},"done":false})"
    "\n"
    R"({"model":"qwen3","created_at":"2025-07-07T20:22:19.19314Z","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"total_duration":182242375,"load_duration":41295167,"prompt_eval_count":169,"prompt_eval_duration":24573166,"eval_count":15,"eval_duration":115959084})"
    "\n";

TEST(OllamaStream, ToolCallsAndThinking) {
  NdjsonRun run = Drive(kToolStream);
  EXPECT_TRUE(run.ok) << run.error.message;
  EXPECT_TRUE(run.finished);
  EXPECT_EQ(run.deltas, (std::vector<std::string>{
                            "start  qwen3",
                            "thinking Need the weather.",
                            "tool_start 0 call_0 get_weather",
                            R"(tool_args 0 {"city":"Tokyo"})",
                            "tool_start 1 call_9 get_time",
                            "tool_args 1 {}",
                            "finish tool_calls",
                            "usage in=169 out=15 cached=0 created=0 reasoning=0",
                        }));
}

TEST(OllamaStream, LengthAndLinesAfterTheEnd) {
  NdjsonRun run = Drive(
      "{\"model\":\"m\",\"message\":{\"content\":\"a\"},\"done\":false}\n"
      "{\"model\":\"m\",\"message\":{\"content\":\"b\"},\"done\":true,\"done_reason\":\"length\","
      "\"prompt_eval_count\":3,\"eval_count\":2}\n"
      "{\"error\":\"ignored: the answer is complete\"}\n");
  EXPECT_TRUE(run.ok);
  EXPECT_EQ(run.deltas,
            (std::vector<std::string>{"start  m", "text a", "text b", "finish length",
                                      "usage in=3 out=2 cached=0 created=0 reasoning=0"}));
}

// docs/api/errors.mdx "Errors that occur while streaming": content, then an {"error"} line.
TEST(OllamaStream, InBandErrors) {
  NdjsonRun run = Drive(
      "{\"model\":\"gemma4\",\"message\":{\"content\":\" Yes\"},\"done\":false}\n"
      "{\"error\":\"an error was encountered while running the model\"}\n");
  EXPECT_FALSE(run.ok);
  EXPECT_FALSE(run.finished);
  EXPECT_EQ(run.error.code, ErrorCode::kProviderServerError);
  EXPECT_EQ(run.error.message, "Ollama reported: an error was encountered while running the model");
  EXPECT_EQ(run.deltas, (std::vector<std::string>{"start  gemma4", "text  Yes"}));

  // A cloud model's upstream failure carries its status.
  NdjsonRun limited =
      Drive("{\"error\":\"you have reached your hourly usage limit\",\"status\":429}\n");
  EXPECT_FALSE(limited.ok);
  EXPECT_EQ(limited.error.code, ErrorCode::kProviderRateLimited);
  EXPECT_TRUE(limited.deltas.empty());
}

TEST(OllamaStream, MalformedLinesEmitNothing) {
  for (std::string_view line :
       {"not json", "[]", R"({"message":[]})", R"({"message":{"thinking":1}})",
        R"({"message":{"tool_calls":[{"function":{"arguments":{}}}]}})",
        R"({"message":{"tool_calls":{}}})", R"({"done":1})"}) {
    OllamaChatStreamDecoder decoder;
    GatewayError error;
    size_t deltas = 0;
    EXPECT_FALSE(decoder.OnEvent("", line, [&](const api::StreamDelta&) { ++deltas; }, error))
        << line;
    EXPECT_EQ(error.code, ErrorCode::kProviderBadResponse) << line;
    EXPECT_EQ(deltas, 0u) << line;
  }
}

}  // namespace
}  // namespace sluice::providers::ollama
