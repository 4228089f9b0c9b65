#include "providers/openai/openai_stream.h"

#include <gtest/gtest.h>

namespace sluice::providers::openai {
namespace {

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

TEST(StreamInspector, FindsUsageWhereverTheAnchorCharacterRepeats) {
  StreamInspector inspector(false);
  inspector.OnEvent(Data(R"({"u":"uuu usage \"usag","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":4}})"));
  EXPECT_TRUE(inspector.usage_reported());
  EXPECT_EQ(inspector.usage().input, 11u);
  StreamInspector none(false);
  none.OnEvent(Data(R"({"choices":[{"delta":{"content":"\"usage\" is only text here"}}],"usage":null})"));
  EXPECT_FALSE(none.usage_reported());
}

}  // namespace
}  // namespace sluice::providers::openai
