#include "providers/openai/openai_stream.h"

#include <gtest/gtest.h>

#include <boost/json/value.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/json_parse.h"
#include "core/json_test_util.h"

namespace sluice::providers::openai {
namespace {

using core::Damaged;
using core::RandomJson;

http::SseEvent Data(std::string_view data) { return {data, {}, data}; }

TEST(StreamInspector, DropsOnlyTheUsageChunkTheGatewayAskedFor) {
  StreamInspector inspector(/*drop_usage_chunk=*/true);
  using A = StreamInspector::Action;
  EXPECT_EQ(inspector.OnEvent(Data(R"({"choices":[{"delta":{"content":"hi"}}],"usage":null})")),
            A::kForward);
  EXPECT_EQ(
      inspector.OnEvent(Data(
          R"({"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,)"
          R"("prompt_tokens_details":{"cached_tokens":3},"completion_tokens_details":{"reasoning_tokens":1}}})")),
      A::kDrop);
  EXPECT_EQ(inspector.OnEvent(Data("[DONE]")), A::kForward);
  EXPECT_TRUE(inspector.usage_reported());
  EXPECT_EQ(inspector.usage().input, 5u);
  EXPECT_EQ(inspector.usage().output, 2u);
  EXPECT_EQ(inspector.usage().cached_input, 3u);
  EXPECT_EQ(inspector.usage().reasoning, 1u);
  EXPECT_TRUE(inspector.saw_done());
  EXPECT_EQ(inspector.data_events(), 2u);
}

TEST(StreamInspector, KeepsUsageTheClientAskedForAndUsageOnContentChunks) {
  StreamInspector keep(/*drop_usage_chunk=*/false);
  EXPECT_EQ(
      keep.OnEvent(Data(R"({"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}})")),
      StreamInspector::Action::kForward);
  StreamInspector drop(/*drop_usage_chunk=*/true);
  // Some servers put usage on the last content chunk: never drop content.
  EXPECT_EQ(
      drop.OnEvent(Data(
          R"({"choices":[{"delta":{"content":"x"}}],"usage":{"prompt_tokens":4,"completion_tokens":9}})")),
      StreamInspector::Action::kForward);
  EXPECT_EQ(drop.usage().output, 9u);
}

TEST(StreamInspector, ToleratesGarbage) {
  StreamInspector inspector(true);
  EXPECT_EQ(inspector.OnEvent(Data(R"({"error":{"message":"overloaded"}})")),
            StreamInspector::Action::kForward);
  EXPECT_EQ(inspector.OnEvent(Data(R"({"usage": {broken)")), StreamInspector::Action::kForward);
  EXPECT_FALSE(inspector.usage_reported());
}

TEST(StreamEvents, EmptyAndShortDataAreHarmless) {
  EXPECT_FALSE(IsInBandError(std::string_view()));
  EXPECT_FALSE(IsInBandError("x"));
  StreamInspector inspector(true);
  EXPECT_EQ(inspector.OnEvent(Data("u")), StreamInspector::Action::kForward);
  EXPECT_EQ(inspector.OnEvent(Data(std::string_view())), StreamInspector::Action::kForward);
}

TEST(StreamEvents, ContentFreeAndInBandErrors) {
  EXPECT_TRUE(IsContentFree(
      R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})"));
  EXPECT_TRUE(IsContentFree(R"({"choices":[]})"));
  EXPECT_FALSE(IsContentFree(R"({"choices":[{"delta":{"content":"Hi"}}]})"));
  EXPECT_FALSE(IsContentFree(R"({"choices":[{"delta":{"tool_calls":[{"index":0}]}}]})"));
  EXPECT_FALSE(IsContentFree(R"({"choices":[{"delta":{},"finish_reason":"stop"}]})"));
  EXPECT_FALSE(IsContentFree(R"({"choices":[{"text":"x","finish_reason":null}]})"));
  EXPECT_FALSE(IsContentFree("[DONE]"));
  EXPECT_TRUE(IsInBandError(R"({"error":{"message":"overloaded","type":"server_error"}})"));
  EXPECT_FALSE(IsInBandError(R"({"choices":[{"delta":{"content":"error"}}],"error":null})"));
  EXPECT_FALSE(IsInBandError(R"({"choices":[{"delta":{"content":"the \"error\": field"}}]})"));
}

// The DOM version IsContentFree replaced: the reference its SAX scan must agree with.
bool NonEmptyString(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v && v->is_string() && !v->get_string().empty();
}

bool ContentFreeByDom(std::string_view data) {
  if (data.empty()) return true;
  boost::system::error_code ec;
  boost::json::value v = core::ParseJson(data, {}, ec);
  if (ec || !v.is_object()) return false;
  const boost::json::value* choices = v.get_object().if_contains("choices");
  if (!choices || !choices->is_array()) return true;
  for (const auto& choice : choices->get_array()) {
    if (!choice.is_object()) return false;
    const boost::json::object& c = choice.get_object();
    if (const boost::json::value* finish = c.if_contains("finish_reason");
        finish && !finish->is_null())
      return false;
    if (NonEmptyString(c, "text")) return false;
    const boost::json::value* delta = c.if_contains("delta");
    if (!delta || !delta->is_object()) continue;
    const boost::json::object& d = delta->get_object();
    if (NonEmptyString(d, "content") || NonEmptyString(d, "refusal") ||
        NonEmptyString(d, "reasoning_content") || d.contains("tool_calls") ||
        d.contains("function_call"))
      return false;
  }
  return true;
}

TEST(StreamEvents, ContentFreeAgreesWithTheDomPath) {
  const char* events[] = {
      R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})",
      R"({"choices":[{"index":0,"delta":{"content":"tok000 "},"finish_reason":null}]})",
      R"({"choices":[{"delta":{"role":"assistant"}},{"delta":{"content":"x"}}]})",
      R"({"choices":[{"delta":{}},{"delta":{}}]})",
      R"({"choices":[{"delta":{}}, 1]})",
      R"({"choices":[{"delta":{}}, []]})",
      R"({"choices":[{"delta":{}}, null]})",
      R"({"choices":[{"delta":{"content":null,"refusal":"","reasoning_content":""}}]})",
      R"({"choices":[{"delta":{"refusal":"no"}}]})",
      R"({"choices":[{"delta":{"reasoning_content":"hmm"}}]})",
      R"({"choices":[{"delta":{"tool_calls":null}}]})",
      R"({"choices":[{"delta":{"function_call":{}}}]})",
      R"({"choices":[{"delta":{"content":"x","content":""}}]})",
      R"({"choices":[{"delta":{"content":"","content":"x"}}]})",
      R"({"choices":[{"delta":{"tool_calls":[1]},"delta":{}}]})",
      R"({"choices":[{"delta":{},"delta":{"tool_calls":[1]}}]})",
      R"({"choices":[{"delta":"text"}]})",
      R"({"choices":[{"delta":{"x":{"content":"deep"}}}]})",
      R"({"choices":[{"finish_reason":"stop","finish_reason":null}]})",
      R"({"choices":[{"finish_reason":null,"finish_reason":0}]})",
      R"({"choices":[{"finish_reason":{}}]})",
      R"({"choices":[{"text":""},{"text":"a"}]})",
      R"({"choices":[{"text":"a","text":""}]})",
      R"({"choices":[{"text":5}]})",
      R"({"choices":[{"message":{"content":"not a delta"}}]})",
      R"({"choices":[{"delta":{"content":"x"}}],"choices":[]})",
      R"({"choices":[],"choices":[{"delta":{"content":"x"}}]})",
      R"({"choices":[{"delta":{"content":"x"}}],"choices":null})",
      R"({"choices":{"delta":{"content":"x"}}})",
      R"({"x":{"choices":[{"delta":{"content":"x"}}]}})",
      R"({"usage":{"prompt_tokens":1},"choices":[]})",
      R"({"ch\u006fices":[{"delta":{"c\u006fntent":"x"}}]})",
      R"({"choices":[{"delta":{"content":"\u0000"}}]})",
      R"({})",
      R"([])",
      R"([DONE])",
      "[DONE]",
      "",
      R"({"choices":[{"delta":{"content":"x"}})",
      R"({"choices":[]} x)",
      R"({"choices":[{"delta":{"content":"x"}}]}})",
  };
  for (const char* e : events) EXPECT_EQ(IsContentFree(e), ContentFreeByDom(e)) << e;
  // Random chunks built from the keys that matter, whole and damaged.
  std::mt19937 rng(424242);
  RandomJson random{
      rng,
      {{"0", "-1.5", "true", "false", "null"}, {"\"\"", "\"x\"", "\"\\u0041\"", "\"content\""}},
      {"\"choices\"", "\"delta\"", "\"content\"", "\"refusal\"", "\"reasoning_content\"",
       "\"tool_calls\"", "\"function_call\"", "\"finish_reason\"", "\"text\"", "\"role\"",
       "\"c\\u006fntent\""},
      4,
      4};
  for (int i = 0; i < 20000; ++i) {
    std::string e = "{\"choices\":" + random.Value(1) + "}";
    if (rng() % 2) e = random.Value(0);
    EXPECT_EQ(IsContentFree(e), ContentFreeByDom(e)) << e;
    for (const std::string& damaged : Damaged(rng, e))
      EXPECT_EQ(IsContentFree(damaged), ContentFreeByDom(damaged)) << damaged;
    if (HasFailure()) break;
  }
}

TEST(StreamInspector, FindsUsageWhereverTheAnchorCharacterRepeats) {
  StreamInspector inspector(false);
  inspector.OnEvent(Data(
      R"({"u":"uuu usage \"usag","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":4}})"));
  EXPECT_TRUE(inspector.usage_reported());
  EXPECT_EQ(inspector.usage().input, 11u);
  StreamInspector none(false);
  none.OnEvent(
      Data(R"({"choices":[{"delta":{"content":"\"usage\" is only text here"}}],"usage":null})"));
  EXPECT_FALSE(none.usage_reported());
}

// The DOM path ScanBodyUsage replaces: parse, require an object, ExtractUsage, and the stream
// inspector's test for a usage-only chunk (no "choices", or an empty array).
struct BodyResult {
  bool valid = false;
  bool has_usage = false;
  bool no_choices = false;
  core::TokenUsage usage;
  bool operator==(const BodyResult& o) const {
    return valid == o.valid && has_usage == o.has_usage && no_choices == o.no_choices &&
           usage.input == o.usage.input && usage.output == o.usage.output &&
           usage.cached_input == o.usage.cached_input && usage.reasoning == o.usage.reasoning &&
           usage.estimated == o.usage.estimated;
  }
};

BodyResult ByDom(std::string_view body) {
  BodyResult r;
  r.usage.input = 777;  // untouched without usage, in both paths
  boost::system::error_code ec;
  boost::json::value doc = core::ParseJson(body, {}, ec);
  r.valid = !ec && doc.is_object();
  if (r.valid) {
    r.has_usage = ExtractUsage(doc, r.usage);
    const boost::json::value* choices = doc.get_object().if_contains("choices");
    r.no_choices = !choices || (choices->is_array() && choices->get_array().empty());
  }
  return r;
}

BodyResult ByScan(std::string_view body) {
  BodyResult r;
  r.usage.input = 777;
  r.valid = ScanBodyUsage(body, r.usage, r.has_usage, &r.no_choices);
  if (!r.valid) r.has_usage = r.no_choices = false;
  return r;
}

void ExpectSame(std::string_view body) {
  BodyResult dom = ByDom(body), scan = ByScan(body);
  EXPECT_TRUE(dom == scan) << body << "\n dom: valid=" << dom.valid << " usage=" << dom.has_usage
                           << " no_choices=" << dom.no_choices << " scan: " << scan.no_choices
                           << " " << dom.usage.input << "/" << dom.usage.output << "/"
                           << dom.usage.cached_input << "/" << dom.usage.reasoning
                           << "\n scan: valid=" << scan.valid << " usage=" << scan.has_usage << " "
                           << scan.usage.input << "/" << scan.usage.output << "/"
                           << scan.usage.cached_input << "/" << scan.usage.reasoning;
}

TEST(ScanBodyUsage, ReadsUsageOfAChatCompletion) {
  core::TokenUsage u;
  bool has = false;
  ASSERT_TRUE(ScanBodyUsage(
      R"({"id":"x","choices":[{"message":{"role":"assistant","content":"hi"}}],)"
      R"("usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7,)"
      R"("prompt_tokens_details":{"cached_tokens":3},"completion_tokens_details":{"reasoning_tokens":1}}})",
      u, has));
  EXPECT_TRUE(has);
  EXPECT_EQ(u.input, 5u);
  EXPECT_EQ(u.output, 2u);
  EXPECT_EQ(u.cached_input, 3u);
  EXPECT_EQ(u.reasoning, 1u);
  EXPECT_FALSE(u.estimated);
}

TEST(ScanBodyUsage, AgreesWithTheDomPath) {
  const char* bodies[] = {
      // valid, with and without usage
      R"({})",
      R"({"usage":null})",
      R"({"usage":{}})",
      R"({"usage":[]})",
      R"({"usage":[{"prompt_tokens":4}]})",
      R"({"usage":"many"})",
      R"({"usage":{"prompt_tokens":5,"completion_tokens":2}})",
      R"( {"usage" : { "prompt_tokens" : 5 , "completion_tokens" : 2 } } )",
      // escapes in keys and strings
      R"({"us\u0061ge":{"prompt\u005ftokens":9,"completion_tokens":1}})",
      R"({"text":"\"usage\":{\"prompt_tokens\":1}","usage":{"prompt_tokens":2}})",
      R"({"\"usage\"":{"prompt_tokens":3}})",
      R"({"usage ":{"prompt_tokens":3}})",
      R"({"Usage":{"prompt_tokens":3}})",
      // usage deeper in the body is not the body's usage
      R"({"choices":[{"usage":{"prompt_tokens":8}}]})",
      R"({"data":{"usage":{"prompt_tokens":8}},"usage":{"completion_tokens":1}})",
      R"({"usage":{"usage":{"prompt_tokens":8},"x":{"prompt_tokens":6}}})",
      R"({"usage":{"prompt_tokens_details":{"prompt_tokens":4,"cached_tokens":2}}})",
      (R"({"usage":{"prompt_tokens_details":{"reasoning_tokens":4},)"
       R"("completion_tokens_details":{"cached_tokens":2}}})"),
      R"({"usage":{"prompt_tokens_details":{"x":{"cached_tokens":2}}}})",
      R"({"usage":{"x":{"prompt_tokens_details":{"cached_tokens":2}}}})",
      R"({"usage":{"prompt_tokens_details":[{"cached_tokens":2}]}})",
      R"({"usage":{"prompt_tokens_details":null,"completion_tokens_details":7}})",
      // "choices": absent, empty, with elements of every kind, not an array, deeper, repeated
      R"({"choices":[],"usage":{"prompt_tokens":5}})",
      R"({"choices":[{}]})",
      R"({"choices":[[]]})",
      R"({"choices":[0]})",
      R"({"choices":[""]})",
      R"({"choices":["a\nb"]})",
      R"({"choices":[null]})",
      R"({"choices":[false]})",
      R"({"choices":[-1.5e3]})",
      R"({"choices":null})",
      R"({"choices":{}})",
      R"({"choices":0})",
      R"({"x":{"choices":[1]},"choices":[]})",
      R"({"usage":{"choices":[1]}})",
      R"({"choices":[],"choices":[1]})",
      R"({"choices":[1],"choices":[]})",
      R"({"choices":[1],"choices":null})",
      R"({"ch\u006fices":[1]})",
      // duplicate keys: the last wins, at every level
      R"({"usage":{"prompt_tokens":5},"usage":{"completion_tokens":2}})",
      R"({"usage":{"prompt_tokens":5},"usage":null})",
      R"({"usage":null,"usage":{"prompt_tokens":5}})",
      R"({"usage":{"prompt_tokens":5},"usage":[1]})",
      R"({"usage":{"prompt_tokens":5,"prompt_tokens":6}})",
      R"({"usage":{"prompt_tokens":5,"prompt_tokens":"6"}})",
      R"({"usage":{"prompt_tokens":5,"prompt_tokens":{}}})",
      R"({"usage":{"prompt_tokens_details":{"cached_tokens":3},"prompt_tokens_details":{}}})",
      R"({"usage":{"prompt_tokens_details":{"cached_tokens":3,"cached_tokens":4}}})",
      R"({"usage":{"prompt_tokens_details":{"cached_tokens":3},"prompt_tokens_details":null}})",
      R"({"usage":{"completion_tokens_details":{"reasoning_tokens":3,"reasoning_tokens":-1}}})",
      // numbers: negative, zero, fractions, exponents, beyond uint64, strings
      R"({"usage":{"prompt_tokens":-5,"completion_tokens":0}})",
      R"({"usage":{"prompt_tokens":5.0,"completion_tokens":2e1}})",
      R"({"usage":{"prompt_tokens":18446744073709551615,"completion_tokens":9223372036854775807}})",
      R"({"usage":{"prompt_tokens":18446744073709551616,"completion_tokens":-9223372036854775808}})",
      R"({"usage":{"prompt_tokens":99999999999999999999999999999999999}})",
      R"({"usage":{"prompt_tokens":"5","completion_tokens":true}})",
      R"({"usage":{"prompt_tokens":-0,"completion_tokens":1E400}})",
      // invalid: not an object, malformed, trailing data, bad UTF-8, too deep
      R"()",
      R"(   )",
      R"([])",
      R"([{"usage":{"prompt_tokens":5}}])",
      R"("usage")",
      R"(42)",
      R"(null)",
      R"({)",
      R"({"usage":{"prompt_tokens":5})",
      R"({"usage":{"prompt_tokens":5}}})",
      R"({"usage":{"prompt_tokens":5}} {})",
      R"({"usage":{"prompt_tokens":5}}x)",
      R"({"usage":{"prompt_tokens":05}})",
      R"({"usage":{"prompt_tokens":5,}})",
      R"({"usage":{prompt_tokens:5}})",
      R"({"usage":{"prompt_tokens":5}} // comment)",
      R"({'usage':{}})",
      R"({"a":"\x"})",
      R"({"a":"\ud800"})",
      R"({"a":"tab	inside"})",
      "{\"a\":\"\xff\"}",
      "{\"a\":\"\xc3\"}",
      "{\"usage\":{\"prompt_tokens\":5}}\0",
  };
  for (const char* b : bodies) ExpectSame(b);
  ExpectSame(std::string_view("{\"a\":1}\0", 8));  // an embedded NUL after the object
  std::string deep = std::string(63, '[') + std::string(63, ']');
  ExpectSame("{\"a\":" + deep + "}");  // depth 64: allowed
  deep = std::string(64, '[') + std::string(64, ']');
  ExpectSame("{\"a\":" + deep + "}");  // depth 65: rejected
  ExpectSame("{\"usage\":{\"prompt_tokens\":5,\"x\":" + deep + "}}");
  // A long escaped key arrives in parts.
  std::string long_key(10000, 'k');
  ExpectSame("{\"" + long_key + "\\u0041\":1,\"usage\":{\"prompt_tokens\":3}}");
  std::string escaped_usage;
  for (char c : std::string_view("usage"))
    escaped_usage += "\\u00" + std::to_string(c / 16) + "0123456789abcdef"[c % 16];
  ExpectSame("{\"" + escaped_usage + "\":{\"prompt_tokens\":3}}");
}

// Random bodies built from usage-shaped pieces, and the same bodies damaged (truncated, a byte
// changed): the scan and the DOM must agree on validity and on the usage every time.
TEST(ScanBodyUsage, AgreesWithTheDomPathOnRandomBodies) {
  std::mt19937 rng(12345);
  RandomJson random{
      rng,
      {{"0", "1", "-1", "42", "3.5", "1e3", "18446744073709551615", "18446744073709551616",
        "-9223372036854775808", "123456789012"},
       {"null", "true", "false", "\"\"", "\"x\\\"y\"", "\"\\u00e9\""},
       {"\"usage\"", "\"prompt_tokens\"", "\"{\\\"usage\\\":1}\""}},
      {"\"usage\"", "\"prompt_tokens\"", "\"completion_tokens\"", "\"prompt_tokens_details\"",
       "\"completion_tokens_details\"", "\"cached_tokens\"", "\"reasoning_tokens\"", "\"choices\"",
       "\"u\\u0073age\"", "\"id\""},
      3,
      5};
  for (int i = 0; i < 20000; ++i) {
    std::string body = random.Value(0);
    if (body.empty() || body[0] != '{') body = "{\"usage\":" + body + "}";
    ExpectSame(body);
    for (const std::string& damaged : Damaged(rng, body)) ExpectSame(damaged);
    if (HasFailure()) break;
  }
}

}  // namespace
}  // namespace sluice::providers::openai
