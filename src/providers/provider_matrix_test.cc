// docs/providers.md's request-feature matrix, checked against the adapters so it cannot drift: for
// every provider API × feature, a request using the feature is encoded; "rejected" cells must fail
// with caller_unsupported_feature, every other cell must encode.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "api/golden_test_util.h"
#include "api/unified.h"
#include "providers/anthropic/anthropic_adapter.h"
#include "providers/bedrock/converse_codec.h"
#include "providers/dashscope/dashscope_native.h"
#include "providers/gemini/gemini_codec.h"
#include "providers/ollama/ollama_chat.h"
#include "providers/openai/openai_chat_adapter.h"

namespace sluice::providers {
namespace {

using api::ChatRequest;
using api::Part;
using golden::Text;

using Encoder = std::function<bool(const ChatRequest&, core::GatewayError&)>;

std::map<std::string, Encoder> Encoders() {
  std::string body;
  return {
      {"openai",
       [body](const ChatRequest& r, core::GatewayError& e) mutable {
         return openai::EncodeChatRequest(r, "m", body, e);
       }},
      {"anthropic",
       [body](const ChatRequest& r, core::GatewayError& e) mutable {
         return anthropic::EncodeMessagesRequest(r, "m", body, e);
       }},
      {"gemini",
       [body](const ChatRequest& r, core::GatewayError& e) mutable {
         return gemini::EncodeGeminiRequest(r, body, e);
       }},
      {"bedrock",
       [body](const ChatRequest& r, core::GatewayError& e) mutable {
         return bedrock::EncodeConverseRequest(r, body, e);
       }},
      {"ollama",
       [body](const ChatRequest& r, core::GatewayError& e) mutable {
         return ollama::EncodeOllamaChatRequest(r, "m", body, e);
       }},
      {"dashscope-native",
       [body](const ChatRequest& r, core::GatewayError& e) mutable {
         return dashscope::EncodeDashScopeRequest(r, "m", body, e);
       }},
  };
}

Part MakePart(Part::Kind kind, std::string text = {}) {
  Part p;
  p.kind = kind;
  p.text = std::move(text);
  return p;
}

ChatRequest Base() {
  ChatRequest r;
  r.model = "m";
  api::Message m;
  m.parts.push_back(Text("hello"));
  r.messages.push_back(m);
  return r;
}

api::Tool WeatherTool() {
  api::Tool t;
  t.name = "get_weather";
  t.description = "weather";
  t.parameters = boost::json::object{{"type", "object"}, {"properties", boost::json::object{}}};
  return t;
}

// Each row of the matrix: a request that uses the feature.
std::map<std::string, std::function<void(ChatRequest&)>> Features() {
  return {
      {"system prompt", [](ChatRequest& r) { r.system.push_back(Text("be brief")); }},
      {"multi-turn",
       [](ChatRequest& r) {
         api::Message a{api::Role::kAssistant, {Text("hi")}};
         api::Message u{api::Role::kUser, {Text("again")}};
         r.messages.push_back(a);
         r.messages.push_back(u);
       }},
      {"tools", [](ChatRequest& r) { r.tools.push_back(WeatherTool()); }},
      {"tool_choice auto / required / named",
       [](ChatRequest& r) {
         r.tools.push_back(WeatherTool());
         r.tool_choice.kind = api::ToolChoice::Kind::kRequired;
       }},
      {"tool calls and tool results",
       [](ChatRequest& r) {
         r.tools.push_back(WeatherTool());
         Part call = MakePart(Part::Kind::kToolCall);
         call.id = "c1";
         call.name = "get_weather";
         call.arguments = "{\"city\":\"Paris\"}";
         r.messages.push_back(api::Message{api::Role::kAssistant, {call}});
         Part result = MakePart(Part::Kind::kToolResult, "sunny");
         result.tool_call_id = "c1";
         r.messages.push_back(api::Message{api::Role::kTool, {result}});
       }},
      {"parallel_tool_calls: false",
       [](ChatRequest& r) {
         r.tools.push_back(WeatherTool());
         r.parallel_tool_calls = false;
       }},
      {"image (base64)",
       [](ChatRequest& r) {
         Part image = MakePart(Part::Kind::kImage);
         image.media_type = "image/png";
         image.data = "iVBORw0KGgo=";
         r.messages[0].parts.push_back(image);
       }},
      {"image (https URL)",
       [](ChatRequest& r) {
         Part image = MakePart(Part::Kind::kImage);
         image.url = "https://example.com/cat.png";
         r.messages[0].parts.push_back(image);
       }},
      {"response_format json_object",
       [](ChatRequest& r) { r.response_format.kind = api::ResponseFormat::Kind::kJsonObject; }},
      {"response_format json_schema",
       [](ChatRequest& r) {
         r.response_format.kind = api::ResponseFormat::Kind::kJsonSchema;
         r.response_format.name = "x";
         r.response_format.schema = boost::json::object{{"type", "object"}};
       }},
      {"stop", [](ChatRequest& r) { r.stop = {"END"}; }},
      {"temperature, top_p", [](ChatRequest& r) { r.temperature = 0.5, r.top_p = 0.9; }},
      {"top_k", [](ChatRequest& r) { r.top_k = 40; }},
      {"max_tokens", [](ChatRequest& r) { r.max_tokens = 100; }},
      {"thinking budget", [](ChatRequest& r) { r.thinking_budget = 2048; }},
      {"reasoning_effort", [](ChatRequest& r) { r.reasoning_effort = "low"; }},
      {"presence / frequency penalty", [](ChatRequest& r) { r.presence_penalty = 0.5; }},
      {"seed", [](ChatRequest& r) { r.seed = 7; }},
      {"user", [](ChatRequest& r) { r.user = "u-1"; }},
      {"cache_control", [](ChatRequest& r) { r.messages[0].parts[0].cache_control.set = true; }},
      {"signed thinking in history",
       [](ChatRequest& r) {
         Part thinking = MakePart(Part::Kind::kThinking, "hmm");
         thinking.signature = "sig";
         r.messages.push_back(api::Message{api::Role::kAssistant, {thinking, Text("hi")}});
         r.messages.push_back(api::Message{api::Role::kUser, {Text("again")}});
       }},
  };
}

std::vector<std::string> Cells(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream ss(line);
  std::string cell;
  std::getline(ss, cell, '|');  // before the first '|'
  while (std::getline(ss, cell, '|')) {
    size_t a = cell.find_first_not_of(' '), b = cell.find_last_not_of(' ');
    cells.push_back(a == std::string::npos ? "" : cell.substr(a, b - a + 1));
  }
  if (!cells.empty() && cells.back().empty()) cells.pop_back();
  return cells;
}

TEST(ProviderMatrix, DocsMatchTheAdapters) {
  std::ifstream doc(SLUICE_SOURCE_DIR "/docs/providers.md");
  ASSERT_TRUE(doc) << "docs/providers.md not found";
  std::string line;
  // The request matrix starts at the header row "| Request feature | openai | ...".
  std::vector<std::string> apis;
  while (std::getline(doc, line))
    if (line.rfind("| Request feature", 0) == 0) {
      apis = Cells(line);
      break;
    }
  ASSERT_GE(apis.size(), 5u) << "request matrix header not found";
  std::getline(doc, line);  // the |---| row
  auto features = Features();
  auto encoders = Encoders();
  size_t rows = 0;
  while (std::getline(doc, line) && line.rfind("|", 0) == 0) {
    auto cells = Cells(line);
    ASSERT_EQ(cells.size(), apis.size()) << line;
    auto feature = features.find(cells[0]);
    ASSERT_NE(feature, features.end()) << "no test request for feature '" << cells[0] << "'";
    ++rows;
    for (size_t i = 1; i < apis.size(); ++i) {
      auto encoder = encoders.find(apis[i]);
      ASSERT_NE(encoder, encoders.end()) << "unknown API column " << apis[i];
      ChatRequest r = Base();
      feature->second(r);
      core::GatewayError error;
      bool ok = encoder->second(r, error);
      bool rejected = cells[i].rfind("rejected", 0) == 0;
      EXPECT_EQ(ok, !rejected) << cells[0] << " × " << apis[i] << ": docs say '" << cells[i]
                               << "'" << (ok ? "" : ", adapter said: " + error.message);
      if (!ok && rejected) {
        EXPECT_EQ(error.code, core::ErrorCode::kCallerUnsupportedFeature) << cells[0];
      }
    }
  }
  EXPECT_EQ(rows, features.size()) << "every tested feature has a row in the matrix";
}

}  // namespace
}  // namespace sluice::providers
