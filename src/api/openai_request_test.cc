#include "api/openai_request.h"

#include <gtest/gtest.h>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/json_parse.h"
#include "core/json_test_util.h"

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
  EXPECT_EQ(out.storage().get(), &arena);  // a DOM would live in the request arena
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

TEST(ScanOpenAiRequest, ReadsACommonRequestWithoutADomAndBuildsOneOnDemand) {
  std::string text =
      "{ \"model\" : \"gpt\",\n  \"messages\": [{\"role\":\"user\",\"content\":\"caf\xc3\xa9 "
      "\\u00e9\"}],"
      "\n  \"stream\": true, \"max_completion_tokens\": 9, \"max_tokens\": 3 }\n";
  boost::json::monotonic_resource arena;
  ParsedRequest out(&arena);
  core::GatewayError error;
  ASSERT_TRUE(ParseOpenAiRequest(ApiKind::kChatCompletions, text, out, error));
  ASSERT_TRUE(out.unparsed.has_value());  // the scan read it
  EXPECT_EQ(out.model, "gpt");
  EXPECT_TRUE(out.stream);
  EXPECT_FALSE(out.client_wants_usage);
  EXPECT_EQ(out.max_tokens, 9);     // max_completion_tokens wins, as on the DOM path
  EXPECT_EQ(out.prompt_chars, 8u);  // "café é": decoded bytes, as the DOM counts them
  EXPECT_TRUE(out.has_body());
  EXPECT_EQ(out.body().at("messages").as_array().size(), 1u);  // built on first use
  EXPECT_FALSE(out.unparsed.has_value());                      // and from now on the request
  EXPECT_EQ(out.storage().get(), &arena);
}

TEST(ScanOpenAiRequest, LeavesDuplicateAndEscapedKeysToTheDom) {
  for (const char* body : {R"({"model":"a","model":"b","messages":[{"role":"user"}]})",
                           R"({"model":"b","m\u0065ssages":[{"role":"user"}]})"}) {
    ParsedRequest out;
    core::GatewayError error;
    ASSERT_TRUE(ParseOpenAiRequest(ApiKind::kChatCompletions, body, out, error)) << body;
    EXPECT_FALSE(out.unparsed.has_value()) << body;
    EXPECT_EQ(out.model, "b");  // the DOM keeps the last duplicate, and it is what goes upstream
    EXPECT_EQ(boost::json::serialize(out.body()).find("\"a\""), std::string::npos);
  }
}

TEST(SpliceUpstreamBody, KeepsTheClientsTextAndChangesOnlyWhatItMust) {
  std::string text =
      "{\"model\": \"gpt\", \"messages\":[{\"role\":\"user\",\"content\":\"\\u00e9\"}] }";
  ParsedRequest out;
  ASSERT_TRUE(ScanOpenAiRequest(ApiKind::kChatCompletions, text, out));
  EXPECT_EQ(*SpliceUpstreamBody(*out.unparsed, "gpt", false), text);
  EXPECT_EQ(
      *SpliceUpstreamBody(*out.unparsed, "up/\"x\"", false),
      "{\"model\": \"up/\\\"x\\\"\", \"messages\":[{\"role\":\"user\",\"content\":\"\\u00e9\"}] }");
  EXPECT_EQ(*SpliceUpstreamBody(*out.unparsed, "gpt", true),
            "{\"model\": \"gpt\", \"messages\":[{\"role\":\"user\",\"content\":\"\\u00e9\"}] "
            ",\"stream_options\":{\"include_usage\":true}}");
  std::string with_options =
      R"({"model":"gpt","messages":[{"role":"user"}],"stream_options":null})";
  ASSERT_TRUE(ScanOpenAiRequest(ApiKind::kChatCompletions, with_options, out));
  EXPECT_FALSE(SpliceUpstreamBody(*out.unparsed, "gpt", true).has_value());  // the DOM edits it
  EXPECT_EQ(*SpliceUpstreamBody(*out.unparsed, "gpt", false), with_options);
}

// Found by the fuzz target: numbers go upstream as the client wrote them, which Boost.JSON may read
// a ULP away from its reading of the client's text (see core::SameJson).
TEST(SpliceUpstreamBody, KeepsNumbersAsTheClientWroteThem) {
  std::string text = R"(  {"model":"m","prompt":[1,[2,30000000000.0020000],"x"]})";
  ParsedRequest scan, dom;
  core::GatewayError error;
  ASSERT_TRUE(ScanOpenAiRequest(ApiKind::kCompletions, text, scan));
  ASSERT_TRUE(ParseOpenAiRequestDom(ApiKind::kCompletions, text, dom, error));
  std::string spliced = *SpliceUpstreamBody(*scan.unparsed, "m", true);
  EXPECT_NE(spliced.find("[2,30000000000.0020000]"), std::string::npos) << spliced;
  boost::system::error_code ec;
  boost::json::value parsed = core::ParseJson(spliced, {}, ec);
  ASSERT_FALSE(ec);
  boost::json::object want = dom.body();
  EditUpstreamBody(want, "m", true);
  EXPECT_TRUE(core::SameJson(parsed, want)) << spliced;
}

// Random request bodies, and damaged copies, for each endpoint: whatever the scan accepts, the DOM
// path accepts with the same fields, and the spliced upstream body is the DOM path's one.
class RandomRequest {
 public:
  explicit RandomRequest(std::mt19937& rng) : rng_(rng) {}

  // Each member is left out a third of the time; when present, one of its valid values, or one
  // of its invalid ones a fifth of the time.
  std::string Next() {
    struct Member {
      std::vector<const char*> valid, invalid;
    };
    static const std::vector<Member> kMembers = {
        {{R"("model":"gpt")"}, {R"("model":"g\u0070t")", R"("model":"")", R"("model":7)"}},
        {{R"("messages":[{"role":"user","content":"hi"}])",
          R"("messages":[{"role":"system","content":"a\nb\u00e9\ud83d\ude00"},{"content":[{"type":"text","text":"xyz"},{"text":5},7],"role":"user"}])",
          R"("messages":[{"role":"user","content":null,"name":"n"}])"},
         {R"("messages":[])", R"("messages":[{"content":"x"}])", R"("messages":[{"role":1}])",
          R"("messages":["m"])", R"("messages":{})"}},
        {{R"("prompt":"once")", R"("prompt":["a","bc"])", R"("prompt":[1,2,-3])",
          R"("prompt":[[1,2],[3]])"},
         {R"("prompt":[])", R"("prompt":[1.5])", R"("prompt":true)"}},
        {{R"("input":"x")", R"("input":["a",[1,2,3]])"},
         {R"("input":[18446744073709551615])", R"("input":[null])"}},
        {{R"("stream":true)", R"("stream":false)", R"("stream":null)"}, {R"("stream":"yes")"}},
        {{R"("stream_options":{"include_usage":true})",
          R"("stream_options":{"include_usage":false})", R"("stream_options":{})",
          R"("stream_options":null)"},
         {R"("stream_options":{"include_usage":1})", R"("stream_options":"x")"}},
        {{R"("max_tokens":5)", R"("max_tokens":null)"},
         {R"("max_tokens":0)", R"("max_tokens":-1)", R"("max_tokens":1.5)", R"("max_tokens":"5")",
          R"("max_tokens":12345678901234567890)"}},
        {{R"("max_completion_tokens":7)", R"("max_completion_tokens":null)"},
         {R"("max_completion_tokens":-0)"}},
        {{R"("temperature":0.7)", R"("user":"u")",
          R"("tools":[{"type":"function","function":{"name":"f","parameters":{}}}])", R"("n":1e2)",
          R"("seed":-42)"},
         {R"("model":"gpt")"}},  // a duplicate key
    };
    std::vector<std::string> members;
    for (const Member& m : kMembers) {
      if (rng_() % 3 == 0) continue;
      const auto& values = rng_() % 5 == 0 ? m.invalid : m.valid;
      members.push_back(values[rng_() % values.size()]);
    }
    std::shuffle(members.begin(), members.end(), rng_);
    std::string body = rng_() % 2 ? "{" : " {\n ";
    for (size_t i = 0; i < members.size(); ++i)
      body += (i ? (rng_() % 2 ? "," : " ,\n ") : "") + members[i];
    return body + (rng_() % 2 ? "}" : " }\n");
  }

 private:
  std::mt19937& rng_;
};

// The upstream body the DOM path builds.
boost::json::value DomUpstreamBody(ParsedRequest& request, std::string_view model, bool add_usage) {
  boost::json::object body = request.body();
  EditUpstreamBody(body, model, add_usage);
  return body;
}

void ExpectScanAgreesWithDom(ApiKind kind, const std::string& body, int& scanned) {
  ParsedRequest scan;
  if (!ScanOpenAiRequest(kind, body, scan)) return;
  ++scanned;
  ParsedRequest dom;
  core::GatewayError error;
  ASSERT_TRUE(ParseOpenAiRequestDom(kind, body, dom, error)) << body << ": " << error.message;
  EXPECT_EQ(scan.model, dom.model) << body;
  EXPECT_EQ(scan.stream, dom.stream) << body;
  EXPECT_EQ(scan.client_wants_usage, dom.client_wants_usage) << body;
  EXPECT_EQ(scan.max_tokens, dom.max_tokens) << body;
  EXPECT_EQ(scan.prompt_chars, dom.prompt_chars) << body;
  for (std::string_view model : {"gpt", "other \"one\""})
    for (bool add_usage : {false, true}) {
      auto spliced = SpliceUpstreamBody(*scan.unparsed, model, add_usage);
      if (!spliced) {
        EXPECT_TRUE(add_usage && scan.unparsed->has_stream_options) << body;
        continue;
      }
      boost::system::error_code ec;
      boost::json::value parsed = core::ParseJson(*spliced, {}, ec);
      ASSERT_FALSE(ec) << *spliced;
      EXPECT_TRUE(core::SameJson(parsed, DomUpstreamBody(dom, model, add_usage)))
          << body << " -> " << *spliced;
    }
}

TEST(ScanOpenAiRequest, AgreesWithTheDomPathOnRandomRequests) {
  std::mt19937 rng(2026);
  RandomRequest random(rng);
  int scanned = 0;
  for (int i = 0; i < 6000; ++i) {
    std::string body = random.Next();
    std::vector<std::string> cases = core::Damaged(rng, body);
    cases.push_back(body);
    for (const std::string& text : cases)
      for (ApiKind kind : {ApiKind::kChatCompletions, ApiKind::kCompletions, ApiKind::kEmbeddings})
        ExpectScanAgreesWithDom(kind, text, scanned);
    if (HasFailure()) break;
  }
  EXPECT_GT(scanned, 3000);  // the comparison ran on many accepted requests (4,591 today)
}

}  // namespace
}  // namespace sluice::api
