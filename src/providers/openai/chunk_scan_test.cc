// The OpenAI chat stream decoder scans content chunks without a DOM (ChunkScan in
// openai_chat_adapter.cc). These tests hold the scan to the DOM path, which stays the reference:
// for every event, the same deltas (kinds, texts, finish reasons), the same accept/reject and the
// same error. Events cover escapes in values and keys, multi-byte UTF-8, very long deltas, repeated
// keys, odd shapes, malformed JSON and byte-level mutations of real chunks.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "api/golden_test_util.h"
#include "providers/openai/openai_chat_adapter.h"

namespace sluice::providers::openai {
namespace {

constexpr std::string_view kFirst =
    R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})";

struct Outcome {
  std::vector<std::string> deltas;
  bool ok = true;
  core::GatewayError error;
};

// One event into a decoder that has seen the first chunk (the scan only runs once started).
Outcome Feed(StreamDecoder& decoder, std::string_view data) {
  Outcome o;
  DeltaSink sink = [&](const api::StreamDelta& d) { o.deltas.push_back(golden::Render(d)); };
  o.ok = decoder.OnEvent("", data, sink, o.error);
  return o;
}

// Runs `data` through a scanning and a DOM-only decoder and requires the same outcome; returns it.
Outcome Same(std::string_view data) {
  auto scan = NewChatStreamDecoder(true);
  auto dom = NewChatStreamDecoder(false);
  core::GatewayError ignored;
  DeltaSink none = [](const api::StreamDelta&) {};
  scan->OnEvent("", kFirst, none, ignored);
  dom->OnEvent("", kFirst, none, ignored);
  Outcome a = Feed(*scan, data), b = Feed(*dom, data);
  EXPECT_EQ(a.deltas, b.deltas) << data.substr(0, 300);
  EXPECT_EQ(a.ok, b.ok) << data.substr(0, 300);
  EXPECT_EQ(a.error.code, b.error.code) << data.substr(0, 300);
  EXPECT_EQ(a.error.message, b.error.message) << data.substr(0, 300);
  return a;
}

std::string Chunk(std::string_view delta, std::string_view finish = "null") {
  return R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":)" +
         std::string(delta) + R"(,"finish_reason":)" + std::string(finish) + "}]}";
}

TEST(ChunkScan, EscapesAndUtf8ComeOutUnescaped) {
  EXPECT_EQ(Same(Chunk(R"({"content":"say \"hi\""})")).deltas,
            std::vector<std::string>{"text say \"hi\""});
  EXPECT_EQ(Same(Chunk(R"({"content":"caf\u00e9 \u00E9"})")).deltas,
            std::vector<std::string>{"text caf\xc3\xa9 \xc3\xa9"});
  EXPECT_EQ(Same(Chunk(R"({"content":"a\nb\tc\\d\/e\r"})")).deltas,
            std::vector<std::string>{"text a\nb\tc\\d/e\r"});
  EXPECT_EQ(Same(Chunk(R"({"content":"\ud83d\ude00 grin"})")).deltas,
            std::vector<std::string>{"text \xf0\x9f\x98\x80 grin"});
  EXPECT_EQ(Same(Chunk("{\"content\":\"raw caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80\"}")).deltas,
            std::vector<std::string>{"text raw caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80"});
  EXPECT_EQ(Same(Chunk(R"({"content":"nul\u0000byte"})")).deltas,
            std::vector<std::string>{std::string("text nul\0byte", 13)});
  // Escaped keys are the same keys.
  EXPECT_EQ(Same(Chunk(R"({"con\u0074ent":"k"})")).deltas, std::vector<std::string>{"text k"});
  EXPECT_EQ(Same(R"({"\u0063hoices":[{"d\u0065lta":{"content":"k"},"finish_\u0072eason":"stop"}]})")
                .deltas,
            (std::vector<std::string>{"text k", "finish stop"}));
}

TEST(ChunkScan, VeryLongDeltas) {
  std::string plain(200000, 'x');
  EXPECT_EQ(Same(Chunk(R"({"content":")" + plain + "\"}")).deltas,
            std::vector<std::string>{"text " + plain});
  // Escapes all along: the parser hands the string over in parts.
  std::string escaped, expected;
  for (int i = 0; i < 20000; ++i) {
    escaped += "ab\\\"c\\u00e9\\n";
    expected += "ab\"c\xc3\xa9\n";
  }
  EXPECT_EQ(Same(Chunk(R"({"reasoning_content":")" + escaped + "\"}")).deltas,
            std::vector<std::string>{"thinking " + expected});
  std::string long_key(5000, 'k');
  Same(Chunk(R"({")" + long_key + R"(\u0041":1,"content":"after a long key"})"));
}

TEST(ChunkScan, FieldsAndShapes) {
  for (std::string delta : {
           R"({"content":"Hi"})",
           R"({"reasoning_content":"think"})",
           R"({"reasoning":"think"})",
           R"({"reasoning_content":"a","reasoning":"b","content":"c"})",
           R"({"reasoning_content":"","reasoning":"b"})",
           R"({"reasoning_content":null,"reasoning":"b"})",
           R"({"content":"c","reasoning":"r"})",
           R"({"content":""})",
           R"({"content":null})",
           R"({"content":5})",
           R"({"content":["a"]})",
           R"({"content":{"text":"a"}})",
           R"({"role":"assistant"})",
           R"({})",
           R"(null)",
           R"([])",
           R"("content")",
           R"({"content":"a","content":"b"})",
           R"({"content":"a","x":{"content":"inner"},"y":[{"content":"arr"}]})",
           R"({"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]})",
           R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":1}"}}]})",
           R"({"tool_calls":null,"content":"x"})",
           R"({"content":"x","refusal":"no"})",
       }) {
    for (std::string finish : {"null", R"("stop")", R"("length")", R"("tool_calls")",
                               R"("function_call")", R"("content_filter")", R"("weird")", R"("")",
                               "7", R"({"a":1})"})
      Same(Chunk(delta, finish));
  }
}

TEST(ChunkScan, ChoicesAndRoots) {
  for (std::string data : {
           R"({"choices":[]})",
           R"({"choices":{}})",
           R"({"choices":null})",
           R"({"choices":["x",{"delta":{"content":"second"}}]})",
           R"({"choices":[[{"delta":{"content":"nested"}}],{"delta":{"content":"second"}}]})",
           R"({"choices":[{"delta":{"content":"first"}},{"delta":{"content":"second"}}]})",
           R"({"choices":[{"delta":{"content":"a"}}],"choices":[{"delta":{"content":"b"}}]})",
           R"({"choices":[{"delta":{"content":"a"},"delta":{"content":"b"}}]})",
           R"({"choices":[{"finish_reason":"stop","finish_reason":"length"}]})",
           R"({"choices":[{"finish_reason":"length"}]})",
           R"({"x":{"choices":[{"delta":{"content":"deep"}}]},"choices":[{"delta":{"content":"top"}}]})",
           R"({"choices":[{"delta":{"content":"u"}}],"usage":{"prompt_tokens":3,"completion_tokens":4}})",
           R"({"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"prompt_tokens_details":{"cached_tokens":1}}})",
           R"({"choices":[{"delta":{"content":"u"}}],"usage":null})",
           R"({"error":{"message":"overloaded","type":"server_error"}})",
           R"({"choices":[{"delta":{"content":"e"}}],"error":null})",
           R"({})",
           R"(  {"choices":[{"delta":{"content":"ws"}}]}  )",
           "\n{\"choices\":[{\"delta\":{\"content\":\"nl\"}}]}\n",
           R"([])",
           R"([{"choices":[{"delta":{"content":"in array"}}]}])",
           R"("str")",
           R"(42)",
           R"(true)",
           R"(null)",
       })
    Same(data);
}

TEST(ChunkScan, MalformedIsRejectedTheSameWay) {
  std::string ok = Chunk(R"({"content":"Hi"})");
  for (std::string data : std::vector<std::string>{
           ok.substr(0, ok.size() - 1),
           ok + "}",
           ok + "x",
           ok + " {}",
           R"({"choices":[{"delta":{"content":"Hi"}},]})",
           R"({"choices":[{"delta":{"content":"Hi"} /* c */}]})",
           R"({"choices":[{"delta":{"content":"bad \x escape"}}]})",
           R"({"choices":[{"delta":{"content":"bad \ud800 surrogate"}}]})",
           "{\"choices\":[{\"delta\":{\"content\":\"raw\nnewline\"}}]}",
           "{\"choices\":[{\"delta\":{\"content\":\"bad utf8 \xc3\x28\"}}]}",
           "{\"choices\":[{\"delta\":{\"content\":\"overlong \xc0\xaf\"}}]}",
           "{\"choices\":[{\"delta\":{\"content\":\"truncated \xe6\x97\"}}]}",
           R"({"choices":[{"delta":{"content":"Hi"}}]})" + std::string(1, '\0'),
           R"({'choices':[]})",
           R"({"a":01})",
           R"({"a":NaN})",
           "{",
           "}",
           "[DONE",
       })
    Same(data);
  // Nesting at and beyond the depth limit (64).
  for (int depth : {60, 63, 64, 65, 200}) {
    std::string deep = R"({"choices":[{"delta":{"content":"d"}}],"x":)";
    for (int i = 0; i < depth; ++i) deep += "[";
    for (int i = 0; i < depth; ++i) deep += "]";
    Same(deep + "}");
  }
}

// Byte-level mutations of real chunks: whatever comes of them, scan and DOM agree.
TEST(ChunkScan, MutatedChunksAgree) {
  std::vector<std::string> bases = {
      Chunk(R"({"content":"Hello \"world\" caf\u00e9\n"})"),
      Chunk(R"({"reasoning_content":"hmm","content":"x"})", R"("stop")"),
      Chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]})"),
      R"({"choices":[{"delta":{"content":"u"}}],"usage":{"prompt_tokens":3}})",
  };
  const std::string alphabet = "{}[]\":,\\ nul0123456789abcdeftrsx\xc3\xa9";
  std::mt19937 rng(7);
  for (int round = 0; round < 4000; ++round) {
    std::string data = bases[rng() % bases.size()];
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !data.empty(); ++e) {
      size_t at = rng() % data.size();
      char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0: data[at] = c; break;
        case 1: data.insert(data.begin() + static_cast<long>(at), c); break;
        case 2: data.erase(at, 1); break;
      }
    }
    Same(data);
    if (testing::Test::HasFailure()) return;
  }
}

TEST(ChunkScan, StreamThroughEncoderMatchesDom) {
  // A whole stream with both decoders: the same deltas event after event.
  std::vector<std::string> events = {
      std::string(kFirst),
      Chunk(R"({"reasoning_content":"Let me think \u2014 \"carefully\"."})"),
      Chunk(R"({"content":"Line 1\nLine 2 \ud83d\ude00"})"),
      Chunk(R"({"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]})"),
      Chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":\"Par"}}]})"),
      Chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"is\"}"}}]})"),
      Chunk("{}", R"("tool_calls")"),
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21}})",
      "[DONE]"};
  auto scan = NewChatStreamDecoder(true);
  auto dom = NewChatStreamDecoder(false);
  std::vector<std::string> all;
  for (const std::string& e : events) {
    Outcome a = Feed(*scan, e), b = Feed(*dom, e);
    EXPECT_EQ(a.deltas, b.deltas);
    EXPECT_TRUE(a.ok);
    all.insert(all.end(), a.deltas.begin(), a.deltas.end());
  }
  EXPECT_TRUE(scan->finished());
  EXPECT_EQ(all, (std::vector<std::string>{
                     "start chatcmpl-1 gpt-4o", "thinking Let me think \xe2\x80\x94 \"carefully\".",
                     "text Line 1\nLine 2 \xf0\x9f\x98\x80", "tool_start 0 call_1 get_weather",
                     "tool_args 0 {\"city\":\"Par", "tool_args 0 is\"}", "finish tool_calls",
                     "usage in=9 out=12 cached=0 created=0 reasoning=0"}));
}

}  // namespace
}  // namespace sluice::providers::openai
