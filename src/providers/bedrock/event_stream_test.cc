#include "providers/bedrock/event_stream.h"

#include <gtest/gtest.h>

namespace sluice::providers::bedrock {
namespace {

using Type = EventStreamValueType;

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

struct Collected {
  std::string event_type, message_type, exception_type, error_code, error_message, content_type,
      payload;
};

// Feeds `bytes` in pieces of `step`; returns the messages and whether every Feed succeeded.
bool FeedAll(EventStreamDecoder& decoder, std::string_view bytes, size_t step,
             std::vector<Collected>& out) {
  for (size_t off = 0; off < bytes.size(); off += step) {
    bool ok = decoder.Feed(bytes.substr(off, step), [&](const EventStreamMessage& m) {
      out.push_back({std::string(m.event_type), std::string(m.message_type),
                     std::string(m.exception_type), std::string(m.error_code),
                     std::string(m.error_message), std::string(m.content_type),
                     std::string(m.payload)});
    });
    if (!ok) return false;
  }
  return true;
}

std::string EventMessage(std::string_view event_type, std::string_view payload) {
  return EncodeEventStreamMessage({{":event-type", Type::kString, std::string(event_type)},
                                   {":content-type", Type::kString, "application/json"},
                                   {":message-type", Type::kString, "event"}},
                                  payload);
}

TEST(EventStream, Crc32CheckValue) {
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);  // the standard CRC-32 check value
  EXPECT_EQ(Crc32("6789", Crc32("12345")), 0xCBF43926u);
  EXPECT_EQ(Crc32(""), 0u);
}

// Vectors from awslabs/aws-c-event-stream tests/message_deserializer_test.c.
TEST(EventStream, PublishedVectors) {
  const unsigned char no_op[] = {0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00,
                                 0x05, 0xc2, 0x48, 0xeb, 0x7d, 0x98, 0xc8, 0xff};
  const unsigned char no_headers[] = {0x00, 0x00, 0x00, 0x1D, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x52,
                                      0x8c, 0x5a, 0x7b, 0x27, 0x66, 0x6f, 0x6f, 0x27, 0x3a, 0x27,
                                      0x62, 0x61, 0x72, 0x27, 0x7d, 0xc3, 0x65, 0x39, 0x36};
  const unsigned char one_header[] = {
      0x00, 0x00, 0x00, 0x3D, 0x00, 0x00, 0x00, 0x20, 0x07, 0xFD, 0x83, 0x96, 0x0C,
      'c',  'o',  'n',  't',  'e',  'n',  't',  '-',  't',  'y',  'p',  'e',  0x07,
      0x00, 0x10, 'a',  'p',  'p',  'l',  'i',  'c',  'a',  't',  'i',  'o',  'n',
      '/',  'j',  's',  'o',  'n',  0x7b, 0x27, 0x66, 0x6f, 0x6f, 0x27, 0x3a, 0x27,
      0x62, 0x61, 0x72, 0x27, 0x7d, 0x8D, 0x9C, 0x08, 0xB1};
  std::string bytes(reinterpret_cast<const char*>(no_op), sizeof(no_op));
  bytes.append(reinterpret_cast<const char*>(no_headers), sizeof(no_headers));
  bytes.append(reinterpret_cast<const char*>(one_header), sizeof(one_header));

  EventStreamDecoder decoder;
  std::vector<Collected> got;
  ASSERT_TRUE(FeedAll(decoder, bytes, bytes.size(), got)) << decoder.error();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].payload, "");
  EXPECT_EQ(got[1].payload, "{'foo':'bar'}");
  EXPECT_EQ(got[2].payload, "{'foo':'bar'}");
  EXPECT_EQ(decoder.pending_bytes(), 0u);

  // Our encoder produces the same bytes.
  EXPECT_EQ(EncodeEventStreamMessage({}, ""), bytes.substr(0, sizeof(no_op)));
  EXPECT_EQ(EncodeEventStreamMessage({}, "{'foo':'bar'}"),
            bytes.substr(sizeof(no_op), sizeof(no_headers)));
}

// Written by hand from the format description; CRCs computed with Python's zlib.crc32:
// total 80, headers 57, prelude CRC 0x023498aa, message CRC 0x269a4e3c. Headers: two strings, an
// int32 ("seq" = 7) and a bool true ("flag"); payload {"a":1}.
constexpr std::string_view kGoldenHex =
    "0000005000000039023498aa0b3a6576656e742d747970650700056368756e6b0d3a6d6573736167652d74797065"
    "0700056576656e7403736571040000000704666c6167007b2261223a317d269a4e3c";

TEST(EventStream, GoldenMessage) {
  std::string bytes = FromHex(kGoldenHex);
  EventStreamDecoder decoder;
  std::vector<Collected> got;
  ASSERT_TRUE(FeedAll(decoder, bytes, bytes.size(), got)) << decoder.error();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].event_type, "chunk");
  EXPECT_EQ(got[0].message_type, "event");
  EXPECT_EQ(got[0].payload, R"({"a":1})");

  std::string encoded = EncodeEventStreamMessage({{":event-type", Type::kString, "chunk"},
                                                  {":message-type", Type::kString, "event"},
                                                  {"seq", Type::kInt32, std::string("\0\0\0\7", 4)},
                                                  {"flag", Type::kBoolTrue, ""}},
                                                 R"({"a":1})");
  EXPECT_EQ(encoded, bytes);
}

TEST(EventStream, RoundTripAllHeaderTypes) {
  std::vector<EventStreamHeader> headers = {
      {":message-type", Type::kString, "exception"},
      {":exception-type", Type::kString, "throttlingException"},
      {":error-code", Type::kString, "E1"},
      {":error-message", Type::kString, "slow down"},
      {":content-type", Type::kString, "application/json"},
      {"t", Type::kBoolTrue, ""},
      {"f", Type::kBoolFalse, ""},
      {"b", Type::kByte, "x"},
      {"i16", Type::kInt16, "ab"},
      {"i64", Type::kInt64, "abcdefgh"},
      {"bytes", Type::kBytes, std::string("\0\1\2", 3)},
      {"ts", Type::kTimestamp, "12345678"},
      {"uuid", Type::kUuid, "0123456789abcdef"},
  };
  std::string bytes = EncodeEventStreamMessage(headers, "payload");
  EventStreamDecoder decoder;
  std::vector<Collected> got;
  ASSERT_TRUE(FeedAll(decoder, bytes, bytes.size(), got)) << decoder.error();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].message_type, "exception");
  EXPECT_EQ(got[0].exception_type, "throttlingException");
  EXPECT_EQ(got[0].error_code, "E1");
  EXPECT_EQ(got[0].error_message, "slow down");
  EXPECT_EQ(got[0].content_type, "application/json");
  EXPECT_EQ(got[0].event_type, "");
  EXPECT_EQ(got[0].payload, "payload");
}

TEST(EventStream, SplitAtEveryByteOffset) {
  std::string stream = EventMessage("messageStart", R"({"role":"assistant"})") +
                       EventMessage("contentBlockDelta", R"({"delta":{"text":"Hi"}})") +
                       EventMessage("messageStop", R"({"stopReason":"end_turn"})");
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    EventStreamDecoder decoder;
    std::vector<Collected> got;
    ASSERT_TRUE(FeedAll(decoder, stream.substr(0, cut), cut ? cut : 1, got)) << cut;
    ASSERT_TRUE(FeedAll(decoder, stream.substr(cut), stream.size(), got)) << cut;
    ASSERT_EQ(got.size(), 3u) << cut;
    EXPECT_EQ(got[0].event_type, "messageStart");
    EXPECT_EQ(got[1].payload, R"({"delta":{"text":"Hi"}})");
    EXPECT_EQ(got[2].event_type, "messageStop");
    EXPECT_EQ(decoder.pending_bytes(), 0u);
  }
  // And one byte at a time.
  EventStreamDecoder decoder;
  std::vector<Collected> got;
  ASSERT_TRUE(FeedAll(decoder, stream, 1, got));
  EXPECT_EQ(got.size(), 3u);
}

TEST(EventStream, TruncatedTailIsHeldBack) {
  std::string msg = EventMessage("messageStart", "{}");
  EventStreamDecoder decoder;
  std::vector<Collected> got;
  ASSERT_TRUE(FeedAll(decoder, msg.substr(0, msg.size() - 3), msg.size(), got));
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(decoder.pending_bytes(), msg.size() - 3);
}

TEST(EventStream, CorruptedPreludeCrcIsRejected) {
  std::string msg = EventMessage("messageStart", "{}");
  msg[9] ^= 0x01;
  EventStreamDecoder decoder;
  std::vector<Collected> got;
  EXPECT_FALSE(FeedAll(decoder, msg, msg.size(), got));
  EXPECT_NE(decoder.error().find("prelude CRC"), std::string_view::npos);
  EXPECT_TRUE(got.empty());
  // Failed for good.
  EXPECT_FALSE(decoder.Feed(EventMessage("x", "{}"), [](const EventStreamMessage&) {}));
}

TEST(EventStream, CorruptedMessageCrcIsRejected) {
  std::string msg = EventMessage("messageStart", R"({"role":"assistant"})");
  msg[msg.size() - 6] ^= 0x20;  // a payload byte
  EventStreamDecoder decoder;
  std::vector<Collected> got;
  EXPECT_FALSE(FeedAll(decoder, msg, 5, got));
  EXPECT_NE(decoder.error().find("message CRC"), std::string_view::npos);
  EXPECT_TRUE(got.empty());
}

// A prelude with valid CRC but the given lengths.
std::string Prelude(uint32_t total, uint32_t headers_len) {
  std::string p;
  for (uint32_t v : {total, headers_len})
    for (int s = 24; s >= 0; s -= 8) p.push_back(static_cast<char>(v >> s));
  uint32_t crc = Crc32(p);
  for (int s = 24; s >= 0; s -= 8) p.push_back(static_cast<char>(crc >> s));
  return p;
}

TEST(EventStream, BadLengthsAreRejectedFromThePrelude) {
  {
    EventStreamDecoder decoder(1024);
    EXPECT_FALSE(decoder.Feed(Prelude(2048, 0), [](const EventStreamMessage&) {}));
    EXPECT_NE(decoder.error().find("exceeds"), std::string_view::npos);
    EXPECT_EQ(decoder.pending_bytes(), 0u);
  }
  {
    EventStreamDecoder decoder;
    EXPECT_FALSE(decoder.Feed(Prelude(0xFFFFFFFFu, 0), [](const EventStreamMessage&) {}));
  }
  {
    EventStreamDecoder decoder;
    EXPECT_FALSE(decoder.Feed(Prelude(15, 0), [](const EventStreamMessage&) {}));
    EXPECT_NE(decoder.error().find("minimum"), std::string_view::npos);
  }
  {
    EventStreamDecoder decoder;
    EXPECT_FALSE(decoder.Feed(Prelude(20, 5), [](const EventStreamMessage&) {}));
    EXPECT_NE(decoder.error().find("overruns"), std::string_view::npos);
  }
}

// Builds a message around a raw header block (valid CRCs) to test header parsing.
std::string WithRawHeaders(std::string_view block) {
  std::string out =
      Prelude(static_cast<uint32_t>(16 + block.size()), static_cast<uint32_t>(block.size()));
  out += block;
  uint32_t crc = Crc32(out);
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>(crc >> s));
  return out;
}

TEST(EventStream, TruncatedOrUnknownHeadersAreRejected) {
  // Raw header blocks, in hex: name length, name, type, value.
  const std::string_view bad[] = {
      "053a6576656e",      // name ":even" runs past the block
      "01610700",          // string length cut
      "0161070009616263",  // string value cut (9 bytes announced, 3 there)
      "0161040000",        // int32 cut
      "01610a",            // type 10 does not exist
  };
  for (std::string_view hex : bad) {
    EventStreamDecoder decoder;
    EXPECT_FALSE(decoder.Feed(WithRawHeaders(FromHex(hex)), [](const EventStreamMessage&) {}));
    EXPECT_FALSE(decoder.error().empty());
  }
}

}  // namespace
}  // namespace sluice::providers::bedrock
