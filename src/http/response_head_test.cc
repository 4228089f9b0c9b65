#include "http/response_head.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::http {
namespace {

using Result = ResponseHead::Result;

Result ParseWhole(ResponseHead& h, const std::string& wire, size_t* used = nullptr,
                  size_t limit = 64 * 1024) {
  h.Reset();
  size_t n = 0;
  Result r = h.Parse(wire, limit, n);
  if (used) *used = n;
  return r;
}

TEST(ResponseHead, ParsesStatusFieldsAndFraming) {
  ResponseHead h;
  std::string wire =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length:  42 \r\n"
      "X-Empty:\r\nx-ratelimit-remaining-requests: 7\r\n\r\n{\"body\":1}";
  size_t used = 0;
  ASSERT_EQ(ParseWhole(h, wire, &used), Result::kDone);
  EXPECT_EQ(used, wire.find("{"));
  EXPECT_EQ(h.status(), 200);
  EXPECT_EQ(h.version(), 11);
  EXPECT_EQ(h.header("content-type"), "application/json");
  EXPECT_EQ(h.header("X-RATELIMIT-REMAINING-REQUESTS"), "7");
  EXPECT_EQ(h.header("x-empty"), "");
  EXPECT_EQ(h.header("missing"), "");
  EXPECT_EQ(h.content_length(), 42u);
  EXPECT_FALSE(h.chunked());
  EXPECT_FALSE(h.no_body());
  EXPECT_TRUE(h.keep_alive());
}

TEST(ResponseHead, FirstOfRepeatedFieldsIsReturned) {
  ResponseHead h;
  ASSERT_EQ(ParseWhole(h, "HTTP/1.1 200 OK\r\nA: 1\r\na: 2\r\n\r\n"), Result::kDone);
  EXPECT_EQ(h.header("a"), "1");
}

TEST(ResponseHead, ChunkedOnlyWhenLastCoding) {
  ResponseHead h;
  ASSERT_EQ(ParseWhole(h, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"),
            Result::kDone);
  EXPECT_TRUE(h.chunked());
  ASSERT_EQ(ParseWhole(h, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
            Result::kDone);
  EXPECT_FALSE(h.chunked());
  EXPECT_FALSE(h.content_length());
  EXPECT_FALSE(h.no_body());
}

TEST(ResponseHead, NoBodyStatuses) {
  ResponseHead h;
  for (const char* wire :
       {"HTTP/1.1 204 No Content\r\n\r\n", "HTTP/1.1 304 Not Modified\r\n\r\n",
        "HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"}) {
    ASSERT_EQ(ParseWhole(h, wire), Result::kDone) << wire;
    EXPECT_TRUE(h.no_body()) << wire;
  }
}

TEST(ResponseHead, KeepAlive) {
  ResponseHead h;
  ASSERT_EQ(ParseWhole(h, "HTTP/1.1 200 OK\r\nConnection: foo, Close\r\n\r\n"), Result::kDone);
  EXPECT_FALSE(h.keep_alive());
  ASSERT_EQ(ParseWhole(h, "HTTP/1.0 200 OK\r\n\r\n"), Result::kDone);
  EXPECT_EQ(h.version(), 10);
  EXPECT_FALSE(h.keep_alive());
  ASSERT_EQ(ParseWhole(h, "HTTP/1.0 200 OK\r\nconnection: keep-alive\r\n\r\n"), Result::kDone);
  EXPECT_TRUE(h.keep_alive());
}

TEST(ResponseHead, SameContentLengthTwiceIsAccepted) {
  ResponseHead h;
  ASSERT_EQ(ParseWhole(h, "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\n"),
            Result::kDone);
  EXPECT_EQ(h.content_length(), 5u);
}

TEST(ResponseHead, RejectsMalformedHeads) {
  ResponseHead h;
  for (const char* wire : {
           "HTTP/1.2 200 OK\r\n\r\n",                     // version
           "HTTP/2.0 200 OK\r\n\r\n",                     // version
           "HTTP/1.1 20 OK\r\n\r\n",                      // status digits
           "HTTP/1.1 2000 OK\r\n\r\n",                    // status digits
           "HTTP/1.1  200 OK\r\n\r\n",                    // extra space
           "HTTP/1.1 200\r\n\r\n",                        // no SP after status
           "HTTP/1.1 200 O\x01K\r\n\r\n",                 // control in reason
           "\r\n\r\n",                                    // empty
           "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",      // space in name
           "HTTP/1.1 200 OK\r\n: x\r\n\r\n",              // empty name
           "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",          // no colon
           "HTTP/1.1 200 OK\r\nName : x\r\n\r\n",         // space before colon
           "HTTP/1.1 200 OK\r\nA: 1\r\n folded\r\n\r\n",  // obs-fold
           "HTTP/1.1 200 OK\r\nA: x\x7fy\r\n\r\n",        // DEL in value
           "HTTP/1.1 200 OK\r\nA: x\ry\r\n\r\n",          // bare CR
           "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",  // conflict
           "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n",                    // conflict
           "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",                      // not a number
           "HTTP/1.1 200 OK\r\nContent-Length: 5,\r\n\r\n",                      // empty element
           "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",                        // empty
           "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",    // overflow
           "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
       }) {
    EXPECT_EQ(ParseWhole(h, wire), Result::kBad) << wire;
  }
}

TEST(ResponseHead, BareLineFeedIsRefusedBeforeTheHeadEnds) {
  ResponseHead h;
  EXPECT_EQ(ParseWhole(h, "HTTP/1.1 200 OK\nContent-Length: 1\n"), Result::kBad);
}

TEST(ResponseHead, IncompleteUntilBlankLineAndTooLargePastLimit) {
  ResponseHead h;
  std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
  h.Reset();
  size_t used = 0;
  // Fed byte by byte, as reads may deliver it: done exactly when the blank line is complete.
  size_t head_end = wire.find("abc");
  for (size_t n = 1; n < head_end; ++n)
    ASSERT_EQ(h.Parse(std::string_view(wire).substr(0, n), 1024, used), Result::kIncomplete) << n;
  ASSERT_EQ(h.Parse(wire, 1024, used), Result::kDone);
  EXPECT_EQ(used, head_end);
  EXPECT_EQ(h.content_length(), 3u);

  EXPECT_EQ(ParseWhole(h, wire, nullptr, 20), Result::kTooLarge);
  EXPECT_EQ(ParseWhole(h, "HTTP/1.1 200 OK\r\nA: 123456", nullptr, 20), Result::kTooLarge);
}

TEST(ResponseHead, ResetForgetsTheLastHead) {
  ResponseHead h;
  ASSERT_EQ(ParseWhole(h, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nA: 1\r\n\r\n"),
            Result::kDone);
  ASSERT_EQ(ParseWhole(h, "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n"), Result::kDone);
  EXPECT_EQ(h.status(), 404);
  EXPECT_FALSE(h.chunked());
  EXPECT_EQ(h.header("a"), "");
  EXPECT_EQ(h.content_length(), 2u);
}

}  // namespace
}  // namespace sluice::http
