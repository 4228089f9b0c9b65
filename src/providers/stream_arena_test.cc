// Every stream decoder parses each event into its own arena (core::JsonArena), reset at the next
// event. These tests run each decoder over events with escaped and multi-byte text, tool-call
// fragments, and deltas far larger than the arena's buffer between small ones, and check the deltas
// come out unescaped and intact, event after event (a reset must not touch the current event).
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <string>
#include <utility>
#include <vector>

#include "api/golden_test_util.h"
#include "providers/anthropic/anthropic_adapter.h"
#include "providers/bedrock/converse_codec.h"
#include "providers/gemini/gemini_codec.h"
#include "providers/openai/openai_chat_adapter.h"

namespace sluice::providers {
namespace {

// `s` as a JSON string literal (quotes, escapes).
std::string Q(std::string_view s) { return boost::json::serialize(boost::json::string(s)); }

const std::string kSmall = "caf\xc3\xa9 \"quoted\"\n\ttab \xf0\x9f\x98\x80";
const std::string kLong = [] {
  std::string s;
  for (int i = 0; i < 6000; ++i) s += "line \"" + std::to_string(i) + "\" \xe6\x97\xa5\\\n";
  return s;  // ~100 KB, far beyond the arena's 4 KB buffer
}();
const std::string kArgs1 = "{\"city\": \"Par";
const std::string kArgs2 = "is \\u00e9\\\"\"}";

using Events = std::vector<std::pair<std::string, std::string>>;  // (event name, data)

std::vector<std::string> Decode(StreamDecoder& decoder, const Events& events) {
  std::vector<std::string> out;
  DeltaSink sink = [&](const api::StreamDelta& d) { out.push_back(golden::Render(d)); };
  for (const auto& [name, data] : events) {
    core::GatewayError error;
    EXPECT_TRUE(decoder.OnEvent(name, data, sink, error)) << error.message;
  }
  return out;
}

// What every decoder should hand over for the texts above (start, usage and finish vary).
std::vector<std::string> Texts() {
  return {"text " + kSmall, "text " + kLong, "text " + kSmall, "text " + kLong};
}

TEST(StreamArena, OpenAiChunks) {
  auto chunk = [](std::string_view delta) {
    return R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":)" +
           std::string(delta) + R"(,"finish_reason":null}]})";
  };
  Events events = {{"", chunk(R"({"role":"assistant","content":""})")}};
  for (const std::string& t : {kSmall, kLong, kSmall, kLong})
    events.push_back({"", chunk(R"({"content":)" + Q(t) + "}")});
  events.push_back({"", chunk(R"({"tool_calls":[{"index":0,"id":"call_\"1","type":"function","function":{"name":"f\u00e9","arguments":""}}]})")});
  events.push_back({"", chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":)" + Q(kArgs1) + "}}]}")});
  events.push_back({"", chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":)" + Q(kArgs2) + "}}]}")});
  std::vector<std::string> expected = {"start c1 m"};
  for (const std::string& t : Texts()) expected.push_back(t);
  expected.push_back("tool_start 0 call_\"1 f\xc3\xa9");
  expected.push_back("tool_args 0 " + kArgs1);
  expected.push_back("tool_args 0 " + kArgs2);
  for (bool scan : {true, false}) {
    auto decoder = openai::NewChatStreamDecoder(scan);
    EXPECT_EQ(Decode(*decoder, events), expected) << "scan " << scan;
  }
}

TEST(StreamArena, AnthropicEvents) {
  Events events = {
      {"message_start",
       R"({"type":"message_start","message":{"id":"msg_\u00e9","model":"claude","usage":{"input_tokens":5}}})"},
      {"content_block_start",
       R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"}};
  for (const std::string& t : {kSmall, kLong, kSmall, kLong})
    events.push_back({"content_block_delta",
                      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":)" +
                          Q(t) + "}}"});
  events.push_back({"content_block_start",
                    R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{}}})"});
  for (const std::string& a : {kArgs1, kArgs2})
    events.push_back({"content_block_delta",
                      R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":)" +
                          Q(a) + "}}"});
  auto decoder = anthropic::NewMessagesStreamDecoder();
  std::vector<std::string> expected = {"start msg_\xc3\xa9 claude",
                                       "usage in=5 out=0 cached=0 created=0 reasoning=0"};
  for (const std::string& t : Texts()) expected.push_back(t);
  expected.push_back("tool_start 0 toolu_1 f");
  expected.push_back("tool_args 0 " + kArgs1);
  expected.push_back("tool_args 0 " + kArgs2);
  EXPECT_EQ(Decode(*decoder, events), expected);
}

TEST(StreamArena, GeminiChunks) {
  Events events;
  for (const std::string& t : {kSmall, kLong, kSmall, kLong})
    events.push_back(
        {"", R"({"candidates":[{"content":{"role":"model","parts":[{"text":)" + Q(t) +
                 R"(}]},"index":0}],"modelVersion":"gemini","responseId":"r\"1"})"});
  events.push_back(
      {"", R"({"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"f","args":{"city":"Par\"is \u00e9","note":)" +
               Q(kLong) + R"(}}}]},"finishReason":"STOP","index":0}]})"});
  gemini::GeminiStreamDecoder decoder;
  std::vector<std::string> expected = {"start r\"1 gemini"};
  for (const std::string& t : Texts()) expected.push_back(t);
  expected.push_back("tool_start 0 call_0 f");
  expected.push_back("tool_args 0 " +
                     boost::json::serialize(boost::json::object{{"city", "Par\"is \xc3\xa9"},
                                                                {"note", kLong}}));
  expected.push_back("finish tool_calls");
  EXPECT_EQ(Decode(decoder, events), expected);
}

TEST(StreamArena, BedrockEvents) {
  Events events = {{"messageStart", R"({"role":"assistant"})"}};
  for (const std::string& t : {kSmall, kLong, kSmall, kLong})
    events.push_back({"contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":)" + Q(t) + "}}"});
  events.push_back({"contentBlockStop", R"({"contentBlockIndex":0})"});
  events.push_back({"contentBlockStart",
                    R"({"contentBlockIndex":1,"start":{"toolUse":{"toolUseId":"tooluse_\u00e9","name":"f"}}})"});
  for (const std::string& a : {kArgs1, kArgs2})
    events.push_back({"contentBlockDelta",
                      R"({"contentBlockIndex":1,"delta":{"toolUse":{"input":)" + Q(a) + "}}}"});
  events.push_back({"messageStop", R"({"stopReason":"tool_use"})"});
  bedrock::ConverseStreamDecoder decoder;
  std::vector<std::string> expected = {"start  "};
  for (const std::string& t : Texts()) expected.push_back(t);
  expected.push_back("tool_start 0 tooluse_\xc3\xa9 f");
  expected.push_back("tool_args 0 " + kArgs1);
  expected.push_back("tool_args 0 " + kArgs2);
  expected.push_back("finish tool_calls");
  EXPECT_EQ(Decode(decoder, events), expected);
}

}  // namespace
}  // namespace sluice::providers
