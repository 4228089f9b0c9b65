#include "policy/rate_limiter.h"

#include <gtest/gtest.h>

namespace sluice::policy {
namespace {

using std::chrono::seconds;

config::RateLimitRule Rule(uint64_t requests, uint64_t total_tokens) {
  config::RateLimitRule r;
  r.name = "r";
  r.window = seconds(60);
  r.requests = requests;
  r.total_tokens = total_tokens;
  return r;
}

RateLimiter::Time At(int64_t s) { return RateLimiter::Time(seconds(s)); }

TEST(RateLimiter, ReservationsCannotOvershoot) {
  auto rule = Rule(0, 1000);
  RateLimiter limiter;
  std::vector<RateLimiter::Reservation> held(10);
  int admitted = 0;
  for (auto& r : held)  // each asks 100 in + 200 out: only three fit in 1000
    admitted += limiter.Admit({{&rule, "r|a", 100, 200}}, At(60), r).admitted;
  EXPECT_EQ(admitted, 3);
}

TEST(RateLimiter, ReconcileReturnsWhatWasNotUsed) {
  auto rule = Rule(0, 1000);
  RateLimiter limiter;
  RateLimiter::Reservation a, b, c;
  ASSERT_TRUE(limiter.Admit({{&rule, "r|a", 100, 800}}, At(60), a).admitted);
  EXPECT_FALSE(limiter.Admit({{&rule, "r|a", 100, 800}}, At(61), b).admitted);
  limiter.Reconcile(a, 100, 50);  // used 150 of the 900 reserved
  auto d = limiter.Admit({{&rule, "r|a", 100, 600}}, At(62), c);
  ASSERT_TRUE(d.admitted);
  EXPECT_EQ(d.limit_tokens, 1000);
  EXPECT_EQ(d.remaining_tokens, 1000 - 150 - 700);
}

TEST(RateLimiter, RequestsPerWindowAndRetryAfter) {
  auto rule = Rule(2, 0);
  RateLimiter limiter;
  RateLimiter::Reservation r1, r2, r3, r4;
  EXPECT_TRUE(limiter.Admit({{&rule, "r|a", 1, 1}}, At(120), r1).admitted);
  auto d2 = limiter.Admit({{&rule, "r|a", 1, 1}}, At(130), r2);
  EXPECT_TRUE(d2.admitted);
  EXPECT_EQ(d2.remaining_requests, 0);
  auto d3 = limiter.Admit({{&rule, "r|a", 1, 1}}, At(150), r3);
  EXPECT_FALSE(d3.admitted);
  EXPECT_EQ(d3.dimension, "requests");
  EXPECT_EQ(d3.retry_after, seconds(30));  // the window [120, 180) ends in 30 s
  EXPECT_EQ(d3.limit_requests, 2);
  EXPECT_EQ(d3.remaining_requests, 0);
  EXPECT_TRUE(limiter.Admit({{&rule, "r|a", 1, 1}}, At(180), r4).admitted);  // a new window
}

TEST(RateLimiter, BucketsAreIndependentAndRefusalReservesNothing) {
  auto per_consumer = Rule(0, 300);
  auto global = Rule(0, 500);
  global.name = "g";
  RateLimiter limiter;
  RateLimiter::Reservation a, b, c;
  EXPECT_TRUE(limiter.Admit({{&per_consumer, "r|a", 100, 150}, {&global, "g", 100, 150}}, At(0), a)
                  .admitted);
  // Consumer a is out of budget: refused, and the global bucket is not charged for it.
  EXPECT_FALSE(limiter.Admit({{&per_consumer, "r|a", 100, 150}, {&global, "g", 100, 150}}, At(1), b)
                   .admitted);
  auto d = limiter.Admit({{&per_consumer, "r|b", 100, 150}, {&global, "g", 100, 150}}, At(2), c);
  EXPECT_TRUE(d.admitted);
  EXPECT_EQ(d.remaining_tokens, 0);  // the tightest: global 500 - 500, consumer b 300 - 250
}

TEST(RateLimiter, ReconcileAfterTheWindowRolledChangesNothing) {
  auto rule = Rule(0, 1000);
  RateLimiter limiter;
  RateLimiter::Reservation a, b;
  ASSERT_TRUE(limiter.Admit({{&rule, "r|a", 100, 900}}, At(59), a).admitted);
  ASSERT_TRUE(limiter.Admit({{&rule, "r|a", 100, 100}}, At(60), b).admitted);  // new window
  limiter.Reconcile(a, 5000, 5000);  // a's window is gone: the new one is not charged
  RateLimiter::Reservation c;
  auto d = limiter.Admit({{&rule, "r|a", 100, 600}}, At(61), c);
  EXPECT_TRUE(d.admitted);
  EXPECT_EQ(d.remaining_tokens, 1000 - 200 - 700);
}

TEST(RateLimiter, LongWindowsOutliveTheBucketSweep) {
  config::RateLimitRule month = Rule(0, 1000);
  month.window = std::chrono::hours(24 * 30);
  config::RateLimitRule second = Rule(1000000, 0);
  second.name = "s";
  second.window = seconds(1);
  RateLimiter limiter;
  RateLimiter::Reservation held;
  ASSERT_TRUE(limiter.Admit({{&month, "m|a", 500, 400}}, At(0), held).admitted);
  // Two days and many admissions later (the sweep runs every 4096), the month's spend is intact.
  for (int i = 0; i < 10000; ++i) {
    RateLimiter::Reservation r;
    limiter.Admit({{&second, "s|" + std::to_string(i), 1, 1}}, At(2 * 86400 + i), r);
  }
  RateLimiter::Reservation again;
  EXPECT_FALSE(limiter.Admit({{&month, "m|a", 100, 100}}, At(2 * 86400 + 10001), again).admitted);
}

TEST(RateLimiter, CostBudget) {
  config::RateLimitRule rule;
  rule.name = "budget";
  rule.window = std::chrono::hours(24);
  rule.cost_usd = 1.0;
  RateLimiter limiter;
  RateLimiter::Reservation a, b, c;
  ASSERT_TRUE(limiter.Admit({{&rule, "b|x", 10, 10, 600'000}}, At(0), a).admitted);
  auto refused = limiter.Admit({{&rule, "b|x", 10, 10, 600'000}}, At(1), b);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.dimension, "cost_usd");
  EXPECT_EQ(refused.limit_tokens, -1);  // no token header for a money budget
  limiter.Reconcile(a, 10, 10, 100'000);  // it cost $0.10
  EXPECT_TRUE(limiter.Admit({{&rule, "b|x", 10, 10, 600'000}}, At(2), c).admitted);
}

TEST(RateLimiter, HardRulesGiveAStreamItsOutputAllowance) {
  config::RateLimitRule out;
  out.name = "out";
  out.output_tokens = 100;
  out.hard = true;
  config::RateLimitRule soft = out;
  soft.name = "soft";
  soft.hard = false;
  soft.output_tokens = 10;  // not hard: never cuts, whatever it has left
  RateLimiter limiter;
  RateLimiter::Reservation a, b;
  auto d = limiter.Admit({{&out, "out|x", 5, 30}}, RateLimiter::Time(std::chrono::seconds(60)), a);
  EXPECT_EQ(d.output_allowance, 100);  // its own 30 plus the 70 left
  EXPECT_EQ(d.hard_rule, "out");
  d = limiter.Admit({{&out, "out|x", 5, 30}, {&soft, "soft|x", 5, 10}},
                    RateLimiter::Time(std::chrono::seconds(61)), b);
  EXPECT_EQ(d.output_allowance, 70);

  // A cost budget: $1 with output at 1,000 micro-USD per token; 200,000 reserved leaves 800,000.
  config::RateLimitRule money;
  money.name = "money";
  money.cost_usd = 1;
  money.hard = true;
  RateLimiter::Reservation c;
  d = limiter.Admit({{&money, "money|x", 0, 100, 200'000, 1000.0}},
                    RateLimiter::Time(std::chrono::seconds(62)), c);
  EXPECT_EQ(d.output_allowance, 100 + 800);
  RateLimiter::Reservation e;
  d = limiter.Admit({{&soft, "soft|y", 0, 1}}, RateLimiter::Time(std::chrono::seconds(62)), e);
  EXPECT_EQ(d.output_allowance, -1);  // no hard rule applies
}

int64_t Ms(std::chrono::sys_days d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d.time_since_epoch()).count();
}

TEST(RateLimiter, CalendarMonthWindows) {
  using namespace std::chrono;
  config::RateLimitRule r;
  r.calendar_month = true;
  int64_t start, length;
  WindowAt(r, Ms(sys_days{2026y / February / 15}) + 3600'000, start, length);
  EXPECT_EQ(start, Ms(sys_days{2026y / February / 1}));
  EXPECT_EQ(length, 28 * 86'400'000LL);
  WindowAt(r, Ms(sys_days{2028y / February / 29}), start, length);  // leap year, first instant
  EXPECT_EQ(start, Ms(sys_days{2028y / February / 1}));
  EXPECT_EQ(length, 29 * 86'400'000LL);
  WindowAt(r, Ms(sys_days{2026y / December / 31}) + 86'399'999, start, length);
  EXPECT_EQ(start + length, Ms(sys_days{2027y / January / 1}));

  // A budget spent in January is whole again on February 1st.
  r.name = "monthly";
  r.cost_usd = 1;
  RateLimiter limiter;
  RateLimiter::Reservation a, b, c;
  auto jan = RateLimiter::Time(milliseconds(Ms(sys_days{2027y / January / 20})));
  auto feb = RateLimiter::Time(milliseconds(Ms(sys_days{2027y / February / 1})));
  EXPECT_TRUE(limiter.Admit({{&r, "m", 0, 0, 900'000}}, jan, a).admitted);
  auto refused = limiter.Admit({{&r, "m", 0, 0, 200'000}}, jan, b);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_after.count(), 12 * 86'400'000LL);  // until February 1st
  EXPECT_TRUE(limiter.Admit({{&r, "m", 0, 0, 200'000}}, feb, c).admitted);
}

}  // namespace
}  // namespace sluice::policy
