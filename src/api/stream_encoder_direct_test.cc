// The stream encoders write their events directly (fragments + AppendJsonString) instead of
// building json::object trees. These tests hold them to the object form they replaced, kept here as
// a reference: same bytes for the same deltas (key order included), over scripted and generated
// delta sequences with escapes, multi-byte UTF-8, very long texts and tool-call fragments.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <random>
#include <string>
#include <vector>

#include "api/anthropic_messages.h"
#include "api/golden_test_util.h"
#include "api/openai_chat_codec.h"

namespace sluice::api {
namespace {

namespace json = boost::json;
using K = StreamDelta::Kind;

// ---- Reference: the json::object encoders as they were before direct writing. ----

std::string RefSseData(const json::object& chunk) {
  return "data: " + json::serialize(chunk) + "\n\n";
}

class RefOpenAiEncoder {
 public:
  RefOpenAiEncoder(ResponseIds ids, bool include_usage)
      : ids_(std::move(ids)), include_usage_(include_usage) {}

  void OnDelta(const StreamDelta& d, std::string& out) {
    json::object delta;
    switch (d.kind) {
      case K::kStart:
        if (started_) return;
        delta["role"] = "assistant";
        delta["content"] = "";
        break;
      case K::kText:
        delta["content"] = d.text;
        break;
      case K::kThinking:
        delta["reasoning_content"] = d.text;
        break;
      case K::kThinkingSignature:
        return;
      case K::kToolCallStart:
        delta["tool_calls"] = json::array{json::object{
            {"index", d.index},
            {"id", d.id},
            {"type", "function"},
            {"function", json::object{{"name", d.name}, {"arguments", ""}}}}};
        break;
      case K::kToolCallArgs:
        delta["tool_calls"] = json::array{
            json::object{{"index", d.index}, {"function", json::object{{"arguments", d.text}}}}};
        break;
      case K::kFinish:
        finish_ = d.finish;
        out += Chunk(json::object{}, FinishReasonOpenAi(d.finish));
        return;
      case K::kUsage:
        usage_ = d.usage;
        return;
    }
    if (!started_ && d.kind != K::kStart)
      out += Chunk(json::object{{"role", "assistant"}, {"content", ""}}, {});
    started_ = true;
    out += Chunk(std::move(delta), {});
  }

  void End(std::string& out) {
    if (finish_ == FinishReason::kUnset) out += Chunk(json::object{}, "stop");
    if (include_usage_) {
      json::object chunk = Envelope();
      chunk["choices"] = json::array{};
      chunk["usage"] = OpenAiUsageObject(usage_);
      out += RefSseData(chunk);
    }
    out += "data: [DONE]\n\n";
  }

 private:
  json::object Envelope() const {
    return {{"id", ids_.id},
            {"object", "chat.completion.chunk"},
            {"created", ids_.created},
            {"model", ids_.model}};
  }
  std::string Chunk(json::object delta, std::string_view finish) {
    json::object chunk = Envelope();
    json::object choice{{"index", 0}, {"delta", std::move(delta)}};
    choice["finish_reason"] = finish.empty() ? json::value() : json::value(finish);
    chunk["choices"] = json::array{std::move(choice)};
    return RefSseData(chunk);
  }

  ResponseIds ids_;
  bool include_usage_;
  bool started_ = false;
  FinishReason finish_ = FinishReason::kUnset;
  core::TokenUsage usage_;
};

std::string RefEvent(std::string_view name, const json::object& data) {
  std::string e = "event: ";
  e.append(name).append("\ndata: ").append(json::serialize(data)).append("\n\n");
  return e;
}

class RefAnthropicEncoder {
 public:
  explicit RefAnthropicEncoder(ResponseIds ids) : ids_(std::move(ids)) {}

  void OnDelta(const StreamDelta& d, std::string& out) {
    switch (d.kind) {
      case K::kStart:
        return;
      case K::kUsage:
        usage_ = d.usage;
        return;
      case K::kFinish:
        finish_ = d.finish;
        if (!d.text.empty()) stop_sequence_ = d.text;
        return;
      case K::kText:
        Open(Block::kText, -1, {}, {}, out);
        Delta(json::object{{"type", "text_delta"}, {"text", d.text}}, out);
        return;
      case K::kThinking:
        Open(Block::kThinking, -1, {}, {}, out);
        Delta(json::object{{"type", "thinking_delta"}, {"thinking", d.text}}, out);
        return;
      case K::kThinkingSignature:
        Open(Block::kThinking, -1, {}, {}, out);
        Delta(json::object{{"type", "signature_delta"}, {"signature", d.text}}, out);
        return;
      case K::kToolCallStart:
        Open(Block::kTool, d.index, d.id, d.name, out);
        return;
      case K::kToolCallArgs:
        if (open_ != Block::kTool) Open(Block::kTool, d.index, {}, {}, out);
        Delta(json::object{{"type", "input_json_delta"}, {"partial_json", d.text}}, out);
        return;
    }
  }

  void End(std::string& out) {
    Start(out);
    Close(out);
    FinishReason finish = finish_ == FinishReason::kUnset ? FinishReason::kStop : finish_;
    json::object delta{{"stop_reason", FinishReasonAnthropic(finish)}};
    delta["stop_sequence"] = stop_sequence_.empty() ? json::value() : json::value(stop_sequence_);
    out += RefEvent("message_delta", json::object{{"type", "message_delta"},
                                                   {"delta", std::move(delta)},
                                                   {"usage", AnthropicUsageObject(usage_)}});
    out += RefEvent("message_stop", json::object{{"type", "message_stop"}});
  }

 private:
  enum class Block { kNone, kText, kThinking, kTool };

  void Start(std::string& out) {
    if (started_) return;
    started_ = true;
    json::object message{{"id", ids_.id},          {"type", "message"},
                         {"role", "assistant"},     {"model", ids_.model},
                         {"content", json::array{}}, {"stop_reason", nullptr},
                         {"stop_sequence", nullptr}, {"usage", AnthropicUsageObject(usage_)}};
    out += RefEvent("message_start", json::object{{"type", "message_start"}, {"message", message}});
  }

  void Open(Block kind, int tool_index, std::string_view id, std::string_view name,
            std::string& out) {
    Start(out);
    if (open_ == kind && (kind != Block::kTool || tool_index == tool_index_)) return;
    Close(out);
    json::object block;
    if (kind == Block::kText) block = {{"type", "text"}, {"text", ""}};
    if (kind == Block::kThinking) block = {{"type", "thinking"}, {"thinking", ""}};
    if (kind == Block::kTool)
      block = {{"type", "tool_use"}, {"id", id}, {"name", name}, {"input", json::object{}}};
    out += RefEvent("content_block_start", json::object{{"type", "content_block_start"},
                                                        {"index", index_},
                                                        {"content_block", std::move(block)}});
    open_ = kind;
    tool_index_ = tool_index;
  }

  void Close(std::string& out) {
    if (open_ == Block::kNone) return;
    out += RefEvent("content_block_stop",
                    json::object{{"type", "content_block_stop"}, {"index", index_}});
    open_ = Block::kNone;
    ++index_;
  }

  void Delta(json::object delta, std::string& out) {
    out += RefEvent("content_block_delta", json::object{{"type", "content_block_delta"},
                                                        {"index", index_},
                                                        {"delta", std::move(delta)}});
  }

  ResponseIds ids_;
  bool started_ = false;
  Block open_ = Block::kNone;
  int index_ = 0;
  int tool_index_ = -1;
  FinishReason finish_ = FinishReason::kUnset;
  std::string stop_sequence_;
  core::TokenUsage usage_;
};

// ---- Fixtures ----

// Texts the decoders hand over (already unescaped): quotes, backslashes, newlines, control
// characters, 2-, 3- and 4-byte UTF-8, JSON fragments, empty. \b and \f are left to their own test:
// boost::json writes them as \b \f, AppendJsonString as \u0008 \u000c (the same JSON string).
std::vector<std::string> Texts() {
  return {"Hello",
          "",
          " umbrella",
          "say \"hi\"",
          "back\\slash \\\" and \\n literally",
          "line one\nline two\r\n\ttabbed",
          std::string("nul\0byte", 8),
          "\x01\x02\x1f unit separators \x7f del",
          "caf\xc3\xa9 na\xc3\xafve",            // é ï
          "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",  // 日本語
          "\xf0\x9f\x98\x80 grin",                 // U+1F600
          "{\"location\": \"Paris, France\"}",
          "{\"q\":\"a\\\"b\",",
          "</script><!-- -->",
          std::string(100000, 'x') + "\"end\"\n"};
}

StreamDelta D(K kind, std::string_view text = {}) {
  StreamDelta d;
  d.kind = kind;
  d.text = text;
  return d;
}

StreamDelta ToolStart(int index, std::string_view id, std::string_view name) {
  StreamDelta d = D(K::kToolCallStart);
  d.index = index;
  d.id = id;
  d.name = name;
  return d;
}

StreamDelta ToolArgs(int index, std::string_view text) {
  StreamDelta d = D(K::kToolCallArgs, text);
  d.index = index;
  return d;
}

StreamDelta Finish(FinishReason f, std::string_view stop_sequence = {}) {
  StreamDelta d = D(K::kFinish, stop_sequence);
  d.finish = f;
  return d;
}

StreamDelta Usage(core::TokenUsage u) {
  StreamDelta d = D(K::kUsage);
  d.usage = u;
  return d;
}

const std::vector<ResponseIds>& Ids() {
  static const std::vector<ResponseIds> ids = {
      {"chatcmpl-1", "gpt-4o", 1741569952},
      {"msg_\"quoted\"\\", "mod\xc3\xa9l\n", 0},
      {"", "", -5},
      {"x", "y", INT64_MAX}};
  return ids;
}

// Runs `deltas` through the encoder under test and the reference, both for every id set and both
// include_usage settings (OpenAI), and requires identical bytes.
void ExpectSameBytes(const std::vector<StreamDelta>& deltas) {
  for (const ResponseIds& ids : Ids()) {
    for (bool include_usage : {false, true}) {
      auto enc = NewOpenAiChatStreamEncoder(ids, include_usage);
      RefOpenAiEncoder ref(ids, include_usage);
      std::string out, expected;
      for (const StreamDelta& d : deltas) {
        enc->OnDelta(d, out);
        ref.OnDelta(d, expected);
        ASSERT_EQ(out, expected) << "OpenAI, after a delta of kind " << golden::KindName(d.kind);
      }
      enc->End(out);
      ref.End(expected);
      ASSERT_EQ(out, expected) << "OpenAI, at the end";
    }
    auto enc = NewAnthropicStreamEncoder(ids);
    RefAnthropicEncoder ref(ids);
    std::string out, expected;
    for (const StreamDelta& d : deltas) {
      enc->OnDelta(d, out);
      ref.OnDelta(d, expected);
      ASSERT_EQ(out, expected) << "Anthropic, after a delta of kind " << golden::KindName(d.kind);
    }
    enc->End(out);
    ref.End(expected);
    ASSERT_EQ(out, expected) << "Anthropic, at the end";
  }
}

TEST(StreamEncoderDirect, EveryTextInEveryPosition) {
  for (const std::string& t : Texts()) {
    SCOPED_TRACE(t.substr(0, 40));
    StreamDelta start = D(K::kStart);
    start.id = t;
    start.model = t;
    ExpectSameBytes({start, Usage({.input = 10, .output = 1}), D(K::kThinking, t),
                     D(K::kThinkingSignature, t), D(K::kText, t), D(K::kText, t),
                     ToolStart(0, t, t), ToolArgs(0, t), ToolArgs(0, t), ToolStart(1, "id", t),
                     ToolArgs(1, t), Finish(FinishReason::kStopSequence, t),
                     Usage({.input = 10, .output = 7})});
  }
}

TEST(StreamEncoderDirect, NoStartNoFinishNoUsage) {
  ExpectSameBytes({});
  ExpectSameBytes({D(K::kText, "Hi")});
  ExpectSameBytes({ToolArgs(3, "{}")});  // arguments before any start
  ExpectSameBytes({D(K::kThinkingSignature, "sig")});
  ExpectSameBytes({D(K::kStart), D(K::kStart), D(K::kText, "a")});
  ExpectSameBytes({Finish(FinishReason::kLength), D(K::kText, "late")});
}

TEST(StreamEncoderDirect, FinishReasonsAndUsageVariants) {
  for (FinishReason f : {FinishReason::kUnset, FinishReason::kStop, FinishReason::kLength,
                         FinishReason::kToolCalls, FinishReason::kContentFilter,
                         FinishReason::kStopSequence}) {
    for (core::TokenUsage u :
         {core::TokenUsage{},
          core::TokenUsage{.input = 2100, .output = 89, .cached_input = 1800,
                           .cache_creation_input = 200},
          core::TokenUsage{.input = 5, .output = 9, .reasoning = 4},
          core::TokenUsage{.input = 100, .output = 0, .cached_input = 150},  // more cached than in
          core::TokenUsage{.input = UINT64_MAX / 2, .output = UINT64_MAX / 2,
                           .cached_input = 1, .cache_creation_input = 2, .reasoning = 3}}) {
      ExpectSameBytes({D(K::kStart), Usage(u), D(K::kText, "x"), Finish(f)});
      ExpectSameBytes({D(K::kStart), D(K::kText, "x"), Finish(f, "STOP"), Usage(u)});
    }
  }
}

// Generated sequences: every kind, in any order, with texts from the fixture set and tool indices
// that go back and forth (blocks reopen, arguments arrive for closed calls).
TEST(StreamEncoderDirect, GeneratedSequences) {
  std::vector<std::string> texts = Texts();
  texts.back().resize(3000);  // keep the run short; the long text has its own cases above
  std::mt19937 rng(20240611);
  for (int round = 0; round < 300; ++round) {
    std::vector<StreamDelta> deltas;
    int n = static_cast<int>(rng() % 24);
    for (int i = 0; i < n; ++i) {
      const std::string& t = texts[rng() % texts.size()];
      int index = static_cast<int>(rng() % 3);
      switch (rng() % 9) {
        case 0: {
          StreamDelta s = D(K::kStart);
          s.id = t;
          deltas.push_back(s);
          break;
        }
        case 1: deltas.push_back(D(K::kText, t)); break;
        case 2: deltas.push_back(D(K::kThinking, t)); break;
        case 3: deltas.push_back(D(K::kThinkingSignature, t)); break;
        case 4: deltas.push_back(ToolStart(index, t, t)); break;
        case 5:
        case 6: deltas.push_back(ToolArgs(index, t)); break;
        case 7:
          deltas.push_back(Finish(static_cast<FinishReason>(rng() % 6),
                                 rng() % 2 ? std::string_view(t) : std::string_view()));
          break;
        case 8:
          deltas.push_back(Usage({.input = rng() % 5000, .output = rng() % 500,
                                  .cached_input = rng() % 3 ? 0 : rng() % 4000,
                                  .cache_creation_input = rng() % 3 ? 0 : rng() % 100,
                                  .reasoning = rng() % 2 ? 0 : rng() % 300}));
          break;
      }
    }
    SCOPED_TRACE("round " + std::to_string(round));
    ExpectSameBytes(deltas);
    if (testing::Test::HasFatalFailure()) return;
  }
}

// \b and \f: different escapes, same JSON string.
TEST(StreamEncoderDirect, BackspaceAndFormFeedParseTheSame) {
  std::string t = "a\bb\fc";
  std::vector<StreamDelta> deltas = {D(K::kStart), D(K::kText, t), ToolStart(0, t, t),
                                     ToolArgs(0, t), Finish(FinishReason::kStopSequence, t)};
  ResponseIds ids{"i\b", "m\f", 1};
  auto enc = NewOpenAiChatStreamEncoder(ids, true);
  RefOpenAiEncoder ref(ids, true);
  auto aenc = NewAnthropicStreamEncoder(ids);
  RefAnthropicEncoder aref(ids);
  std::string out, expected, aout, aexpected;
  for (const StreamDelta& d : deltas) {
    enc->OnDelta(d, out);
    ref.OnDelta(d, expected);
    aenc->OnDelta(d, aout);
    aref.OnDelta(d, aexpected);
  }
  enc->End(out);
  ref.End(expected);
  aenc->End(aout);
  aref.End(aexpected);
  golden::ExpectSameEvents(out, expected);
  golden::ExpectSameEvents(aout, aexpected);
  EXPECT_NE(out.find("a\\u0008b\\u000cc"), std::string::npos);
}

}  // namespace
}  // namespace sluice::api
