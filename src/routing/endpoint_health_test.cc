#include "routing/endpoint_health.h"

#include <gtest/gtest.h>

namespace sluice::routing {
namespace {

using std::chrono::milliseconds;
using State = EndpointHealth::State;

config::Provider Settings(uint32_t consecutive, double rate = 0, uint32_t window = 10) {
  config::Provider p;
  p.name = "p";
  p.outlier.consecutive_failures = consecutive;
  p.outlier.failure_rate = rate;
  p.outlier.window = window;
  p.outlier.base_ejection = milliseconds(100);
  p.outlier.max_ejection = milliseconds(300);
  return p;
}

void Attempt(EndpointHealth& h, const config::Provider& p, bool fail, SteadyTime t) {
  h.OnAttemptStart(t);
  h.OnAttemptEnd(p, fail, t);
}

TEST(EndpointHealth, EjectsAfterConsecutiveFailuresThenProbesOneAtATime) {
  auto p = Settings(3);
  EndpointHealth h;
  SteadyTime t{};
  Attempt(h, p, true, t);
  Attempt(h, p, false, t);  // a success breaks the streak
  Attempt(h, p, true, t);
  Attempt(h, p, true, t);
  EXPECT_EQ(h.state(t), State::kHealthy);
  Attempt(h, p, true, t);
  EXPECT_EQ(h.state(t), State::kEjected);
  EXPECT_FALSE(h.Available(p, t + milliseconds(99)));
  SteadyTime later = t + milliseconds(100);
  EXPECT_EQ(h.state(later), State::kProbing);
  EXPECT_TRUE(h.Available(p, later));
  h.OnAttemptStart(later);  // the probe
  EXPECT_FALSE(h.Available(p, later)) << "one probe at a time";
  h.OnAttemptEnd(p, false, later);
  EXPECT_EQ(h.state(later), State::kHealthy);
  EXPECT_EQ(h.ejections(), 0u);
}

TEST(EndpointHealth, FailedProbesDoubleTheEjectionUpToTheCap) {
  auto p = Settings(1);
  EndpointHealth h;
  SteadyTime t{};
  Attempt(h, p, true, t);  // ejected 100 ms
  t += milliseconds(100);
  Attempt(h, p, true, t);  // probe fails: 200 ms
  EXPECT_EQ(h.state(t + milliseconds(199)), State::kEjected);
  t += milliseconds(200);
  Attempt(h, p, true, t);  // 400 ms, capped at 300
  EXPECT_EQ(h.state(t + milliseconds(299)), State::kEjected);
  EXPECT_EQ(h.state(t + milliseconds(300)), State::kProbing);
  EXPECT_EQ(h.ejections(), 3u);
}

TEST(EndpointHealth, FailureRateEjectsAnEndpointThatNeverFailsTwiceInARow) {
  auto p = Settings(0, /*rate=*/0.5, /*window=*/10);
  EndpointHealth h;
  SteadyTime t{};
  for (int i = 0; i < 9; ++i) Attempt(h, p, i % 2 == 0, t);  // 5 of 9 failed, window not full
  EXPECT_EQ(h.state(t), State::kHealthy);
  Attempt(h, p, false, t);  // 5 of 10: not a failure itself, judged on the next failure
  Attempt(h, p, true, t);   // the oldest failure left the window: 5 of the last 10 failed
  EXPECT_EQ(h.state(t), State::kEjected);
}

TEST(EndpointHealth, ProbesAndCircuit) {
  auto p = Settings(2);
  p.max_concurrent = 1;
  EndpointHealth h;
  SteadyTime t{};
  h.OnProbe(p, false, t);
  h.OnProbe(p, false, t);
  EXPECT_EQ(h.state(t), State::kEjected);
  h.OnProbe(p, true, t);  // a good active probe ends the ejection at once
  EXPECT_EQ(h.state(t), State::kHealthy);
  h.OnAttemptStart(t);
  EXPECT_TRUE(h.circuit_open(p));
  EXPECT_FALSE(h.Available(p, t));
  h.OnAttemptEnd(p, false, t);
  EXPECT_TRUE(h.Available(p, t));
}

}  // namespace
}  // namespace sluice::routing
