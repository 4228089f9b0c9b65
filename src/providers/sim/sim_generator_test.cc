#include "providers/sim/sim_generator.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <cstring>

namespace sluice::providers::sim {
namespace {

api::ParsedRequest Parse(api::ApiKind kind, const char* body) {
  api::ParsedRequest out;
  core::GatewayError error;
  EXPECT_TRUE(api::ParseOpenAiRequest(kind, body, out, error)) << error.message;
  return out;
}

TEST(SimGenerator, SameRequestSameAnswerAndCountsTokens) {
  config::SimSettings settings;
  settings.tokens = 6;
  auto a = Parse(api::ApiKind::kChatCompletions,
                 R"({"model":"sim","messages":[{"role":"user","content":"hello"}]})");
  auto b = Parse(api::ApiKind::kChatCompletions,
                 R"({"model":"sim","messages":[{"role":"user","content":"hello"}]})");
  auto c = Parse(api::ApiKind::kChatCompletions,
                 R"({"model":"sim","messages":[{"role":"user","content":"other"}]})");
  ResponseIds ids{"id", "sim", 0};
  EXPECT_EQ(RenderCompletion(a.kind, ids, PlanAnswer(a, settings)),
            RenderCompletion(b.kind, ids, PlanAnswer(b, settings)));
  EXPECT_NE(RenderCompletion(a.kind, ids, PlanAnswer(a, settings)),
            RenderCompletion(c.kind, ids, PlanAnswer(c, settings)));
  auto body =
      boost::json::parse(RenderCompletion(a.kind, ids, PlanAnswer(a, settings))).as_object();
  EXPECT_EQ(body["usage"].at("completion_tokens").as_int64(), 6);
  EXPECT_GT(body["usage"].at("prompt_tokens").as_int64(), 0);
  EXPECT_EQ(body["choices"].at(0).at("finish_reason").as_string(), "stop");
}

TEST(SimGenerator, MaxTokensTruncates) {
  config::SimSettings settings;
  settings.tokens = 10;
  auto r = Parse(api::ApiKind::kCompletions, R"({"model":"sim","prompt":"x","max_tokens":3})");
  SimAnswer answer = PlanAnswer(r, settings);
  EXPECT_EQ(answer.tokens.size(), 3u);
  auto body = boost::json::parse(RenderCompletion(r.kind, {"id", "sim", 0}, answer)).as_object();
  EXPECT_EQ(body["choices"].at(0).at("finish_reason").as_string(), "length");
  EXPECT_EQ(body["object"].as_string(), "text_completion");
}

TEST(SimGenerator, EmbeddingsAreDeterministicUnitVectors) {
  config::SimSettings settings;
  settings.embedding_dims = 8;
  auto r = Parse(api::ApiKind::kEmbeddings, R"({"model":"sim","input":["a","b","a"]})");
  uint32_t prompt_tokens = 0;
  auto body = boost::json::parse(RenderEmbeddings(r, {"id", "sim", 0}, settings, &prompt_tokens))
                  .as_object();
  auto& data = body["data"].as_array();
  ASSERT_EQ(data.size(), 3u);
  EXPECT_EQ(data[0].at("embedding"), data[2].at("embedding"));
  EXPECT_NE(data[0].at("embedding"), data[1].at("embedding"));
  double norm = 0;
  for (auto& x : data[0].at("embedding").as_array()) norm += x.as_double() * x.as_double();
  EXPECT_NEAR(norm, 1.0, 1e-9);
  EXPECT_GT(prompt_tokens, 0u);
}

TEST(SimGenerator, EmbeddingsInBase64AreLittleEndianFloat32) {
  config::SimSettings settings;
  settings.embedding_dims = 3;
  auto r =
      Parse(api::ApiKind::kEmbeddings, R"({"model":"sim","input":"a","encoding_format":"base64"})");
  uint32_t prompt_tokens = 0;
  auto body = boost::json::parse(RenderEmbeddings(r, {"id", "sim", 0}, settings, &prompt_tokens))
                  .as_object();
  std::string_view b64 = body["data"].at(0).at("embedding").as_string();
  EXPECT_EQ(b64.size(), 16u);  // 12 bytes -> 16 base64 characters
  auto plain = Parse(api::ApiKind::kEmbeddings, R"({"model":"sim","input":"a"})");
  auto floats =
      boost::json::parse(RenderEmbeddings(plain, {"id", "sim", 0}, settings, &prompt_tokens))
          .as_object();
  // Decode the first float and compare with the JSON form.
  auto val = [](char c) -> uint32_t {
    return static_cast<uint32_t>(
        std::string_view("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
            .find(c));
  };
  uint32_t n = val(b64[0]) << 18 | val(b64[1]) << 12 | val(b64[2]) << 6 | val(b64[3]);
  uint32_t n2 = val(b64[4]) << 18 | val(b64[5]) << 12;
  uint32_t bits =
      (n >> 16 & 0xff) | (n >> 8 & 0xff) << 8 | (n & 0xff) << 16 | (n2 >> 16 & 0xff) << 24;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  EXPECT_NEAR(f, floats["data"].at(0).at("embedding").at(0).as_double(), 1e-6);
}

}  // namespace
}  // namespace sluice::providers::sim
