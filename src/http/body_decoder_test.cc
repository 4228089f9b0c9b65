#include "http/body_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::http {
namespace {

using Framing = BodyDecoder::Framing;

// Feeds `wire` cut into pieces of `step` bytes (as reads would deliver them), with an output
// buffer of `out_cap`; unused bytes are kept and passed again, as the upstream client does.
std::string DecodeAll(BodyDecoder& d, const std::string& wire, size_t step, size_t out_cap = 64,
                      size_t* left_over = nullptr) {
  std::string body, buffered;
  std::vector<char> out(out_cap);
  size_t fed = 0;
  while (!d.done()) {
    size_t out_len = 0;
    size_t used = d.Decode(buffered, out.data(), out.size(), out_len);
    buffered.erase(0, used);
    body.append(out.data(), out_len);
    if (d.done()) break;
    if (out_len == 0) {  // nothing decoded: "read" more
      if (fed == wire.size()) break;
      size_t n = std::min(step, wire.size() - fed);
      buffered.append(wire, fed, n);
      fed += n;
    }
  }
  if (left_over) *left_over = buffered.size() + (wire.size() - fed);
  return body;
}

TEST(BodyDecoder, ChunkedInEveryCut) {
  const std::string wire =
      "19\r\ndata: {\"a\":1}\n\ndata: {}\n\n\r\n"
      "E;ext=1\r\ndata: [DONE]\n\n\r\n"
      "0\r\n\r\n";
  for (size_t step = 1; step <= wire.size(); ++step) {
    for (size_t cap : {1, 7, 64}) {
      BodyDecoder d;
      d.Reset(Framing::kChunked, 0, 1 << 20);
      size_t left = 0;
      EXPECT_EQ(DecodeAll(d, wire, step, cap, &left),
                "data: {\"a\":1}\n\ndata: {}\n\ndata: [DONE]\n\n")
          << step << " " << cap;
      EXPECT_TRUE(d.done());
      EXPECT_EQ(d.status(), BodyDecoder::Status::kOk);
      EXPECT_EQ(left, 0u);
    }
  }
}

TEST(BodyDecoder, ChunkedTrailersAndWhatFollows) {
  BodyDecoder d;
  d.Reset(Framing::kChunked, 0, 1 << 20);
  size_t left = 0;
  EXPECT_EQ(DecodeAll(d, "3\r\nabc\r\n0\r\nx-usage: 1\r\n\r\nHTTP/1.1", 5, 64, &left), "abc");
  EXPECT_TRUE(d.done());
  EXPECT_EQ(d.status(), BodyDecoder::Status::kOk);
  EXPECT_EQ(left, 8u);  // the next response's bytes are not the body's
}

TEST(BodyDecoder, MalformedChunks) {
  const std::vector<std::string> malformed = {
      "zz\r\nabc\r\n",  "3\r\nabcX\r\n",         "3\nabc\r\n",
      "3 x\r\nabc\r\n", "11111111111111111\r\n", std::string(9000, '1')};
  for (const std::string& wire : malformed) {
    BodyDecoder d;
    d.Reset(Framing::kChunked, 0, 1 << 20);
    DecodeAll(d, wire, 3);
    EXPECT_TRUE(d.done()) << wire;
    EXPECT_EQ(d.status(), BodyDecoder::Status::kBad) << wire;
  }
}

TEST(BodyDecoder, TruncatedChunkedBodyIsNotDone) {
  BodyDecoder d;
  d.Reset(Framing::kChunked, 0, 1 << 20);
  EXPECT_EQ(DecodeAll(d, "5\r\nab", 2), "ab");
  EXPECT_FALSE(d.done());
  d.OnEof();  // only a read-until-close body ends at EOF
  EXPECT_FALSE(d.done());
}

TEST(BodyDecoder, LimitOnDecodedBytes) {
  BodyDecoder d;
  d.Reset(Framing::kChunked, 0, 4);
  DecodeAll(d, "5\r\nabcde\r\n0\r\n\r\n", 64);
  EXPECT_EQ(d.status(), BodyDecoder::Status::kTooLarge);
  d.Reset(Framing::kLength, 5, 4);
  EXPECT_TRUE(d.done());
  EXPECT_EQ(d.status(), BodyDecoder::Status::kTooLarge);
}

TEST(BodyDecoder, HugeChunkSizeIsBoundedByTheLimit) {
  BodyDecoder d;
  d.Reset(Framing::kChunked, 0, 4);
  DecodeAll(d, "ffffffffffffffff\r\nabcdefgh", 64);
  EXPECT_EQ(d.status(), BodyDecoder::Status::kTooLarge);
}

TEST(BodyDecoder, ContentLength) {
  BodyDecoder d;
  d.Reset(Framing::kLength, 5, 1 << 20);
  size_t left = 0;
  EXPECT_EQ(DecodeAll(d, "hello, again", 2, 3, &left), "hello");
  EXPECT_TRUE(d.done());
  EXPECT_EQ(left, 7u);
  d.Reset(Framing::kLength, 0, 1 << 20);
  EXPECT_TRUE(d.done());
  d.Reset(Framing::kNone, 0, 1 << 20);
  EXPECT_TRUE(d.done());
}

TEST(BodyDecoder, UntilClose) {
  BodyDecoder d;
  d.Reset(Framing::kUntilClose, 0, 1 << 20);
  EXPECT_EQ(DecodeAll(d, "all of it", 4, 5), "all of it");
  EXPECT_FALSE(d.done());
  d.OnEof();
  EXPECT_TRUE(d.done());
  EXPECT_EQ(d.status(), BodyDecoder::Status::kOk);
}

}  // namespace
}  // namespace sluice::http
