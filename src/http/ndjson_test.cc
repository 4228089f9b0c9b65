#include "http/ndjson.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::http {
namespace {

std::vector<std::string> FeedAll(NdjsonSplitter& splitter, const std::vector<std::string>& chunks,
                                 bool* ok = nullptr) {
  std::vector<std::string> lines;
  bool all = true;
  for (const auto& chunk : chunks)
    all = splitter.Feed(chunk, [&](std::string_view line) { lines.emplace_back(line); }) && all;
  if (ok) *ok = all;
  return lines;
}

TEST(Ndjson, WholeLinesInOneFeed) {
  NdjsonSplitter splitter;
  auto lines = FeedAll(splitter, {"{\"a\":1}\n{\"b\":2}\n"});
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  EXPECT_EQ(splitter.pending_bytes(), 0u);
}

TEST(Ndjson, LinesSplitAnywhereAcrossFeeds) {
  const std::string stream =
      "{\"model\":\"llama3.2\",\"message\":{\"content\":\"The\"},\"done\":false}\n"
      "{\"model\":\"llama3.2\",\"message\":{\"content\":\" sky\"},\"done\":false}\n"
      "{\"model\":\"llama3.2\",\"done\":true,\"eval_count\":2}\n";
  for (size_t cut = 1; cut <= stream.size(); ++cut) {
    NdjsonSplitter splitter;
    std::vector<std::string> chunks;
    for (size_t off = 0; off < stream.size(); off += cut) chunks.push_back(stream.substr(off, cut));
    auto lines = FeedAll(splitter, chunks);
    ASSERT_EQ(lines.size(), 3u) << "cut every " << cut;
    EXPECT_EQ(lines[1],
              "{\"model\":\"llama3.2\",\"message\":{\"content\":\" sky\"},\"done\":false}");
    EXPECT_EQ(splitter.pending_bytes(), 0u);
  }
}

TEST(Ndjson, CrlfAndBlankLines) {
  NdjsonSplitter splitter;
  auto lines = FeedAll(splitter, {"\n\r\n{\"a\":1}\r", "\n  \t\n\r\n{\"b\":2}\r\n\n"});
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  EXPECT_EQ(splitter.pending_bytes(), 0u);
}

TEST(Ndjson, UnterminatedLineIsHeldAndFlushed) {
  NdjsonSplitter splitter;
  auto lines = FeedAll(splitter, {"{\"a\":1}\n{\"b\":", "2}"});
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}"}));
  EXPECT_EQ(splitter.pending_bytes(), 7u);
  std::vector<std::string> flushed;
  EXPECT_TRUE(splitter.Flush([&](std::string_view line) { flushed.emplace_back(line); }));
  EXPECT_EQ(flushed, (std::vector<std::string>{"{\"b\":2}"}));
  EXPECT_EQ(splitter.pending_bytes(), 0u);
  EXPECT_FALSE(splitter.Flush([&](std::string_view) { ADD_FAILURE(); }));
  // A blank leftover is forgotten without a call.
  FeedAll(splitter, {"  \r"});
  EXPECT_TRUE(splitter.Flush([&](std::string_view) { ADD_FAILURE(); }));
}

TEST(Ndjson, MaxLineSize) {
  {
    NdjsonSplitter splitter(8);
    bool ok = false;
    auto lines = FeedAll(splitter, {"12345678\n123", "45678\n"}, &ok);
    EXPECT_TRUE(ok);  // exactly the limit is fine, in one piece or split
    EXPECT_EQ(lines, (std::vector<std::string>{"12345678", "12345678"}));
  }
  {
    NdjsonSplitter splitter(8);
    bool ok = true;
    auto lines = FeedAll(splitter, {"ok\n123456789\n"}, &ok);
    EXPECT_FALSE(ok);
    EXPECT_EQ(lines, (std::vector<std::string>{"ok"}));
    EXPECT_TRUE(splitter.failed());
    // Refused from then on, even for a good line.
    EXPECT_FALSE(splitter.Feed("{}\n", [](std::string_view) { ADD_FAILURE(); }));
  }
  {
    NdjsonSplitter splitter(8);  // an unterminated line past the limit fails at once
    EXPECT_TRUE(splitter.Feed("12345", [](std::string_view) {}));
    EXPECT_FALSE(splitter.Feed("6789", [](std::string_view) {}));
    EXPECT_EQ(splitter.pending_bytes(), 0u);
  }
  {
    NdjsonSplitter splitter(8);
    EXPECT_FALSE(splitter.Feed("123456789", [](std::string_view) {}));
  }
}

}  // namespace
}  // namespace sluice::http
