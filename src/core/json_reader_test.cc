#include "core/json_reader.h"

#include <gtest/gtest.h>

#include <boost/json/value.hpp>
#include <cmath>
#include <random>
#include <string>

#include "core/json_parse.h"
#include "core/json_test_util.h"

namespace sluice::core {
namespace {

bool Valid(std::string_view text) {
  JsonReader r(text);
  return r.SkipValue() && r.Finish();
}

bool DomValid(std::string_view text) {
  boost::system::error_code ec;
  ParseJson(text, {}, ec);
  return !ec;
}

JsonString OneString(std::string_view text) {
  JsonReader r(text);
  JsonString s;
  EXPECT_TRUE(r.ReadString(s) && r.Finish()) << text;
  return s;
}

TEST(JsonReader, ReadsAnObjectMemberByMember) {
  JsonReader r(R"( {"a" : "x\ty", "n":[1, -2.5e3, {"t":true}], "z":null} )");
  ASSERT_TRUE(r.EnterObject());
  std::string_view key;
  ASSERT_TRUE(r.NextKey(key));
  EXPECT_EQ(key, "a");
  JsonString s;
  ASSERT_TRUE(r.ReadString(s));
  EXPECT_EQ(s.raw, "x\\ty");
  EXPECT_EQ(s.decoded_size, 3u);
  EXPECT_TRUE(s.escaped);
  ASSERT_TRUE(r.NextKey(key));
  EXPECT_EQ(key, "n");
  ASSERT_TRUE(r.EnterArray());
  ASSERT_TRUE(r.NextElement());
  int64_t one = 0;
  ASSERT_TRUE(r.ReadInteger(one));
  EXPECT_EQ(one, 1);
  ASSERT_TRUE(r.NextElement());
  EXPECT_EQ(r.Peek(), JsonReader::Kind::kNumber);
  ASSERT_TRUE(r.ReadNumber());
  ASSERT_TRUE(r.NextElement());
  ASSERT_TRUE(r.SkipValue());
  EXPECT_FALSE(r.NextElement());
  ASSERT_TRUE(r.NextKey(key));
  EXPECT_EQ(key, "z");
  EXPECT_TRUE(r.ReadNull());
  EXPECT_FALSE(r.NextKey(key));
  EXPECT_FALSE(r.failed());
  EXPECT_TRUE(r.Finish());
}

TEST(JsonReader, CountsTheDecodedSizeOfEveryEscapeAndUtf8Form) {
  EXPECT_EQ(OneString(R"("plain")").decoded_size, 5u);
  EXPECT_EQ(OneString(R"("\"\\\/\b\f\n\r\t")").decoded_size, 8u);
  EXPECT_EQ(OneString(R"("\u0041\u00e9\u20ac")").decoded_size, 1u + 2u + 3u);
  EXPECT_EQ(OneString(R"("\ud83d\ude00")").decoded_size, 4u);  // a surrogate pair: one emoji
  EXPECT_EQ(OneString("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"").decoded_size, 9u);
  EXPECT_FALSE(OneString("\"\xc3\xa9\"").escaped);
  // A long string takes the 16-byte steps; its special bytes are still found wherever they sit.
  std::string long_text(100, 'a');
  for (size_t at : {0u, 15u, 16u, 31u, 63u, 99u}) {
    std::string with_escape = long_text;
    with_escape.replace(at, 1, "\\n");
    EXPECT_EQ(OneString('"' + with_escape + '"').decoded_size, 100u) << at;
  }
}

// Reads a top-level object member by member, skipping each value.
bool ReadsMembers(std::string_view text) {
  JsonReader r(text);
  if (!r.EnterObject()) return false;
  std::string_view key;
  while (r.NextKey(key))
    if (!r.SkipValue()) return false;
  return r.Finish();
}

TEST(JsonReader, RefusesWhatItCannotReadExactlyAsTheDom) {
  // Valid JSON that parsers may read differently, or that the reader does not decode, in an object
  // read member by member.
  for (const char* text : {R"({"a":1,"a":2})", R"({"b":0,"\u0061":1})"}) {
    EXPECT_FALSE(ReadsMembers(text)) << text;
    EXPECT_TRUE(DomValid(text)) << text;
    EXPECT_TRUE(Valid(text)) << text;  // skipped whole, it is only validated
  }
  EXPECT_TRUE(ReadsMembers(R"({"k":{"a":1,"a":2},"a":3})"));  // the skipped object's keys are not
  for (const char* text : {R"("\ud800")", R"("\udc00\ud800")", R"("\ud800\u0041")"})
    EXPECT_FALSE(Valid(text)) << text;         // lone surrogates
  EXPECT_FALSE(Valid("1234567890123456789"));  // 19 digits may not fit an int64
  EXPECT_TRUE(Valid("123456789012345678"));
  int64_t v;
  JsonReader nineteen("1234567890123456789");
  EXPECT_FALSE(nineteen.ReadInteger(v));
  JsonReader negative_zero("-0");
  EXPECT_FALSE(negative_zero.ReadInteger(v));
  JsonReader fraction("1.5");
  EXPECT_FALSE(fraction.ReadInteger(v));
  EXPECT_FALSE(Valid("1e100"));  // three exponent digits
  EXPECT_TRUE(Valid("1e99"));
  EXPECT_FALSE(Valid("0." + std::string(40, '1')));  // more than 32 digits
  // Nesting: kMaxDepth levels are read, one more is refused.
  std::string deep =
      std::string(JsonReader::kMaxDepth, '[') + std::string(JsonReader::kMaxDepth, ']');
  EXPECT_TRUE(Valid(deep));
  EXPECT_FALSE(Valid("[" + deep + "]"));
  // The same key in sibling objects is no duplicate.
  EXPECT_TRUE(Valid(R"([{"a":1},{"a":2},{"b":{"a":3}}])"));
}

TEST(JsonReader, RefusesInvalidJson) {
  for (const char* text :
       {"",           " ",           "{",          "}",        "[1,]", "[,1]",
        "{\"a\":1,}", "{,}",         "{\"a\" 1}",  "{\"a\":}", "01",   "1.",
        ".5",         "-",           "1e",         "+1",       "tru",  "nul",
        "truex",      "[1 2]",       "{\"a\":1}x", "\"abc",    "'a'",  "\"a\x01\"",
        "\"\\x\"",    "\"\\u12g4\"", "\"\\u12\"",  "NaN",      "[1]]", "{\"a\":1}}"}) {
    EXPECT_FALSE(Valid(text)) << text;
    EXPECT_FALSE(DomValid(text)) << text;  // the reference agrees these are invalid
  }
}

TEST(JsonReader, ChecksUtf8AsUnicodeDefinesIt) {
  for (const char* good : {"\"\xc2\x80\"", "\"\xdf\xbf\"", "\"\xe0\xa0\x80\"", "\"\xed\x9f\xbf\"",
                           "\"\xee\x80\x80\"", "\"\xf0\x90\x80\x80\"", "\"\xf4\x8f\xbf\xbf\""}) {
    EXPECT_TRUE(Valid(good)) << good;
    EXPECT_TRUE(DomValid(good)) << good;
  }
  for (const char* bad :
       {"\"\x80\"", "\"\xc0\x80\"", "\"\xc1\xbf\"", "\"\xe0\x80\x80\"", "\"\xed\xa0\x80\"",
        "\"\xf0\x80\x80\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"", "\"\xff\"",
        "\"\xc3\"", "\"\xe2\x82\"", "\"\xc3\x41\""}) {
    EXPECT_FALSE(Valid(bad)) << bad;
    EXPECT_FALSE(DomValid(bad)) << bad;
  }
}

// Whatever the reader accepts, the DOM parse accepts too (the reverse need not hold): random
// texts, and damaged copies of them.
TEST(JsonReader, AcceptsOnlyWhatTheDomAccepts) {
  std::mt19937 rng(777);
  RandomJson random{rng,
                    {{"0", "-1", "42", "3.5", "-0", "1e3", "1E-2", "123456789012345678",
                      "18446744073709551616", "0.000001"},
                     {"null", "true", "false", "\"\"", "\"x\\\"y\"", "\"\\u00e9\"",
                      "\"\\ud83d\\ude00\"", "\"\xc3\xa9\"", "\"tab\\t\""}},
                    {"\"a\"", "\"b\"", "\"content\"", "\"a\""},
                    4,
                    4};
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = random.Value(0);
    std::vector<std::string> cases = Damaged(rng, text);
    cases.push_back(text);
    for (const std::string& t : cases) {
      if (!Valid(t)) continue;
      ++accepted;
      ASSERT_TRUE(DomValid(t)) << t;
    }
  }
  EXPECT_GT(accepted, 10000);  // the check above was reached often
}

TEST(SameJson, LetsOnlyDoublesDifferAndOnlyByAFewUlps) {
  auto v = [](std::string_view text) {
    boost::system::error_code ec;
    return ParseJson(text, {}, ec);
  };
  double x = 30000000000.001999;
  double next = std::nextafter(x, 1e11);
  EXPECT_TRUE(SameJson(boost::json::value(x), boost::json::value(next)));
  EXPECT_FALSE(SameJson(boost::json::value(x), boost::json::value(x + 1e-3)));
  EXPECT_FALSE(SameJson(boost::json::value(x), boost::json::value(-x)));
  EXPECT_TRUE(
      SameJson(v(R"({"a":[1,"s",{"b":null}],"c":2.5})"), v(R"({"c":2.5,"a":[1,"s",{"b":null}]})")));
  EXPECT_FALSE(SameJson(v(R"({"a":[1,2]})"), v(R"({"a":[1,3]})")));  // integers exactly
  EXPECT_FALSE(SameJson(v(R"({"a":1})"), v(R"({"a":1,"b":2})")));
  EXPECT_FALSE(SameJson(v(R"({"a":"x"})"), v(R"({"b":"x"})")));
}

}  // namespace
}  // namespace sluice::core
