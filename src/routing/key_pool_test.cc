#include "routing/key_pool.h"

#include <gtest/gtest.h>

#include <map>

namespace sluice::routing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

config::Provider TwoKeys() {
  config::Provider p;
  p.name = "p";
  p.api_keys = {{"a", "sk-a", 1}, {"b", "sk-b", 3}};
  p.key_dead_time = seconds(10);
  p.key_rest_time = seconds(2);
  return p;
}

TEST(KeyPool, PicksByWeightAmongUsableKeys) {
  config::Provider p = TwoKeys();
  KeyPool pool(p);
  std::mt19937_64 rng(1);
  KeyPool::Time now{};
  std::map<size_t, int> picks;
  for (int i = 0; i < 4000; ++i) ++picks[*pool.Pick(now, rng)];
  EXPECT_GT(picks[1], picks[0] * 2);  // weight 3 vs 1
  EXPECT_GT(picks[0], 500);
}

TEST(KeyPool, DeadKeyIsSkippedThenRecovers) {
  config::Provider p = TwoKeys();
  KeyPool pool(p);
  std::mt19937_64 rng(1);
  KeyPool::Time now{};
  pool.OnAuthFailure(1, now);
  EXPECT_EQ(pool.state(1, now), KeyPool::State::kDead);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(*pool.Pick(now + seconds(9), rng), 0u);
  EXPECT_EQ(pool.state(1, now + seconds(10)), KeyPool::State::kUp);  // tried again afterwards
}

TEST(KeyPool, RepeatedRefusalsDoubleTheDeadTimeUntilASuccess) {
  config::Provider p = TwoKeys();
  KeyPool pool(p);
  KeyPool::Time now{};
  pool.OnAuthFailure(0, now);
  now += seconds(10);
  pool.OnAuthFailure(0, now);  // refused again right after coming back
  EXPECT_EQ(pool.state(0, now + seconds(19)), KeyPool::State::kDead);
  EXPECT_EQ(pool.state(0, now + seconds(20)), KeyPool::State::kUp);
  pool.OnSuccess(0);
  now += seconds(20);
  pool.OnAuthFailure(0, now);
  EXPECT_EQ(pool.state(0, now + seconds(10)), KeyPool::State::kUp);  // back to the base time
}

TEST(KeyPool, RateLimitedKeyRestsForRetryAfterOrTheDefault) {
  config::Provider p = TwoKeys();
  KeyPool pool(p);
  KeyPool::Time now{};
  pool.OnRateLimited(0, now, milliseconds(500));
  EXPECT_EQ(pool.state(0, now + milliseconds(499)), KeyPool::State::kResting);
  EXPECT_EQ(pool.state(0, now + milliseconds(500)), KeyPool::State::kUp);
  pool.OnRateLimited(1, now, std::nullopt);
  EXPECT_EQ(pool.state(1, now + milliseconds(1999)), KeyPool::State::kResting);
}

TEST(KeyPool, NothingUsableSaysWhyAndWhen) {
  config::Provider p = TwoKeys();
  KeyPool pool(p);
  std::mt19937_64 rng(1);
  KeyPool::Time now{};
  pool.OnAuthFailure(0, now);
  pool.OnAuthFailure(1, now);
  KeyPool::State why = KeyPool::State::kUp;
  KeyPool::Time when{};
  EXPECT_FALSE(pool.Pick(now, rng, &why, &when).has_value());
  EXPECT_EQ(why, KeyPool::State::kDead);
  EXPECT_EQ(when, now + seconds(10));
  EXPECT_FALSE(pool.AnyUsable(now));

  KeyPool other(p);  // one dead, one resting: the answer is "resting", back at its rest's end
  other.OnAuthFailure(0, now);
  other.OnRateLimited(1, now, milliseconds(100));
  EXPECT_FALSE(other.Pick(now, rng, &why, &when).has_value());
  EXPECT_EQ(why, KeyPool::State::kResting);
  EXPECT_EQ(when, now + milliseconds(100));
}

}  // namespace
}  // namespace sluice::routing
