#include "http/sse.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::http {
namespace {

struct Collected {
  std::string raw, name, data;
};

std::vector<Collected> FeedAll(SseSplitter& s, const std::vector<std::string>& pieces) {
  std::vector<Collected> out;
  for (const auto& p : pieces)
    EXPECT_TRUE(s.Feed(p, [&](const SseEvent& e) {
      out.push_back({std::string(e.raw), std::string(e.name), std::string(e.data)});
    }));
  return out;
}

TEST(SseSplitter, WholeEventsInOneRead) {
  SseSplitter s;
  auto ev = FeedAll(s, {"data: {\"a\":1}\n\ndata: [DONE]\n\n"});
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].data, "{\"a\":1}");
  EXPECT_EQ(ev[0].raw, "data: {\"a\":1}\n\n");
  EXPECT_EQ(ev[1].data, "[DONE]");
  EXPECT_EQ(s.pending_bytes(), 0u);
}

TEST(SseSplitter, EventSplitAtEveryByteIsReassembled) {
  const std::string stream = "event: message_start\ndata: {\"x\":\"y\"}\n\ndata: two\n\n";
  for (size_t cut = 1; cut < stream.size(); ++cut) {
    SseSplitter s;
    auto ev = FeedAll(s, {stream.substr(0, cut), stream.substr(cut)});
    ASSERT_EQ(ev.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(ev[0].name, "message_start");
    EXPECT_EQ(ev[0].data, "{\"x\":\"y\"}");
    EXPECT_EQ(ev[1].data, "two");
  }
}

TEST(SseSplitter, OneByteAtATime) {
  const std::string stream = "data: a\r\n\r\ndata: b\n\n";
  SseSplitter s;
  std::vector<std::string> bytes;
  for (char c : stream) bytes.emplace_back(1, c);
  auto ev = FeedAll(s, bytes);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].data, "a");
  EXPECT_EQ(ev[0].raw, "data: a\r\n\r\n");
  EXPECT_EQ(ev[1].data, "b");
}

TEST(SseSplitter, MultiLineDataJoinedAndCommentsIgnored) {
  SseSplitter s;
  auto ev = FeedAll(s, {": keep-alive\ndata: line1\ndata:line2\nid: 7\n\n"});
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "line1\nline2");
}

TEST(SseSplitter, IncompleteTailIsHeldBack) {
  SseSplitter s;
  auto ev = FeedAll(s, {"data: one\n\ndata: tw"});
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(s.pending_bytes(), 8u);
}

TEST(SseSplitter, OversizedEventIsRejected) {
  SseSplitter s(16);
  EXPECT_FALSE(s.Feed(std::string(40, 'x'), [](const SseEvent&) {}));
}

TEST(SseSplitter, GarbageDoesNotCrash) {
  SseSplitter s;
  int n = 0;
  EXPECT_TRUE(s.Feed("\n\n\r\n:::\ndata\n\nnot a field\n\n", [&](const SseEvent&) { ++n; }));
  EXPECT_GE(n, 2);
}

}  // namespace
}  // namespace sluice::http
