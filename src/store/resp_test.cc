#include "store/resp.h"

#include <gtest/gtest.h>

namespace sluice::store {
namespace {

TEST(Resp, EncodesCommandsAsArraysOfBulkStrings) {
  std::string out;
  std::vector<std::string> set{"SET", "k", std::string("a\r\nb", 4)};
  AppendCommand(out, set);
  std::vector<std::string> ping{"PING"};
  AppendCommand(out, ping);  // pipelined: both in one buffer
  EXPECT_EQ(out, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n*1\r\n$4\r\nPING\r\n");
}

TEST(Resp, ParsesRepliesSplitAcrossReads) {
  RespReader reader;
  RedisReply reply;
  std::string bytes = "+OK\r\n:42\r\n$5\r\nhello\r\n*2\r\n:1\r\n$-1\r\n-NOSCRIPT No matching\r\n";
  // One byte at a time: every reply still comes out whole and in order.
  std::vector<RedisReply> replies;
  for (char c : bytes) {
    reader.Feed(std::string_view(&c, 1));
    while (reader.Next(reply) == RespReader::Status::kReply) replies.push_back(reply);
  }
  ASSERT_EQ(replies.size(), 5u);
  EXPECT_EQ(replies[0].type, RedisReply::Type::kStatus);
  EXPECT_EQ(replies[0].str, "OK");
  EXPECT_EQ(replies[1].type, RedisReply::Type::kInteger);
  EXPECT_EQ(replies[1].integer, 42);
  EXPECT_EQ(replies[2].str, "hello");
  ASSERT_EQ(replies[3].type, RedisReply::Type::kArray);
  ASSERT_EQ(replies[3].elements.size(), 2u);
  EXPECT_EQ(replies[3].elements[0].integer, 1);
  EXPECT_EQ(replies[3].elements[1].type, RedisReply::Type::kNil);
  EXPECT_TRUE(replies[4].is_error());
  EXPECT_TRUE(replies[4].str.starts_with("NOSCRIPT"));
  EXPECT_EQ(reader.Next(reply), RespReader::Status::kNeedMore);
}

TEST(Resp, ProtocolErrorIsFinal) {
  RespReader reader;
  RedisReply reply;
  reader.Feed("?garbage\r\n");
  EXPECT_EQ(reader.Next(reply), RespReader::Status::kProtocolError);
  reader.Feed("+OK\r\n");  // a broken stream cannot be resynchronised
  EXPECT_EQ(reader.Next(reply), RespReader::Status::kProtocolError);
}

TEST(Resp, ScriptDigestIsSha1OfTheSource) {
  RedisScript script("return 1");
  EXPECT_EQ(script.sha1, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");  // redis-cli SCRIPT LOAD
}

}  // namespace
}  // namespace sluice::store
