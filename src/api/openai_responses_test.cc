#include "api/openai_responses.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "http/sse.h"

namespace sluice::api {
namespace {

namespace json = boost::json;

ChatRequest Decode(std::string_view text, core::GatewayError* error = nullptr) {
  json::value doc = json::parse(text);
  ChatRequest r;
  core::GatewayError e;
  bool ok = DecodeResponsesRequest(doc.as_object(), r, e);
  if (error) *error = e;
  EXPECT_EQ(ok, error == nullptr) << e.message;
  return r;
}

TEST(ResponsesRequest, InputItemsBecomeTurns) {
  ChatRequest r = Decode(R"({"model":"m","instructions":"Be brief.","input":[
    {"role":"developer","content":"Use metric units."},
    {"role":"user","content":[{"type":"input_text","text":"Weather?"},
                              {"type":"input_image","image_url":"data:image/png;base64,AAAA"}]},
    {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Need a tool."}]},
    {"type":"function_call","call_id":"c1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
    {"type":"function_call_output","call_id":"c1","output":"rain"},
    {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Rain."}]},
    {"role":"user","content":"Thanks"}],
    "max_output_tokens":100,"reasoning":{"effort":"low"},
    "text":{"format":{"type":"json_schema","name":"w","schema":{"type":"object"},"strict":true}}})");
  ASSERT_EQ(r.system.size(), 2u);
  EXPECT_EQ(r.system[0].text, "Be brief.");  // instructions come first
  EXPECT_EQ(r.system[1].text, "Use metric units.");
  ASSERT_EQ(r.messages.size(), 5u);
  EXPECT_EQ(r.messages[0].parts[1].media_type, "image/png");
  EXPECT_EQ(r.messages[0].parts[1].data, "AAAA");
  // Reasoning and the call of one turn are one assistant message.
  ASSERT_EQ(r.messages[1].role, Role::kAssistant);
  ASSERT_EQ(r.messages[1].parts.size(), 2u);
  EXPECT_EQ(r.messages[1].parts[0].kind, Part::Kind::kThinking);
  EXPECT_EQ(r.messages[1].parts[1].id, "c1");
  EXPECT_EQ(r.messages[2].role, Role::kTool);
  EXPECT_EQ(r.messages[2].parts[0].text, "rain");
  EXPECT_EQ(r.messages[3].role, Role::kAssistant);
  EXPECT_EQ(r.messages[4].parts[0].text, "Thanks");
  EXPECT_EQ(r.max_tokens, 100);
  EXPECT_EQ(r.reasoning_effort, "low");
  EXPECT_EQ(r.response_format.kind, ResponseFormat::Kind::kJsonSchema);
  EXPECT_TRUE(r.response_format.strict);
}

TEST(ResponsesRequest, RefusesWhatAStatelessGatewayCannotDo) {
  for (auto [body, param] : std::vector<std::pair<std::string, std::string>>{
           {R"({"model":"m","input":"x","previous_response_id":"resp_1"})", "previous_response_id"},
           {R"({"model":"m","input":"x","conversation":"c"})", "conversation"},
           {R"({"model":"m","input":"x","tools":[{"type":"file_search"}]})", "tools[0].type"},
           {R"({"model":"m","input":[{"type":"item_reference","id":"x"}]})", "input[0].type"},
           {R"({"model":"m","input":[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]})",
            "input[0].content[0].type"},
           {R"({"model":"m","input":"x","store":true})", "store"}}) {
    core::GatewayError error;
    Decode(body, &error);
    EXPECT_EQ(error.code, core::ErrorCode::kCallerUnsupportedFeature) << body;
    EXPECT_EQ(error.param, param) << body;
  }
}

// Event types of an SSE text, in order.
std::vector<std::string> Types(const std::string& sse) {
  std::vector<std::string> types;
  http::SseSplitter splitter;
  splitter.Feed(sse, [&](const http::SseEvent& ev) {
    json::value data = json::parse(ev.data);
    EXPECT_EQ(data.at("type").as_string(), ev.name);
    types.emplace_back(ev.name);
  });
  return types;
}

TEST(ResponsesStream, ReasoningThenTextThenToolCall) {
  auto encoder = NewResponsesStreamEncoder({"resp_1", "m", 0});
  std::string out;
  auto delta = [&](StreamDelta::Kind kind, std::string_view text = {}) {
    StreamDelta d;
    d.kind = kind;
    d.text = text;
    d.id = "call_1";
    d.name = "f";
    encoder->OnDelta(d, out);
  };
  delta(StreamDelta::Kind::kStart);
  delta(StreamDelta::Kind::kThinking, "hm");
  delta(StreamDelta::Kind::kText, "Hi");
  delta(StreamDelta::Kind::kToolCallStart);
  delta(StreamDelta::Kind::kToolCallArgs, "{}");
  StreamDelta finish;
  finish.kind = StreamDelta::Kind::kFinish;
  finish.finish = FinishReason::kToolCalls;
  encoder->OnDelta(finish, out);
  encoder->End(out);
  std::vector<std::string> expected = {
      "response.created", "response.in_progress",
      "response.output_item.added", "response.reasoning_summary_part.added",
      "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done",
      "response.reasoning_summary_part.done", "response.output_item.done",
      "response.output_item.added", "response.content_part.added",
      "response.output_text.delta", "response.output_text.done",
      "response.content_part.done", "response.output_item.done",
      "response.output_item.added", "response.function_call_arguments.delta",
      "response.function_call_arguments.done", "response.output_item.done",
      "response.completed"};
  EXPECT_EQ(Types(out), expected);
  // The final response lists every item, completed, in order.
  size_t at = out.rfind("data: ");
  json::value completed = json::parse(out.substr(at + 6));
  const auto& output = completed.at("response").at("output").as_array();
  ASSERT_EQ(output.size(), 3u);
  EXPECT_EQ(output[0].at("type").as_string(), "reasoning");
  EXPECT_EQ(output[1].at("content").at(0).at("text").as_string(), "Hi");
  EXPECT_EQ(output[2].at("call_id").as_string(), "call_1");
  EXPECT_EQ(output[2].at("arguments").as_string(), "{}");
  EXPECT_EQ(completed.at("sequence_number").as_int64(), 18);
}

}  // namespace
}  // namespace sluice::api
