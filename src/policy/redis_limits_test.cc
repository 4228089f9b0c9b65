#include "policy/redis_limits.h"

#include <gtest/gtest.h>

namespace sluice::policy {
namespace {

using store::RedisReply;

RedisReply Ints(std::initializer_list<int64_t> values) {
  RedisReply r;
  r.type = RedisReply::Type::kArray;
  for (int64_t v : values) {
    RedisReply e;
    e.type = RedisReply::Type::kInteger;
    e.integer = v;
    r.elements.push_back(e);
  }
  return r;
}

config::RateLimitRule Rule(std::string name, uint64_t requests, uint64_t total_tokens) {
  config::RateLimitRule r;
  r.name = std::move(name);
  r.window = std::chrono::seconds(60);
  r.requests = requests;
  r.total_tokens = total_tokens;
  return r;
}

TEST(RedisLimits, ArgumentsCarryWindowLimitsAndCharge) {
  auto rule = Rule("tpm", 0, 1000);
  rule.cost_usd = 2.5;
  std::vector<RateLimiter::Charge> charges{{&rule, "tpm|alice", 12, 300, 7}};
  auto args = RedisAdmitArgs("p:", charges);
  std::vector<std::string> expected{"p:rl:tpm|alice", "60000", "0", "0", "0", "0", "1000",
                                    "2500000", "12", "300", "7"};
  EXPECT_EQ(args, expected);
}

TEST(RedisLimits, AdmittedReplyBecomesReservationAndHeaders) {
  auto rpm = Rule("rpm", 10, 0);
  auto tpm = Rule("tpm", 0, 1000);
  std::vector<RateLimiter::Charge> charges{{&rpm, "rpm|a", 10, 90, 0}, {&tpm, "tpm|a", 10, 90, 0}};
  RateLimiter::Decision d;
  RateLimiter::Reservation r;
  ASSERT_TRUE(DecodeRedisAdmit(Ints({1, 60000, 3, 30, 270, 0, 120000, 5, 50, 450, 0}), charges, d, r));
  EXPECT_TRUE(d.admitted);
  EXPECT_EQ(d.limit_requests, 10);
  EXPECT_EQ(d.remaining_requests, 7);
  EXPECT_EQ(d.limit_tokens, 1000);
  EXPECT_EQ(d.remaining_tokens, 500);
  ASSERT_EQ(r.held.size(), 2u);
  EXPECT_TRUE(r.in_redis);
  EXPECT_EQ(r.held[1].bucket, "tpm|a");
  EXPECT_EQ(r.held[1].window_start_ms, 120000);
  EXPECT_EQ(r.held[1].output, 90u);
  auto reconcile = RedisReconcileArgs("p:", r, 10, 20, 0);
  std::vector<std::string> expected{"p:rl:rpm|a:60000", "p:rl:tpm|a:120000", "10", "90", "0",
                                    "10", "20", "0", "10", "90", "0", "10", "20", "0"};
  EXPECT_EQ(reconcile, expected);
}

TEST(RedisLimits, RefusedReplyNamesRuleDimensionAndRetry) {
  auto rpm = Rule("rpm", 10, 0);
  auto tpm = Rule("tpm", 0, 1000);
  std::vector<RateLimiter::Charge> charges{{&rpm, "rpm|a", 10, 90, 0}, {&tpm, "tpm|a", 10, 90, 0}};
  RateLimiter::Decision d;
  RateLimiter::Reservation r;
  ASSERT_TRUE(DecodeRedisAdmit(Ints({0, 2, 4, 1500, 9, 400, 550, 0}), charges, d, r));
  EXPECT_FALSE(d.admitted);
  EXPECT_EQ(d.rule, "tpm");
  EXPECT_EQ(d.dimension, "total_tokens");
  EXPECT_EQ(d.retry_after.count(), 1500);
  EXPECT_EQ(d.remaining_tokens, 50);
  EXPECT_TRUE(r.held.empty());
  EXPECT_FALSE(r.in_redis);
}

TEST(RedisLimits, UnexpectedRepliesAreRejected) {
  auto tpm = Rule("tpm", 0, 1000);
  std::vector<RateLimiter::Charge> charges{{&tpm, "tpm|a", 10, 90, 0}};
  RateLimiter::Decision d;
  RateLimiter::Reservation r;
  RedisReply error;
  error.type = RedisReply::Type::kError;
  error.str = "ERR";
  EXPECT_FALSE(DecodeRedisAdmit(error, charges, d, r));
  EXPECT_FALSE(DecodeRedisAdmit(Ints({1, 60000, 1}), charges, d, r));          // too short
  EXPECT_FALSE(DecodeRedisAdmit(Ints({0, 2, 4, 10, 0, 0, 0, 0}), charges, d, r));  // no bucket 2
  EXPECT_FALSE(DecodeRedisAdmit(Ints({0, 1, 9, 10, 0, 0, 0, 0}), charges, d, r));  // no dimension 9
  EXPECT_FALSE(DecodeRedisAdmit(Ints({1, 60000, -1, 0, 0, 0}), charges, d, r));    // negative count
  EXPECT_TRUE(r.held.empty());
}

}  // namespace
}  // namespace sluice::policy
