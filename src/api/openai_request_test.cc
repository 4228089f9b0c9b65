#include "api/openai_request.h"

#include <gtest/gtest.h>

#include <boost/json/monotonic_resource.hpp>

namespace sluice::api {
namespace {

using core::ErrorCode;

struct BadCase {
  ApiKind kind;
  const char* body;
  ErrorCode code;
  const char* param;
};

TEST(ParseOpenAiRequest, RejectsEveryMalformedShapeWithTheFieldNamed) {
  const BadCase cases[] = {
      {ApiKind::kChatCompletions, "", ErrorCode::kCallerInvalidJson, ""},
      {ApiKind::kChatCompletions, "{\"model\":", ErrorCode::kCallerInvalidJson, ""},
      {ApiKind::kChatCompletions, "[1,2]", ErrorCode::kCallerInvalidJson, ""},
      {ApiKind::kChatCompletions, "\"text\"", ErrorCode::kCallerInvalidJson, ""},
      {ApiKind::kChatCompletions, R"({"messages":[{"role":"user","content":"x"}]})",
       ErrorCode::kCallerInvalidRequest, "model"},
      {ApiKind::kChatCompletions, R"({"model":7,"messages":[]})", ErrorCode::kCallerInvalidRequest,
       "model"},
      {ApiKind::kChatCompletions, R"({"model":"","messages":[]})", ErrorCode::kCallerInvalidRequest,
       "model"},
      {ApiKind::kChatCompletions, R"({"model":"m"})", ErrorCode::kCallerInvalidRequest, "messages"},
      {ApiKind::kChatCompletions, R"({"model":"m","messages":{}})",
       ErrorCode::kCallerInvalidRequest, "messages"},
      {ApiKind::kChatCompletions, R"({"model":"m","messages":[]})",
       ErrorCode::kCallerInvalidRequest, "messages"},
      {ApiKind::kChatCompletions, R"({"model":"m","messages":["hi"]})",
       ErrorCode::kCallerInvalidRequest, "messages[0]"},
      {ApiKind::kChatCompletions, R"({"model":"m","messages":[{"content":"x"}]})",
       ErrorCode::kCallerInvalidRequest, "messages[0].role"},
      {ApiKind::kChatCompletions, R"({"model":"m","messages":[{"role":1}]})",
       ErrorCode::kCallerInvalidRequest, "messages[0].role"},
      {ApiKind::kChatCompletions, R"({"model":"m","messages":[{"role":"user"}],"stream":"yes"})",
       ErrorCode::kCallerInvalidRequest, "stream"},
      {ApiKind::kChatCompletions, R"({"model":"m","messages":[{"role":"user"}],"max_tokens":-1})",
       ErrorCode::kCallerInvalidRequest, "max_tokens"},
      {ApiKind::kChatCompletions, R"({"model":"m","messages":[{"role":"user"}],"max_tokens":"9"})",
       ErrorCode::kCallerInvalidRequest, "max_tokens"},
      {ApiKind::kChatCompletions,
       R"({"model":"m","messages":[{"role":"user"}],"stream_options":{"include_usage":1}})",
       ErrorCode::kCallerInvalidRequest, "stream_options.include_usage"},
      {ApiKind::kCompletions, R"({"model":"m"})", ErrorCode::kCallerInvalidRequest, "prompt"},
      {ApiKind::kCompletions, R"({"model":"m","prompt":[]})", ErrorCode::kCallerInvalidRequest,
       "prompt"},
      {ApiKind::kEmbeddings, R"({"model":"m"})", ErrorCode::kCallerInvalidRequest, "input"},
      {ApiKind::kEmbeddings, R"({"model":"m","input":5})", ErrorCode::kCallerInvalidRequest,
       "input"},
      {ApiKind::kEmbeddings, R"({"model":"m","input":[{}]})", ErrorCode::kCallerInvalidRequest,
       "input"},
  };
  for (const auto& c : cases) {
    ParsedRequest out;
    core::GatewayError error;
    EXPECT_FALSE(ParseOpenAiRequest(c.kind, c.body, out, error)) << c.body;
    EXPECT_EQ(error.code, c.code) << c.body;
    EXPECT_EQ(error.param, c.param) << c.body;
    EXPECT_FALSE(error.message.empty());
  }
}

TEST(ParseOpenAiRequest, DeeplyNestedJsonIsRejectedNotRecursedInto) {
  std::string body = R"({"model":"m","messages":)" + std::string(100000, '[');
  ParsedRequest out;
  core::GatewayError error;
  EXPECT_FALSE(ParseOpenAiRequest(ApiKind::kChatCompletions, body, out, error));
  EXPECT_EQ(error.code, ErrorCode::kCallerInvalidJson);
}

TEST(ParseOpenAiRequest, ReadsTheFieldsRoutingNeeds) {
  boost::json::monotonic_resource arena;
  ParsedRequest out(&arena);
  core::GatewayError error;
  ASSERT_TRUE(ParseOpenAiRequest(
      ApiKind::kChatCompletions,
      R"({"model":"gpt","stream":true,"stream_options":{"include_usage":true},"max_tokens":5,)"
      R"("messages":[{"role":"system","content":"abcd"},{"role":"user","content":[{"type":"text","text":"efgh"}]}]})",
      out, error));
  EXPECT_EQ(out.model, "gpt");
  EXPECT_TRUE(out.stream);
  EXPECT_TRUE(out.client_wants_usage);
  EXPECT_EQ(out.max_tokens, 5);
  EXPECT_EQ(out.prompt_chars, 8u);
  EXPECT_EQ(out.doc.storage().get(), &arena);  // the DOM lives in the request arena
}

TEST(ParseOpenAiRequest, AcceptsEmbeddingInputForms) {
  for (const char* body :
       {R"({"model":"m","input":"x"})", R"({"model":"m","input":["a","b"]})",
        R"({"model":"m","input":[1,2,3]})", R"({"model":"m","input":[[1,2],[3]]})"}) {
    ParsedRequest out;
    core::GatewayError error;
    EXPECT_TRUE(ParseOpenAiRequest(ApiKind::kEmbeddings, body, out, error)) << body;
  }
}

}  // namespace
}  // namespace sluice::api
